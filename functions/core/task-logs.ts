// The log lines of a task's attempts (CloudWatch Logs FilterLogEvents), shared by `stask logs` and the task API.
import { FilterLogEventsCommand, ResourceNotFoundException, type CloudWatchLogsClient, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import type { TaskRecord } from './task-record.js';

/** How far before the task's creation to look, for clock skew between this machine and the function's. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** The Lambda request IDs of the task's attempts: `attemptRefs`, or `executionRef` on records that predate it. */
export function attemptRefsOf(task: TaskRecord): string[] {
  const refs = (task as TaskRecord & { attemptRefs?: unknown }).attemptRefs;
  const list = Array.isArray(refs) ? refs.filter((ref): ref is string => typeof ref === 'string' && ref !== '') : [];
  if (list.length === 0 && task.executionRef) list.push(task.executionRef);
  return [...new Set(list)];
}

/** Identity of a log event, to print each once across overlapping polls and attempts. */
export function eventKey(event: FilteredLogEvent): string {
  return event.eventId ?? `${event.timestamp ?? ''}\u0000${event.logStreamName ?? ''}\u0000${event.message ?? ''}`;
}

/** Merges events of several attempts in timestamp order (then ingestion order), dropping those already `seen`. */
export function mergeLogEvents(batches: readonly (readonly FilteredLogEvent[])[], seen: Set<string> = new Set()): FilteredLogEvent[] {
  const merged: FilteredLogEvent[] = [];
  for (const event of batches.flat()) {
    const key = eventKey(event);
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(event);
  }
  return merged.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0) || (a.ingestionTime ?? 0) - (b.ingestionTime ?? 0));
}

/** The events of one log group that mention one request ID, from `startTime` on (all pages). */
export async function filterEvents(logs: CloudWatchLogsClient, logGroupName: string, requestId: string, startTime: number): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const out = await logs.send(new FilterLogEventsCommand({ logGroupName, filterPattern: `"${requestId}"`, startTime, ...(nextToken ? { nextToken } : {}) }));
      events.push(...(out.events ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
  } catch (error) {
    // No log group yet: the function has not logged anything.
    if (error instanceof ResourceNotFoundException) return events;
    throw error;
  }
  return events;
}

/**
 * The references a task's lines carry: Lambda stamps every line with its request ID; a long task's container
 * stamps every line with the task ID (its log streams are named after the ECS task, which the registry does not know).
 */
export function logRefsOf(task: TaskRecord, longLane: boolean): string[] {
  return longLane ? (attemptRefsOf(task).length ? [task.taskId] : []) : attemptRefsOf(task);
}

/** The task's lines in `logGroupName` from `startTime` on, in time order, each once (`seen` across calls). */
export async function readTaskLogs(
  logs: CloudWatchLogsClient,
  logGroupName: string,
  task: TaskRecord,
  options: { readonly longLane: boolean; readonly startTime?: number; readonly seen?: Set<string> },
): Promise<FilteredLogEvent[]> {
  const startTime = options.startTime ?? Date.parse(task.createdAt) - CLOCK_SKEW_MS;
  const batches = await Promise.all(logRefsOf(task, options.longLane).map((ref) => filterEvents(logs, logGroupName, ref, startTime)));
  return mergeLogEvents(batches, options.seen);
}
