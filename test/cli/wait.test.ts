import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../functions/core/task-record.js';
import { progressDisplay, waitForTerminal } from '../../bin/cli/wait.js';
import { record } from './records.js';

describe('waitForTerminal', () => {
  it('polls every interval until the status is terminal and returns the last read', async () => {
    // Prepare: the task goes QUEUED → RUNNING 50% → SUCCEEDED.
    const reads: TaskRecord[] = [
      record({ status: 'QUEUED', progress: undefined }),
      record({ status: 'RUNNING', progress: { percent: 50, at: 'x' } }),
      record({ status: 'SUCCEEDED' }),
    ];
    const sleeps: number[] = [];
    const seen: string[] = [];
    // Act
    const last = await waitForTerminal(async () => reads.shift() ?? record(), {
      intervalMs: 500,
      sleep: async (ms) => void sleeps.push(ms),
      onUpdate: (t) => seen.push(t.status),
    });
    // Assess
    expect(last.status).toBe('SUCCEEDED');
    expect(seen).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(sleeps).toEqual([500, 500]);
  });

  it.each(['FAILED', 'STOPPED', 'EXPIRED'] as const)('stops at %s', async (status) => {
    const last = await waitForTerminal(async () => record({ status }), { sleep: async () => undefined });
    expect(last.status).toBe(status);
  });
});

describe('progressDisplay', () => {
  it('redraws one line in place on a terminal, then ends it', () => {
    let text = '';
    const display = progressDisplay({ isTTY: true, write: (s: string) => (text += s) });
    display.update({ status: 'RUNNING', progress: { percent: 10, at: 'x' } });
    display.update({ status: 'RUNNING', progress: { percent: 60, at: 'x' } });
    display.done();
    expect(text.split('\r\x1b[2K')).toHaveLength(3);
    expect(text).toMatch(/ 60% RUNNING\n$/);
  });

  it('writes a new line only on change when not on a terminal', () => {
    let text = '';
    const display = progressDisplay({ write: (s: string) => (text += s) });
    display.update({ status: 'QUEUED' });
    display.update({ status: 'QUEUED' });
    display.update({ status: 'SUCCEEDED' });
    display.done();
    expect(text).not.toContain('\r');
    expect(text.trimEnd().split('\n')).toEqual([expect.stringMatching(/ 0% QUEUED$/), expect.stringMatching(/ 100% SUCCEEDED$/)]);
  });
});
