// The task list: filters, newest first, a page at a time, refreshed every two seconds.
import { api } from './api.js';
import { FILTER_NAMES, Filters, type FilterValues } from './Filters.js';
import { ProgressBar } from './ProgressBar.js';
import { Link, navigate } from './router.js';
import { StatusBadge, Time } from './StatusBadge.js';
import type { Info, Task } from './types.js';
import { usePoll } from './use-poll.js';

interface Page {
  readonly tasks: readonly Task[];
  readonly nextToken: string | null;
}

function valuesOf(query: URLSearchParams): FilterValues {
  const get = (name: string): string => query.get(name) ?? '';
  return { status: get('status'), function: get('function'), prefix: get('prefix'), since: get('since'), until: get('until') };
}

function hrefOf(values: Partial<FilterValues> & { nextToken?: string }): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `/?${qs}` : '/';
}

export function TaskList({ info, query }: { info: Info; query: URLSearchParams }) {
  const values = valuesOf(query);
  const nextToken = query.get('nextToken') ?? undefined;
  const key = hrefOf({ ...values, ...(nextToken ? { nextToken } : {}) });
  const polled = usePoll(() => api<Page>('/tasks', { query: { ...values, nextToken } }), [key], 2000);
  const filtered = FILTER_NAMES.some((n) => values[n] !== '');

  return (
    <main>
      <h1>Tasks</h1>
      <Filters key={key} values={values} statuses={info.statuses} functions={info.functions} onApply={(v) => navigate(hrefOf(v))} />
      {polled.error ? <p class="error" role="alert">{polled.error}</p> : null}
      {!polled.data ? (
        <p>Loading…</p>
      ) : polled.data.tasks.length === 0 ? (
        <p class="empty">{filtered ? 'No task matches these filters.' : 'No task in the last day.'}</p>
      ) : (
        <table class="tasks">
          <caption class="muted">{filtered ? 'Tasks matching the filters, newest first' : 'The most recent tasks of every function (last day)'}</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Function</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Attempts</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {polled.data.tasks.map((t) => (
              <tr key={t.taskId} data-task-id={t.taskId}>
                <td data-label="Task">
                  <Link href={`/tasks/${encodeURIComponent(t.taskId)}`} class="mono">
                    {t.taskId}
                  </Link>
                </td>
                <td data-label="Function">{t.function}</td>
                <td data-label="Status">
                  <StatusBadge status={t.status} />
                </td>
                <td data-label="Progress">{t.progress ? <ProgressBar progress={t.progress} label={`Progress of ${t.taskId}`} /> : '—'}</td>
                <td data-label="Attempts">
                  {t.attempts}/{t.maxAttempts}
                </td>
                <td data-label="Created">
                  <Time at={t.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Pages">
        {nextToken ? <Link href={hrefOf(values)}>First page</Link> : null}
        {polled.data?.nextToken ? <Link href={hrefOf({ ...values, nextToken: polled.data.nextToken })}>Next page →</Link> : null}
      </nav>
    </main>
  );
}
