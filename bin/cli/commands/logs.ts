import {
  FilterLogEventsCommand,
  ResourceNotFoundException,
  type CloudWatchLogsClient,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { validateTaskId } from '../../../functions/core/task-id.js';
import { isTerminal, type TaskRecord } from '../../../functions/core/task-record.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import type { Services } from '../target.js';

export interface LogsOptions {
  readonly follow?: boolean;
}

/** How far before the task's creation to look, for clock skew between this machine and the function's. */
const CLOCK_SKEW_MS = 5 * 60_000;
const FOLLOW_INTERVAL_MS = 1000;

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
  return merged.sort(
    (a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0) || (a.ingestionTime ?? 0) - (b.ingestionTime ?? 0),
  );
}

/** The events of one log group that mention one request ID, from `startTime` on (all pages). */
async function filterEvents(logs: CloudWatchLogsClient, logGroupName: string, requestId: string, startTime: number): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const out = await logs.send(
        new FilterLogEventsCommand({ logGroupName, filterPattern: `"${requestId}"`, startTime, ...(nextToken ? { nextToken } : {}) }),
      );
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

/** The log group of the task's function; a CliError when the target names none. */
export function logGroupOf(services: Services, task: TaskRecord): string {
  const logGroupName = services.tasks[task.function]?.logGroupName;
  if (!logGroupName) throw new CliError(`${services.target.description} names no log group for task function '${task.function}' (TaskFunctions output)`);
  return logGroupName;
}

/** Where reading a task's logs starts: a little before its creation, for clock skew between machines. */
export function logsStartOf(task: TaskRecord): number {
  return Date.parse(task.createdAt) - CLOCK_SKEW_MS;
}

/**
 * The log lines of the task's attempts from `startTime` (ms) on, in time order, each once, except those in
 * `seen` (which gets the new ones). Lambda stamps every line with its request ID; a long task's container
 * stamps every line with the task ID (its log streams are named after the ECS task, which the registry does not know).
 */
export async function taskLogEvents(services: Services, task: TaskRecord, startTime: number, seen: Set<string> = new Set()): Promise<FilteredLogEvent[]> {
  const logGroupName = logGroupOf(services, task);
  const longLane = services.tasks[task.function]?.kind === 'stepfunctions';
  const refs = longLane ? (attemptRefsOf(task).length ? [task.taskId] : []) : attemptRefsOf(task);
  const batches = await Promise.all(refs.map((ref) => filterEvents(services.logs(), logGroupName, ref, startTime)));
  return mergeLogEvents(batches, seen);
}

/** `stask logs ID [--follow]`: the log lines of the task's attempts, in time order. */
export async function logs(ctx: CommandContext, taskId: string, options: LogsOptions): Promise<void> {
  validateTaskId(taskId);
  const services = await ctx.services();
  let task = await services.client.get(taskId);
  logGroupOf(services, task);

  const seen = new Set<string>();
  let startTime = logsStartOf(task);
  const printNew = async (): Promise<void> => {
    for (const event of await taskLogEvents(services, task, startTime, seen)) {
      if (event.timestamp !== undefined) startTime = Math.max(startTime, event.timestamp);
      const message = (event.message ?? '').replace(/\r?\n$/, '');
      if (ctx.options.json) ctx.print(`${JSON.stringify({ timestamp: new Date(event.timestamp ?? 0).toISOString(), message })}\n`);
      else ctx.print(`${message}\n`);
    }
  };

  await printNew();
  if (!options.follow) {
    if (attemptRefsOf(task).length === 0) ctx.io.stderr.write(`stask: task ${taskId} is ${task.status} and has not started an attempt yet\n`);
    return;
  }
  // The status is read before the logs, so the lines of an attempt that just ended are printed; one more
  // poll after the end picks up lines that reached the log service late.
  while (!isTerminal(task.status)) {
    await ctx.io.sleep(FOLLOW_INTERVAL_MS);
    task = await services.client.get(taskId);
    await printNew();
  }
  await ctx.io.sleep(FOLLOW_INTERVAL_MS);
  await printNew();
}
