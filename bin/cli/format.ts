// Human-readable output: tables, the task view, progress bars. Machine output is JSON (--json), not this.
import type { ListPage } from '../../functions/core/registry.js';
import type { TaskProgress, TaskRecord } from '../../functions/core/task-record.js';

/**
 * A plain-text table: a header row, then one row per item; columns separated by two spaces and
 * padded to their widest cell (the last column is not padded, so lines carry no trailing spaces).
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    headers
      .map((_, i) => (i === headers.length - 1 ? (cells[i] ?? '') : (cells[i] ?? '').padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** ISO time without milliseconds (`2026-11-26T21:54:01Z`); `-` when absent. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '-';
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)} h ${String(totalMinutes % 60).padStart(2, '0')} min`;
}

/** `42%` or `-` when the task never reported progress. */
export function formatPercent(progress: TaskProgress | undefined): string {
  return progress ? `${Math.round(progress.percent)}%` : '-';
}

/** `[############------------------]  40%` — percent clamped to 0..100. */
export function progressBar(percent: number, width = 30): string {
  const p = Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 0));
  const filled = Math.round((p / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(p)).padStart(3)}%`;
}

/** One progress line for `invoke --wait`: bar, status and the task's progress message. */
export function progressLine(task: Pick<TaskRecord, 'status' | 'progress'>): string {
  const percent = task.status === 'SUCCEEDED' ? 100 : (task.progress?.percent ?? 0);
  const message = task.progress?.message ? ` ${task.progress.message}` : '';
  return `${progressBar(percent)} ${task.status}${message}`;
}

/** Compact JSON, cut to `max` characters with an ellipsis. */
export function preview(value: unknown, max = 160): string {
  const json = JSON.stringify(value) ?? 'undefined';
  return json.length > max ? `${json.slice(0, max - 1)}…` : json;
}

/** The task view of `get`, `invoke`, `stop`, `retry`: fields, then the events table. */
export function formatTask(task: TaskRecord): string {
  const fields: [string, string][] = [
    ['Task', task.taskId],
    ['Function', task.function],
    ['Status', task.status],
    ['Attempts', `${task.attempts} of ${task.maxAttempts}`],
    ['Progress', task.progress ? `${formatPercent(task.progress)}${task.progress.message ? ` ${task.progress.message}` : ''}` : '-'],
    ['Created', formatTime(task.createdAt)],
    ['Started', formatTime(task.startedAt)],
    ['Ended', formatTime(task.endedAt)],
  ];
  if (task.startedAt && task.endedAt) {
    fields.push(['Duration', formatDuration(Date.parse(task.endedAt) - Date.parse(task.startedAt))]);
  }
  if (task.error) fields.push(['Error', `${task.error.type}: ${task.error.message}`]);
  fields.push([
    'Payload',
    task.payloadRef
      ? `s3://${task.payloadRef.bucket}/${task.payloadRef.key} (${task.payloadRef.sizeBytes} bytes)`
      : `${preview(task.payload)} (${task.payloadSizeBytes} bytes)`,
  ]);
  if (task.resultRef) fields.push(['Result', `s3://${task.resultRef.bucket}/${task.resultRef.key} (${task.resultRef.sizeBytes} bytes)`]);
  else if (task.result !== undefined) fields.push(['Result', preview(task.result)]);
  if (task.executionRef) fields.push(['Execution', task.executionRef]);

  const width = Math.max(...fields.map(([name]) => name.length));
  const head = fields.map(([name, value]) => `${`${name}:`.padEnd(width + 2)}${value}`).join('\n');
  const events = renderTable(
    ['STATUS', 'AT', 'DETAIL'],
    (task.events ?? []).map((event) => [event.status, formatTime(event.at), event.detail ?? '']),
  );
  return `${head}\n\nEvents:\n${indent(events)}`;
}

/** The table of `ls`, and how to get the next page. */
export function formatTaskList(page: ListPage): string {
  if (page.tasks.length === 0 && !page.nextToken) return 'No tasks.\n';
  const table = renderTable(
    ['TASK ID', 'FUNCTION', 'STATUS', 'ATTEMPTS', 'PROGRESS', 'CREATED', 'ENDED'],
    page.tasks.map((task) => [
      task.taskId,
      task.function,
      task.status,
      `${task.attempts}/${task.maxAttempts}`,
      formatPercent(task.progress),
      formatTime(task.createdAt),
      formatTime(task.endedAt),
    ]),
  );
  return page.nextToken ? `${table}\nMore tasks: add --next-token ${page.nextToken}\n` : table;
}

/** A key/value table (outputs). */
export function formatKeyValues(values: Readonly<Record<string, string>>): string {
  return renderTable(
    ['KEY', 'VALUE'],
    Object.entries(values).map(([key, value]) => [key, value]),
  );
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}
