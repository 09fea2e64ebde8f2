// The console's JSON endpoints: the CLI's own helpers over the target's TaskClient (the same code as
// `stask ls`, `get`, `logs`, `stop`, `retry`, `redrive --dlq` and `streams`), one function per route.
import { TASK_ERRORS } from '../../../functions/core/error-table.js';
import { InvalidTransitionError, TaskError } from '../../../functions/core/errors.js';
import { STACK_OUTPUTS } from '../../../functions/core/facts.js';
import { TASK_STATUSES, isTerminal } from '../../../functions/core/task-record.js';
import { validateTaskId } from '../../../functions/core/task-id.js';
import { EXIT, UsageError, errorMessage, exitCodeOf } from '../errors.js';
import { listPage, listQueryOf, type LsOptions } from '../commands/ls.js';
import { eventKey, logsStartOf, taskLogEvents } from '../commands/logs.js';
import { redriveDlq } from '../commands/redrive.js';
import { retryConflict } from '../commands/retry.js';
import { stopConflict } from '../commands/stop.js';
import { streamRows } from '../commands/streams.js';
import { streamsTarget } from '../streams-target.js';
import type { Services, TargetOptions } from '../target.js';
import { awsLinksOf } from './aws-links.js';
import { peekDlq } from './dlq-peek.js';

export interface ApiContext {
  readonly services: Services;
  readonly target: TargetOptions;
  /** The AWS region of a --stack target (for links to the AWS console); undefined on the embedded platform. */
  readonly awsRegion?: string;
  readonly now: () => Date;
}

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
}

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

type Handler = (ctx: ApiContext, params: string[], query: URLSearchParams) => Promise<unknown>;

const LIST_FILTERS = ['status', 'function', 'prefix', 'since', 'until', 'limit', 'nextToken'] as const;

const info: Handler = async (ctx) => ({
  target: ctx.services.target.description,
  functions: Object.keys(ctx.services.tasks).sort(),
  statuses: TASK_STATUSES,
  aws: ctx.awsRegion !== undefined ? { region: ctx.awsRegion } : null,
});

const list: Handler = async (ctx, _params, query) => {
  const options: Record<string, string> = {};
  for (const name of LIST_FILTERS) {
    const value = query.get(name);
    if (value !== null && value.trim() !== '') options[name] = value.trim();
  }
  const page = await listPage(ctx.services.client, listQueryOf(options as LsOptions, ctx.now()));
  return { tasks: page.tasks, nextToken: page.nextToken ?? null };
};

const get: Handler = async (ctx, [id = '']) => {
  const task = await ctx.services.client.get(validateTaskId(id));
  const links = ctx.awsRegion !== undefined ? awsLinksOf(task, ctx.services.tasks, ctx.awsRegion) : undefined;
  return { task, ...(links ? { links } : {}) };
};

/** Log lines from `since` (ms; a cursor of an earlier answer) on; the page keeps lines it has by `id`. */
const logs: Handler = async (ctx, [id = ''], query) => {
  const sinceText = query.get('since') ?? '';
  if (sinceText !== '' && !/^\d{1,15}$/.test(sinceText)) throw new UsageError(`since '${sinceText}' is not a cursor of this API (milliseconds)`);
  const task = await ctx.services.client.get(validateTaskId(id));
  const since = sinceText === '' ? logsStartOf(task) : Number(sinceText);
  const events = await taskLogEvents(ctx.services, task, since);
  const lines = events.map((e) => ({ id: eventKey(e), timestamp: e.timestamp ?? 0, message: (e.message ?? '').replace(/\r?\n$/, '') }));
  // The next call starts at the newest line's time (inclusive: lines of the same millisecond are kept by id).
  const cursor = lines.reduce((max, l) => Math.max(max, l.timestamp), since);
  return { lines, cursor, ended: isTerminal(task.status) };
};

const stop: Handler = async (ctx, [id = '']) => {
  const task = await ctx.services.client.stop(validateTaskId(id)).catch((error: unknown) => {
    throw error instanceof InvalidTransitionError ? stopConflict(id, error) : error;
  });
  return { task };
};

const retry: Handler = async (ctx, [id = '']) => {
  const task = await ctx.services.client.retry(validateTaskId(id)).catch((error: unknown) => {
    throw error instanceof InvalidTransitionError ? retryConflict(id, error) : error;
  });
  return { task };
};

const dlq: Handler = async (ctx) => peekDlq(ctx.services.sqs(), ctx.services.output(STACK_OUTPUTS.failureQueueUrl));

const redrive: Handler = async (ctx, _params, query) => {
  const fn = query.get('function');
  return redriveDlq(ctx.services, ctx.target, { ...(fn ? { function: fn } : {}), startedAt: ctx.now().getTime() });
};

/** The Kafka mappings with their lag; a target without a stream lane answers why there is none. */
const streams: Handler = async (ctx) => {
  let target;
  try {
    target = await streamsTarget(ctx.target);
  } catch (error) {
    return { streams: [], unavailable: errorMessage(error) };
  }
  return { streams: await streamRows(target, ctx.services.registry) };
};

const ROUTES: readonly { method: string; pattern: RegExp; handler: Handler; status?: number }[] = [
  { method: 'GET', pattern: /^\/api\/info$/, handler: info },
  { method: 'GET', pattern: /^\/api\/tasks$/, handler: list },
  { method: 'GET', pattern: /^\/api\/tasks\/([^/]+)$/, handler: get },
  { method: 'GET', pattern: /^\/api\/tasks\/([^/]+)\/logs$/, handler: logs },
  { method: 'POST', pattern: /^\/api\/tasks\/([^/]+)\/stop$/, handler: stop },
  { method: 'POST', pattern: /^\/api\/tasks\/([^/]+)\/retry$/, handler: retry },
  { method: 'GET', pattern: /^\/api\/dlq$/, handler: dlq },
  { method: 'POST', pattern: /^\/api\/dlq\/redrive$/, handler: redrive },
  { method: 'GET', pattern: /^\/api\/streams$/, handler: streams },
];

/**
 * The HTTP status of an error: a task error's is the task API's (functions/core/error-table.ts); the CLI's own
 * errors go by their exit code: 400 bad input, 409 conflict, 404 not found, 502 the target failed.
 */
export function statusOf(error: unknown): number {
  if (error instanceof TaskError) return TASK_ERRORS[error.code].httpStatus;
  const code = exitCodeOf(error);
  if (code === EXIT.usage) return 400;
  if (code === EXIT.conflict) return 409;
  if (code === EXIT.notFound) return 404;
  return 502;
}

/** Routes one API request; every error becomes an answer `{ error: { message, exitCode } }`. */
export async function handleApi(ctx: ApiContext, req: ApiRequest): Promise<ApiAnswer> {
  const matching = ROUTES.filter((r) => r.pattern.test(req.path));
  if (matching.length === 0) return { status: 404, body: { error: { message: `no such API: ${req.path}` } } };
  const route = matching.find((r) => r.method === req.method);
  if (!route) return { status: 405, body: { error: { message: `${req.method} is not allowed on ${req.path}` } } };
  let params: string[];
  try {
    params = (route.pattern.exec(req.path) ?? []).slice(1).map((p) => decodeURIComponent(p));
  } catch {
    return { status: 400, body: { error: { message: 'the path is not valid percent-encoding' } } };
  }
  try {
    return { status: route.status ?? 200, body: await route.handler(ctx, params, req.query) };
  } catch (error) {
    return { status: statusOf(error), body: { error: { message: errorMessage(error), exitCode: exitCodeOf(error) } } };
  }
}
