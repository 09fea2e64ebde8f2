import type { ListPage, ListQuery } from '../../../functions/core/registry.js';
import type { TaskClient } from '../../../functions/core/task-client.js';
import type { CommandContext } from '../context.js';
import { InvalidListQueryError } from '../../../functions/core/errors.js';
import { OTHER_LISTING_TOKEN } from '../../../functions/core/registry-page-token.js';
import { MAX_RECENT_DAYS, RECENT_WINDOW_MS } from '../../../functions/core/registry-recent.js';
import { CliError, UsageError } from '../errors.js';
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
  // No filter: the most recent tasks of every function and status (a query per day bucket; the last day by default).
  const all = options.status === undefined && options.function === undefined && options.prefix === undefined;
  const since = options.since !== undefined ? parseTime(options.since, now, '--since') : undefined;
  const until = options.until !== undefined ? parseTime(options.until, now, '--until') : undefined;
  if (all && since !== undefined && Date.parse(until ?? now.toISOString()) - Date.parse(since) > MAX_RECENT_DAYS * RECENT_WINDOW_MS) {
    throw new UsageError(`ls without --status, --function or --prefix spans at most ${MAX_RECENT_DAYS} days (one query per day): narrow --since, or filter`);
  }
  return {
    ...(all ? { all: true } : {}),
    ...(options.status !== undefined ? { status: parseStatusOption(options.status) } : {}),
    ...(options.function !== undefined ? { function: options.function } : {}),
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(options.limit !== undefined ? { limit: parseLimit(options.limit) } : {}),
    ...(options.nextToken !== undefined ? { nextToken: options.nextToken } : {}),
  };
}

const OTHER_LISTING = '--next-token belongs to another listing: pass it with the same --status, --function and --prefix as the ls that printed it';

/** One page of tasks for a `listQueryOf` query, the registry's refusals worded for the user (`ls` and the console). */
export async function listPage(client: TaskClient, query: ListQuery): Promise<ListPage> {
  return client.list(query).catch((error: unknown) => {
    // A token of another listing (another status, function or prefix) names a key of another index.
    if (query.nextToken !== undefined && (error as Error).name === 'ValidationException' && /starting key|ExclusiveStartKey/i.test((error as Error).message)) {
      throw new UsageError(OTHER_LISTING);
    }
    if (error instanceof InvalidListQueryError && error.message === OTHER_LISTING_TOKEN) throw new UsageError(OTHER_LISTING);
    // A data directory whose table was created before the index of the listing across functions (dynalite
    // cannot add an index to a table): the other listings work; a new data directory has every index.
    if (query.all && (error as Error).name === 'ValidationException' && /specified index/i.test((error as Error).message)) {
      throw new CliError(
        'this task table has no index of the listing across functions (it predates it): list with --status, --function or --prefix, or start `stask dev` on a new --data-dir',
      );
    }
    throw error;
  });
}

/** `stask ls [--status S] [--function F] [--prefix P] [--since T] [--until T] [--limit N] [--next-token T]` */
export async function ls(ctx: CommandContext, options: LsOptions): Promise<void> {
  const query = listQueryOf(options, ctx.io.now());
  const { client } = await ctx.services();
  const page = await listPage(client, query);
  if (ctx.options.json) return ctx.printJson({ tasks: page.tasks, nextToken: page.nextToken ?? null });
  ctx.print(formatTaskList(page));
}
