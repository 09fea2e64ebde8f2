// Task records for formatting tests.
import type { TaskRecord } from '../../functions/core/task-record.js';

export function record(overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    taskId: 'slowlog-2026-11-26',
    function: 'analyze-slow-queries',
    status: 'SUCCEEDED',
    events: [
      { status: 'QUEUED', at: '2026-11-26T10:00:00.000Z' },
      { status: 'RUNNING', at: '2026-11-26T10:00:01.000Z', detail: 'attempt started (req-1)' },
      { status: 'SUCCEEDED', at: '2026-11-26T10:00:03.500Z', detail: 'attempt 1 succeeded in 2500 ms' },
    ],
    attempts: 1,
    maxAttempts: 3,
    createdAt: '2026-11-26T10:00:00.000Z',
    updatedAt: '2026-11-26T10:00:03.500Z',
    startedAt: '2026-11-26T10:00:01.000Z',
    endedAt: '2026-11-26T10:00:03.500Z',
    progress: { percent: 100, at: '2026-11-26T10:00:03.500Z' },
    payload: { log: '# Query_time: 1.0' },
    payloadHash: 'abc',
    payloadSizeBytes: 29,
    result: { fingerprints: [] },
    executionRef: 'req-1',
    expiresAt: 1_800_000_000,
    idHead: 's',
    ...overrides,
  };
}
