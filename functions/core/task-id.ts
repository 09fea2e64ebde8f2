import { ulid } from 'ulid';
import { InvalidTaskIdError } from './errors.js';

/** Function Compute's task ID rule, kept as is so IDs move between the two platforms. */
export const TASK_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
export const TASK_ID_MAX_LENGTH = 128;

/** Returns the ID unchanged when valid; otherwise throws an error that says what is wrong with it. */
export function validateTaskId(id: unknown): string {
  if (typeof id !== 'string') throw new InvalidTaskIdError(`task ID must be a string, got ${typeof id}`);
  if (id.length === 0) throw new InvalidTaskIdError('task ID is empty');
  if (id.length > TASK_ID_MAX_LENGTH) {
    throw new InvalidTaskIdError(`task ID is ${id.length} characters; at most ${TASK_ID_MAX_LENGTH} are allowed`);
  }
  if (!/^[A-Za-z_]/.test(id)) {
    throw new InvalidTaskIdError(`task ID '${printable(id)}' must start with a letter or '_'`);
  }
  const bad = [...id].findIndex((ch) => !/[A-Za-z0-9_-]/.test(ch));
  if (bad >= 0) {
    const ch = [...id][bad] ?? '';
    throw new InvalidTaskIdError(
      `task ID '${printable(id)}' has a character that is not allowed (${printable(JSON.stringify(ch))} at position ${bad + 1}); allowed: A-Z a-z 0-9 _ -`,
    );
  }
  if (!TASK_ID_PATTERN.test(id)) throw new InvalidTaskIdError(`task ID '${printable(id)}' does not match ${TASK_ID_PATTERN}`);
  return id;
}

/** A generated ID: `t_` + ULID, so it sorts by creation time and satisfies the first-character rule. */
export function generateTaskId(now: number = Date.now()): string {
  return `t_${ulid(now)}`;
}

/** The ID as it can be printed: control characters (newlines, escapes for the terminal) shown escaped. */
function printable(id: string): string {
  const shown = id.length > 40 ? `${id.slice(0, 40)}…` : id;
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return shown.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
