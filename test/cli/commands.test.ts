// Pure parts of commands: the ls query, log merging and attempt refs, reading failure records.
import { describe, expect, it } from 'vitest';
import { attemptRefsOf, mergeLogEvents } from '../../bin/cli/commands/logs.js';
import { listQueryOf } from '../../bin/cli/commands/ls.js';
import { parseDlqRecord } from '../../bin/cli/commands/redrive.js';
import { UsageError } from '../../bin/cli/errors.js';
import { buildDestinationRecord } from '../../functions/core/destination-record.js';
import { record } from './records.js';

const NOW = new Date('2026-11-26T12:00:00.000Z');

describe('listQueryOf (ls options → registry query)', () => {
  it('parses status, times and limit; passes function, prefix and token through', () => {
    // Act
    const query = listQueryOf(
      { status: 'running', function: 'analyze-slow-queries', prefix: 'slow', since: '1h', until: '2026-11-26T11:30:00Z', limit: '5', nextToken: 'tok' },
      NOW,
    );
    // Assess
    expect(query).toEqual({
      status: 'RUNNING',
      function: 'analyze-slow-queries',
      prefix: 'slow',
      since: '2026-11-26T11:00:00.000Z',
      until: '2026-11-26T11:30:00.000Z',
      limit: 5,
      nextToken: 'tok',
    });
  });

  it('without a status, a function or a prefix lists every function (a query per day, never a scan) in at most 400 days', () => {
    expect(listQueryOf({ since: '1h' }, NOW)).toEqual({ all: true, since: '2026-11-26T11:00:00.000Z' });
    expect(listQueryOf({}, NOW)).toEqual({ all: true });
    expect(() => listQueryOf({ since: '401d' }, NOW)).toThrow(UsageError);
    expect(listQueryOf({ prefix: 'a' }, NOW)).toEqual({ prefix: 'a' });
  });
});

describe('attemptRefsOf', () => {
  it('uses attemptRefs, without duplicates', () => {
    const task = { ...record(), attemptRefs: ['req-1', 'req-2', 'req-1'] };
    expect(attemptRefsOf(task)).toEqual(['req-1', 'req-2']);
  });

  it('falls back to executionRef on records without attemptRefs, and is empty before any attempt', () => {
    expect(attemptRefsOf(record({ executionRef: 'req-9' }))).toEqual(['req-9']);
    expect(attemptRefsOf(record({ executionRef: undefined }))).toEqual([]);
  });
});

describe('mergeLogEvents', () => {
  it('merges attempts in timestamp order and drops events already printed', () => {
    // Prepare: two attempts' events, interleaved in time; one event printed by an earlier poll.
    const seen = new Set(['e0']);
    const attempt1 = [
      { eventId: 'e0', timestamp: 1, message: 'old' },
      { eventId: 'e1', timestamp: 10, message: 'a1' },
      { eventId: 'e3', timestamp: 30, message: 'a3' },
    ];
    const attempt2 = [
      { eventId: 'e2', timestamp: 20, message: 'b2' },
      { eventId: 'e1', timestamp: 10, message: 'a1' },
    ];
    // Act
    const merged = mergeLogEvents([attempt1, attempt2], seen);
    // Assess
    expect(merged.map((e) => e.message)).toEqual(['a1', 'b2', 'a3']);
    expect(mergeLogEvents([attempt1], seen)).toEqual([]);
  });
});

describe('parseDlqRecord', () => {
  const failure = (taskId: string, errorType: string) =>
    JSON.stringify(
      buildDestinationRecord({
        taskId,
        requestId: 'req-1',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:AlwaysFails',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
        requestPayload: { taskId, task: 'always-fails', payload: {} },
        response: { error: { errorType, errorMessage: 'x' } },
      }),
    );

  it('reads the task ID and task name of a failure record', () => {
    expect(parseDlqRecord(failure('t1', 'Error'))).toEqual({ taskId: 't1', task: 'always-fails', stopped: false });
  });

  it('recognizes the record of a task stopped on request', () => {
    expect(parseDlqRecord(failure('t2', 'TaskStopped'))).toMatchObject({ taskId: 't2', stopped: true });
  });

  it('takes the task ID from the invocation event when the record lacks it', () => {
    const body = JSON.stringify({ requestContext: { condition: 'RetriesExhausted' }, requestPayload: { taskId: 't3', task: 'x' } });
    expect(parseDlqRecord(body)).toEqual({ taskId: 't3', task: 'x', stopped: false });
  });

  it('says why a message cannot be redriven', () => {
    expect(parseDlqRecord('not json')).toEqual({ invalid: 'the message is not JSON' });
    expect(parseDlqRecord('{"hello":1}')).toEqual({ invalid: 'the destination record carries no task ID' });
    expect(parseDlqRecord(undefined)).toEqual({ invalid: 'the message is not JSON' });
  });
});
