// Page tokens of the task listing: an index's LastEvaluatedKey, opaque to callers and checked when it comes back.
import { InvalidListQueryError } from './errors.js';
import { TASK_TABLE_INDEXES } from './registry-schema.js';

/** The attributes of each index's LastEvaluatedKey (the table's key and the index's keys). */
export const TOKEN_KEYS_OF_INDEX = {
  [TASK_TABLE_INDEXES.byStatus]: ['createdAt', 'status', 'taskId'],
  [TASK_TABLE_INDEXES.byFunction]: ['createdAt', 'function', 'taskId'],
  [TASK_TABLE_INDEXES.byIdPrefix]: ['idHead', 'taskId'],
  [TASK_TABLE_INDEXES.byCreatedDay]: ['createdAt', 'createdDay', 'taskId'],
} as const;

/** The key attributes of the table and its indexes: a token holds nothing else. */
const TOKEN_KEYS = new Set<string>(Object.values(TOKEN_KEYS_OF_INDEX).flat());

/** What the CLI and the API say when a token of one listing comes back with another. */
export const OTHER_LISTING_TOKEN = 'nextToken belongs to another listing: pass it with the same filters as the listing that returned it';

/**
 * A decoded token, checked against the index it is for: a token of another listing (another index) is an
 * InvalidListQueryError, not the service's ValidationException. `alsoAllowed` names other key sets the
 * listing itself writes (the day listing's "start of a day bucket").
 */
export function checkedToken(
  key: Record<string, unknown> | undefined,
  index: keyof typeof TOKEN_KEYS_OF_INDEX,
  alsoAllowed: readonly (readonly string[])[] = [],
): Record<string, unknown> | undefined {
  if (key === undefined) return undefined;
  const names = Object.keys(key).sort().join(',');
  if ([TOKEN_KEYS_OF_INDEX[index], ...alsoAllowed].some((set) => [...set].sort().join(',') === names)) return key;
  throw new InvalidListQueryError(OTHER_LISTING_TOKEN);
}

export function encodeToken(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeToken(token: string | undefined): Record<string, unknown> | undefined {
  if (token === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidListQueryError('nextToken is not a token returned by a previous list call');
  }
  if (
    !parsed ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    !Object.entries(parsed).every(([k, v]) => TOKEN_KEYS.has(k) && typeof v === 'string')
  ) {
    throw new InvalidListQueryError('nextToken is not a token returned by a previous list call');
  }
  return parsed as Record<string, unknown>;
}
