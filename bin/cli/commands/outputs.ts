import type { CommandContext } from '../context.js';
import { formatKeyValues } from '../format.js';
import { resolveTarget } from '../target.js';

/** `stask outputs`: the target's stack outputs (OutputKey → OutputValue). */
export async function outputs(ctx: CommandContext): Promise<void> {
  const target = await resolveTarget(ctx.options);
  if (ctx.options.json) return ctx.printJson(target.outputs);
  ctx.print(formatKeyValues(target.outputs));
}
