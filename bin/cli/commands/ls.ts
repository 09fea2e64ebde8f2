import type { ListQuery } from '../../../functions/core/registry.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTaskList } from '../format.js';
import { parseLimit, parseStatusOption, parseTime } from '../parse.js';

export interface LsOptions {
  readonly status?: string;
  readonly function?: string;
  readonly prefix?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: string;
  readonly nextToken?: string;
}

/** The registry query of `ls`; throws UsageError (exit 2) for bad options. */
export function listQueryOf(options: LsOptions, now: Date): ListQuery {
  if (options.status === undefined && options.function === undefined && options.prefix === undefined) {
    throw new UsageError('ls needs --status, --function or --prefix (listing queries an index; it never scans the table)');
  }
  return {
    ...(options.status !== undefined ? { status: parseStatusOption(options.status) } : {}),
    ...(options.function !== undefined ? { function: options.function } : {}),
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    ...(options.since !== undefined ? { since: parseTime(options.since, now, '--since') } : {}),
    ...(options.until !== undefined ? { until: parseTime(options.until, now, '--until') } : {}),
    ...(options.limit !== undefined ? { limit: parseLimit(options.limit) } : {}),
    ...(options.nextToken !== undefined ? { nextToken: options.nextToken } : {}),
  };
}

/** `stask ls [--status S] [--function F] [--prefix P] [--since T] [--until T] [--limit N] [--next-token T]` */
export async function ls(ctx: CommandContext, options: LsOptions): Promise<void> {
  const query = listQueryOf(options, ctx.io.now());
  const { client } = await ctx.services();
  const page = await client.list(query).catch((error: unknown) => {
    // A token of another listing (another status, function or prefix) names a key of another index.
    if (query.nextToken !== undefined && (error as Error).name === 'ValidationException' && /starting key|ExclusiveStartKey/i.test((error as Error).message)) {
      throw new UsageError('--next-token belongs to another listing: pass it with the same --status, --function and --prefix as the ls that printed it');
    }
    throw error;
  });
  if (ctx.options.json) return ctx.printJson({ tasks: page.tasks, nextToken: page.nextToken ?? null });
  ctx.print(formatTaskList(page));
}
