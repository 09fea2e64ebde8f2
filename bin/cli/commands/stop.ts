import { InvalidTransitionError } from '../../../functions/core/errors.js';
import { validateTaskId } from '../../../functions/core/task-id.js';
import type { CommandContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { formatTask } from '../format.js';

/** A conflict message for a stop the task's status does not allow. */
export function stopConflict(taskId: string, error: InvalidTransitionError): CliError {
  return new CliError(
    `task '${taskId}' is ${error.from ?? 'in an unknown state'} and cannot be stopped (only QUEUED, RETRYING and RUNNING tasks can)`,
    EXIT.conflict,
  );
}

/**
 * `stask stop ID`: a QUEUED or RETRYING task is STOPPED at once, a RUNNING one is asked to stop (STOPPING),
 * a STOPPING one is left as it is. A task that already ended cannot be stopped: exit 3 (conflict).
 */
export async function stop(ctx: CommandContext, taskId: string): Promise<void> {
  validateTaskId(taskId);
  const { client } = await ctx.services();
  const task = await client.stop(taskId).catch((error: unknown) => {
    throw error instanceof InvalidTransitionError ? stopConflict(taskId, error) : error;
  });
  if (ctx.options.json) return ctx.printJson(task);
  const head = task.status === 'STOPPING' ? `Stop requested: task ${taskId} stops at its next heartbeat.` : `Task ${taskId} is ${task.status}.`;
  ctx.print(`${head}\n\n${formatTask(task)}`);
}
