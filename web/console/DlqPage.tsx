// The dead-letter queue: its records (read without taking them) and a redrive of them all, confirmed first.
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { Link } from './router.js';
import { Time } from './StatusBadge.js';
import type { DlqRow, RedriveReport } from './types.js';
import { usePoll } from './use-poll.js';

interface DlqAnswer {
  readonly depth: number;
  readonly records: readonly DlqRow[];
}

export function DlqPage() {
  const polled = usePoll(() => api<DlqAnswer>('/dlq'), [], 3000);
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<RedriveReport>();
  const [error, setError] = useState<string>();

  const redrive = async (): Promise<void> => {
    setAsking(false);
    setBusy(true);
    setError(undefined);
    try {
      setReport(await api<RedriveReport>('/dlq/redrive', { method: 'POST' }));
      polled.reload();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const records = polled.data?.records ?? [];
  return (
    <main>
      <h1>Dead-letter queue</h1>
      <p class="muted">Failure records of tasks that ran out of attempts. Redrive retries each task (records of stopped tasks are left).</p>
      <div class="task-actions">
        <button type="button" disabled={busy || records.length === 0} onClick={() => setAsking(true)}>
          Redrive all…
        </button>
        <span role="status" class="muted">
          {polled.data ? `${polled.data.depth} record(s) in the queue` : ''}
        </span>
      </div>
      {asking ? (
        <ConfirmDialog
          title="Redrive the dead-letter queue?"
          message={`Each of the ${records.length} record(s) starts a new attempt of its task; records that cannot be redriven stay.`}
          confirmLabel="Redrive"
          onConfirm={() => void redrive()}
          onCancel={() => setAsking(false)}
        />
      ) : null}
      {error || polled.error ? <p class="error" role="alert">{error ?? polled.error}</p> : null}
      {report ? (
        <section class="report" aria-live="polite">
          <h2>
            Redriven {report.redriven.length}, skipped {report.skipped.length}
          </h2>
          <ul>
            {report.redriven.map((id) => (
              <li key={id}>
                redriven <Link href={`/tasks/${encodeURIComponent(id)}`}>{id}</Link>
              </li>
            ))}
            {report.skipped.map((s, i) => (
              <li key={`s${i}`}>
                skipped {s.taskId ?? '(unknown task)'}: {s.reason}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {polled.data && records.length === 0 ? <p class="empty">The dead-letter queue is empty.</p> : null}
      {records.length ? (
        <table class="tasks">
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Function</th>
              <th scope="col">Condition</th>
              <th scope="col">Error</th>
              <th scope="col">Sent</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <tr key={r.messageId}>
                <td data-label="Task">
                  {r.taskId ? <Link href={`/tasks/${encodeURIComponent(r.taskId)}`} class="mono">{r.taskId}</Link> : <span class="mono">{r.streamRecord ?? r.invalid ?? '?'}</span>}
                </td>
                <td data-label="Function">{r.function ?? '—'}</td>
                <td data-label="Condition">{r.stopped ? 'Stopped' : (r.condition ?? (r.streamRecord ? 'stream record' : '—'))}</td>
                <td data-label="Error">{r.error ?? r.invalid ?? '—'}</td>
                <td data-label="Sent">
                  <Time at={r.sentAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </main>
  );
}
