// Stop and retry of one task, each behind a confirmation dialog; the answer (or the refusal) is announced.
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { RETRYABLE, STOPPABLE, type Task } from './types.js';

type Action = 'stop' | 'retry';

const WORDING: Record<Action, { title: string; message: (t: Task) => string; label: string }> = {
  stop: {
    title: 'Stop this task?',
    message: (t) => `Task ${t.taskId} (${t.function}) is ${t.status}. Stopping ends its current attempt; you can retry it later.`,
    label: 'Stop task',
  },
  retry: {
    title: 'Retry this task?',
    message: (t) => `Task ${t.taskId} (${t.function}) is ${t.status}. A new attempt runs with the same ID and payload.`,
    label: 'Retry task',
  },
};

export function TaskActions({ task, onDone }: { task: Task; onDone: () => void }) {
  const [asking, setAsking] = useState<Action>();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean }>();

  const run = async (action: Action): Promise<void> => {
    setAsking(undefined);
    setBusy(true);
    try {
      const answer = await api<{ task: Task }>(`/tasks/${encodeURIComponent(task.taskId)}/${action}`, { method: 'POST' });
      setMessage({ text: action === 'stop' ? `Stop requested: ${answer.task.status}.` : `Retrying: ${answer.task.status}.`, error: false });
      onDone();
    } catch (e) {
      setMessage({ text: (e as Error).message, error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="task-actions">
      <button type="button" class="danger" disabled={busy || !STOPPABLE.includes(task.status)} onClick={() => setAsking('stop')}>
        Stop…
      </button>
      <button type="button" disabled={busy || !RETRYABLE.includes(task.status)} onClick={() => setAsking('retry')}>
        Retry…
      </button>
      <span role="status" class={message?.error ? 'error' : 'muted'}>
        {message?.text ?? ''}
      </span>
      {asking ? (
        <ConfirmDialog
          title={WORDING[asking].title}
          message={WORDING[asking].message(task)}
          confirmLabel={WORDING[asking].label}
          onConfirm={() => void run(asking)}
          onCancel={() => setAsking(undefined)}
        />
      ) : null}
    </div>
  );
}
