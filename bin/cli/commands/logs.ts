import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { CLOCK_SKEW_MS, logRefsOf, readTaskLogs } from '../../../functions/core/task-logs.js';
import { validateTaskId } from '../../../functions/core/task-id.js';
import { isTerminal, type TaskRecord } from '../../../functions/core/task-record.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import type { Services } from '../target.js';

export { attemptRefsOf, eventKey, mergeLogEvents } from '../../../functions/core/task-logs.js';

export interface LogsOptions {
  readonly follow?: boolean;
}

const FOLLOW_INTERVAL_MS = 1000;

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

/** The log lines of the task's attempts from `startTime` (ms) on, in time order, each once, except those in `seen`. */
export function taskLogEvents(services: Services, task: TaskRecord, startTime: number, seen: Set<string> = new Set()): Promise<FilteredLogEvent[]> {
  const longLane = services.tasks[task.function]?.kind === 'stepfunctions';
  return readTaskLogs(services.logs(), logGroupOf(services, task), task, { longLane, startTime, seen });
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
    if (logRefsOf(task, false).length === 0) ctx.io.stderr.write(`stask: task ${taskId} is ${task.status} and has not started an attempt yet\n`);
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
