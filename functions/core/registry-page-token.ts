// Page tokens of the task listing: an index's LastEvaluatedKey, opaque to callers and checked when it comes back.
import { InvalidListQueryError } from './errors.js';

/** The key attributes of the table and its indexes: a token holds nothing else. */
const TOKEN_KEYS = new Set(['taskId', 'status', 'function', 'createdAt', 'idHead']);

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
