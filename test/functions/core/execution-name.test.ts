import { describe, expect, it } from 'vitest';
import { executionNameOf, MAX_EXECUTION_NAME_LENGTH } from '../../../functions/core/execution-name.js';

describe('execution names', () => {
  it('is the task ID itself when it fits, with a suffix for retries that need a new execution', () => {
    expect(executionNameOf('my1-480P-mp4')).toBe('my1-480P-mp4');
    expect(executionNameOf('my1-480P-mp4', 2)).toBe('my1-480P-mp4-r2');
  });

  it('keeps long IDs unique and within 80 characters, the same every time', () => {
    const a = `a${'x'.repeat(127)}`;
    const b = `a${'x'.repeat(126)}y`;
    expect(executionNameOf(a)).toHaveLength(MAX_EXECUTION_NAME_LENGTH);
    expect(executionNameOf(a, 12).length).toBeLessThanOrEqual(MAX_EXECUTION_NAME_LENGTH);
    expect(executionNameOf(a)).toBe(executionNameOf(a));
    expect(executionNameOf(a)).not.toBe(executionNameOf(b));
    expect(executionNameOf(a)).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
