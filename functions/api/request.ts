// What the task API reads from a payload-format-2.0 request: the JSON body, the task ID of a submission and the
// listing's query. Every bad value is an ApiError or a TaskError (4xx), never an exception of its own.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InvalidListQueryError } from '../core/errors.js';
import { parsePayloadJson } from '../core/payload.js';
import type { ListQuery } from '../core/registry.js';
import { validateTaskId } from '../core/task-id.js';
import { TASK_STATUSES, type TaskStatus } from '../core/task-record.js';
import { ApiError } from './api-errors.js';

/** The header that carries the task ID of a submission (or the `id` query parameter). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** The body as text (API Gateway base64-encodes bodies it takes for binary). */
export function bodyText(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): string {
  if (event.body === undefined || event.body === null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** The JSON body of a submission: `{}` when there is none; a body needs Content-Type application/json. */
export function jsonBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'>): unknown {
  const text = bodyText(event);
  if (text.trim() === '') return {};
  const type = (header(event.headers, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) {
    throw new ApiError('UnsupportedMediaType', `the payload must be sent as Content-Type: application/json${type ? `, not ${type.slice(0, 100)}` : ''}`);
  }
  return parsePayloadJson(text);
}

/** A header by its lower-case name (API Gateway lower-cases them; a direct invocation may not). */
export function header(headers: Readonly<Record<string, string | undefined>> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** The task ID of a submission: the Idempotency-Key header or the `id` query parameter (one of them, or both equal). */
export function submittedTaskId(event: Pick<APIGatewayProxyEventV2, 'headers' | 'queryStringParameters'>): string | undefined {
  onlyParameters(event.queryStringParameters, ['id']);
  const fromHeader = header(event.headers, IDEMPOTENCY_KEY_HEADER);
  const fromQuery = event.queryStringParameters?.id;
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
    throw new ApiError('BadRequest', `the Idempotency-Key header ('${fromHeader.slice(0, 128)}') and the id query parameter ('${fromQuery.slice(0, 128)}') differ: give one`);
  }
  const id = fromHeader ?? fromQuery;
  return id === undefined ? undefined : validateTaskId(id);
}

const LIST_PARAMETERS = ['status', 'function', 'prefix', 'since', 'until', 'limit', 'nextToken'] as const;
const ISO_START = /^\d{4}-\d{2}-\d{2}/;

/** `GET /tasks?status=&function=&prefix=&since=&until=&limit=&nextToken=` → the registry's query. */
export function listQueryOf(params: Readonly<Record<string, string | undefined>> | undefined): ListQuery {
  onlyParameters(params, LIST_PARAMETERS);
  const p = params ?? {};
  const all = p.status === undefined && p.function === undefined && p.prefix === undefined;
  const since = p.since === undefined ? undefined : isoTime(p.since, 'since');
  const until = p.until === undefined ? undefined : isoTime(p.until, 'until');
  // A bare listing's window (at most MAX_RECENT_DAYS day buckets) is the registry's own check: InvalidListQuery, 400.
  if (p.function === '') throw new InvalidListQueryError('function must not be empty');
  return {
    ...(all ? { all: true } : {}),
    ...(p.status !== undefined ? { status: statusOf(p.status) } : {}),
    ...(p.function !== undefined ? { function: p.function } : {}),
    ...(p.prefix !== undefined ? { prefix: p.prefix } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(p.limit !== undefined ? { limit: limitOf(p.limit) } : {}),
    ...(p.nextToken !== undefined ? { nextToken: p.nextToken } : {}),
  };
}

/** Refuses query parameters a route does not take (a typo would otherwise be a silently ignored filter). */
export function onlyParameters(params: Readonly<Record<string, string | undefined>> | undefined | null, allowed: readonly string[]): void {
  const unknown = Object.keys(params ?? {}).filter((name) => !allowed.includes(name));
  if (unknown.length) {
    throw new ApiError('BadRequest', `unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n.slice(0, 64)}'`).join(', ')}; this route takes ${allowed.length ? allowed.join(', ') : 'none'}`);
  }
}

function statusOf(value: string): TaskStatus {
  const found = TASK_STATUSES.find((status) => status === value.trim().toUpperCase());
  if (!found) throw new InvalidListQueryError(`status '${value.slice(0, 64)}' is not a task status; one of ${TASK_STATUSES.join(', ')}`);
  return found;
}

function limitOf(value: string): number {
  const n = Number(value);
  if (!/^\d{1,4}$/.test(value) || n < 1 || n > 1000) throw new InvalidListQueryError(`limit '${value.slice(0, 64)}' must be an integer from 1 to 1000`);
  return n;
}

function isoTime(value: string, name: string): string {
  const parsed = new Date(value);
  if (!ISO_START.test(value) || Number.isNaN(parsed.getTime())) {
    throw new InvalidListQueryError(`${name} '${value.slice(0, 64)}' is not an ISO-8601 time (e.g. 2026-11-26T10:00:00Z)`);
  }
  return parsed.toISOString();
}
