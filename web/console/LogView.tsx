// The task's log lines, following: polls from the last cursor while the task runs, and once more after it ends.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import type { LogLine } from './types.js';

interface LogsAnswer {
  readonly lines: readonly LogLine[];
  readonly cursor: number;
  readonly ended: boolean;
}

export function LogView({ taskId, attempts }: { taskId: string; attempts: number }) {
  const [lines, setLines] = useState<readonly LogLine[]>([]);
  const [error, setError] = useState<string>();
  const [following, setFollowing] = useState(true);
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    let stopped = false;
    let cursor: number | undefined;
    let endedPolls = 0;
    const seen = new Set<string>();
    setLines([]);
    setFollowing(true);
    const poll = async (): Promise<void> => {
      try {
        const answer = await api<LogsAnswer>(`/tasks/${encodeURIComponent(taskId)}/logs`, { query: { since: cursor?.toString() } });
        cursor = answer.cursor;
        const fresh = answer.lines.filter((l) => !seen.has(l.id));
        fresh.forEach((l) => seen.add(l.id));
        if (fresh.length && !stopped) setLines((old) => [...old, ...fresh]);
        setError(undefined);
        if (answer.ended) endedPolls += 1;
      } catch (e) {
        setError((e as Error).message);
      }
      if (stopped) return;
      if (endedPolls >= 2) return setFollowing(false);
      setTimeout(() => void poll(), 1500);
    };
    void poll();
    return () => {
      stopped = true;
    };
    // A retry (a new attempt) follows again.
  }, [taskId, attempts]);

  useEffect(() => {
    const el = pre.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <section class="logs" aria-labelledby="logs-title">
      <h3 id="logs-title">
        Logs <span class="muted">{following ? '(following)' : `(${lines.length} lines)`}</span>
      </h3>
      {error ? <p class="error" role="alert">{error}</p> : null}
      <pre ref={pre} tabIndex={0} aria-label="Log lines">
        {lines.length ? lines.map((l) => `${new Date(l.timestamp).toLocaleTimeString()}  ${l.message}`).join('\n') : 'No log lines yet.'}
      </pre>
    </section>
  );
}
