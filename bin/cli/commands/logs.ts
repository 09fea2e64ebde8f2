import { CLOCK_SKEW_MS, logRefsOf, readTaskLogs } from '../../../functions/core/task-logs.js';
import { validateTaskId } from '../../../functions/core/task-id.js';
import { isTerminal } from '../../../functions/core/task-record.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';

export { attemptRefsOf, mergeLogEvents } from '../../../functions/core/task-logs.js';

export interface LogsOptions {
  readonly follow?: boolean;
}

const FOLLOW_INTERVAL_MS = 1000;

/** `stask logs ID [--follow]`: the log lines of the task's attempts, in time order. */
export async function logs(ctx: CommandContext, taskId: string, options: LogsOptions): Promise<void> {
  validateTaskId(taskId);
  const services = await ctx.services();
  let task = await services.client.get(taskId);
  const logGroupName = services.tasks[task.function]?.logGroupName;
  if (!logGroupName) throw new CliError(`${services.target.description} names no log group for task function '${task.function}' (TaskFunctions output)`);

  const client = services.logs();
  const seen = new Set<string>();
  let startTime = Date.parse(task.createdAt) - CLOCK_SKEW_MS;
  const longLane = services.tasks[task.function]?.kind === 'stepfunctions';
  const printNew = async (): Promise<void> => {
    for (const event of await readTaskLogs(client, logGroupName, task, { longLane, startTime, seen })) {
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
