import { InvalidTransitionError } from '../../../functions/core/errors.js';
import { validateTaskId } from '../../../functions/core/task-id.js';
import type { CommandContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { formatTask } from '../format.js';

/** A conflict message for a retry the task's status does not allow. */
export function retryConflict(taskId: string, error: InvalidTransitionError): CliError {
  return new CliError(
    `task '${taskId}' is ${error.from ?? 'in an unknown state'} and cannot be retried (only FAILED, STOPPED and EXPIRED tasks can)`,
    EXIT.conflict,
  );
}

/** `stask retry ID`: a new attempt of a FAILED, STOPPED or EXPIRED task with the same ID and payload; otherwise exit 3. */
export async function retry(ctx: CommandContext, taskId: string): Promise<void> {
  validateTaskId(taskId);
  const { client } = await ctx.services();
  const task = await client.retry(taskId).catch((error: unknown) => {
    throw error instanceof InvalidTransitionError ? retryConflict(taskId, error) : error;
  });
  if (ctx.options.json) return ctx.printJson(task);
  ctx.print(`Retrying task ${taskId}.\n\n${formatTask(task)}`);
}
