import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatKeyValues,
  formatTask,
  formatTaskList,
  formatTime,
  preview,
  progressBar,
  progressLine,
  renderTable,
} from '../../bin/cli/format.js';
import { record } from './records.js';

describe('renderTable', () => {
  it('pads every column but the last to its widest cell, two spaces apart, without trailing spaces', () => {
    // Act
    const text = renderTable(
      ['ID', 'STATUS', 'NOTE'],
      [
        ['a', 'RUNNING', ''],
        ['long-id', 'QUEUED', 'x'],
      ],
    );
    // Assess
    expect(text).toBe(['ID       STATUS   NOTE', 'a        RUNNING', 'long-id  QUEUED   x', ''].join('\n'));
  });

  it('prints only the header when there are no rows', () => {
    expect(renderTable(['A', 'B'], [])).toBe('A  B\n');
  });
});

describe('small formatters', () => {
  it('formats times without milliseconds, and - when absent', () => {
    expect(formatTime('2026-11-26T21:54:01.123Z')).toBe('2026-11-26T21:54:01Z');
    expect(formatTime(undefined)).toBe('-');
  });

  it.each([
    [850, '850 ms'],
    [12_340, '12.3 s'],
    [245_000, '4 min 05 s'],
    [7_380_000, '2 h 03 min'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('draws a progress bar clamped to 0..100', () => {
    expect(progressBar(40, 10)).toBe('[####------]  40%');
    expect(progressBar(150, 10)).toBe('[##########] 100%');
    expect(progressBar(-5, 10)).toBe('[----------]   0%');
    expect(progressBar(Number.NaN, 4)).toBe('[----]   0%');
  });

  it('shows a succeeded task at 100% even when it never reported progress', () => {
    expect(progressLine({ status: 'SUCCEEDED' })).toMatch(/^\[#{30}\] 100% SUCCEEDED$/);
    expect(progressLine({ status: 'RUNNING', progress: { percent: 50, message: 'parsing', at: 'x' } })).toMatch(/ 50% RUNNING parsing$/);
  });

  it('cuts long JSON previews with an ellipsis', () => {
    expect(preview({ a: 1 })).toBe('{"a":1}');
    const long = preview({ text: 'x'.repeat(500) }, 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith('…')).toBe(true);
  });

  it('formats outputs as a key/value table', () => {
    expect(formatKeyValues({ TaskTableName: 'Tasks1' })).toBe('KEY            VALUE\nTaskTableName  Tasks1\n');
  });
});

describe('formatTask', () => {
  it('shows id, function, status, attempts, progress, times, duration, payload, result and the events table', () => {
    // Act
    const text = formatTask(record());
    // Assess
    expect(text).toContain('Task:      slowlog-2026-11-26');
    expect(text).toContain('Function:  analyze-slow-queries');
    expect(text).toContain('Status:    SUCCEEDED');
    expect(text).toContain('Attempts:  1 of 3');
    expect(text).toContain('Progress:  100%');
    expect(text).toContain('Created:   2026-11-26T10:00:00Z');
    expect(text).toContain('Started:   2026-11-26T10:00:01Z');
    expect(text).toContain('Ended:     2026-11-26T10:00:03Z');
    expect(text).toContain('Duration:  2.5 s');
    expect(text).toContain('Payload:   {"log":"# Query_time: 1.0"} (29 bytes)');
    expect(text).toContain('Result:    {"fingerprints":[]}');
    expect(text).toMatch(/Events:\n {2}STATUS +AT +DETAIL\n {2}QUEUED +2026-11-26T10:00:00Z\n {2}RUNNING +2026-11-26T10:00:01Z +attempt started \(req-1\)\n/);
  });

  it('shows the error of a failed task and the S3 pointer of a large payload', () => {
    const text = formatTask(
      record({
        status: 'FAILED',
        error: { type: 'Error', message: 'always-fails: on purpose' },
        payload: undefined,
        payloadRef: { bucket: 'b', key: 'payloads/t/h.json', sizeBytes: 123_456, sha256: 'h' },
        result: undefined,
        progress: undefined,
      }),
    );
    expect(text).toContain('Error:     Error: always-fails: on purpose');
    expect(text).toContain('Payload:   s3://b/payloads/t/h.json (123456 bytes)');
    expect(text).toContain('Progress:  -');
    expect(text).not.toContain('Result:');
  });
});

describe('formatTaskList', () => {
  it('is a table of tasks', () => {
    const text = formatTaskList({ tasks: [record(), record({ taskId: 'b', status: 'RUNNING', progress: { percent: 42.4, at: 'x' }, endedAt: undefined })] });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TASK ID +FUNCTION +STATUS +ATTEMPTS +PROGRESS +CREATED +ENDED$/);
    expect(lines[1]).toMatch(/^slowlog-2026-11-26 +analyze-slow-queries +SUCCEEDED +1\/3 +100% +2026-11-26T10:00:00Z +2026-11-26T10:00:03Z$/);
    expect(lines[2]).toMatch(/^b +analyze-slow-queries +RUNNING +1\/3 +42% +2026-11-26T10:00:00Z +-$/);
    expect(lines).toHaveLength(3);
  });

  it('says how to get the next page', () => {
    expect(formatTaskList({ tasks: [record()], nextToken: 'tok123' })).toContain('More tasks: add --next-token tok123');
  });

  it('says when there is nothing', () => {
    expect(formatTaskList({ tasks: [] })).toBe('No tasks.\n');
  });
});
