import { describe, expect, it } from 'vitest';
import { InvalidTaskIdError } from '../../../functions/core/errors.js';
import { generateTaskId, TASK_ID_PATTERN, validateTaskId } from '../../../functions/core/task-id.js';

describe('task IDs', () => {
  it.each(['a', '_', 'my1-480P-mp4', 'Z_9-x', `a${'b'.repeat(127)}`])('accepts %s', (id) => {
    expect(validateTaskId(id)).toBe(id);
  });

  it.each([
    ['', 'task ID is empty'],
    [`a${'b'.repeat(128)}`, 'task ID is 129 characters; at most 128 are allowed'],
    ['1abc', "task ID '1abc' must start with a letter or '_'"],
    ['-abc', "task ID '-abc' must start with a letter or '_'"],
    ['a/b', 'has a character that is not allowed ("/" at position 2)'],
    ['a..b', 'has a character that is not allowed ("." at position 2)'],
    ['..', "must start with a letter or '_'"],
    ['my task', 'has a character that is not allowed (" " at position 3)'],
    ['tâche', 'has a character that is not allowed ("â" at position 2)'],
    ['job\n', 'has a character that is not allowed ("\\n" at position 4)'],
  ])('rejects %j with a clear message', (id, message) => {
    expect(() => validateTaskId(id)).toThrow(InvalidTaskIdError);
    expect(() => validateTaskId(id)).toThrow(message);
  });

  it('rejects a non-string ID', () => {
    expect(() => validateTaskId(42)).toThrow('task ID must be a string, got number');
  });

  it('generates valid IDs that sort by creation time', () => {
    const earlier = generateTaskId(Date.parse('2026-01-01T00:00:00Z'));
    const later = generateTaskId(Date.parse('2026-01-01T00:00:01Z'));
    expect(earlier).toMatch(TASK_ID_PATTERN);
    expect(later).toMatch(TASK_ID_PATTERN);
    expect(earlier < later).toBe(true);
    expect(generateTaskId()).not.toBe(generateTaskId());
  });
});
