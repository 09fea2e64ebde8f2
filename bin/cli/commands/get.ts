import type { CommandContext } from '../context.js';
import { formatTask } from '../format.js';
import { validateTaskId } from '../../../functions/core/task-id.js';

/** `stask get ID` */
export async function get(ctx: CommandContext, taskId: string): Promise<void> {
  validateTaskId(taskId);
  const { client } = await ctx.services();
  const task = await client.get(taskId);
  if (ctx.options.json) return ctx.printJson(task);
  ctx.print(formatTask(task));
}
