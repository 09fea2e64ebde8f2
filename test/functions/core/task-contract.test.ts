// The task contract file and its renderer: the file is checked when it loads, the derived lists come from it,
// and a transition renders into the UpdateItem its executors send.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkContract, inputsOf, TASK_CONTRACT, TRANSITION_NAMES, type TaskContract } from '../../../functions/core/task-contract.js';
import { ALLOWED_TRANSITIONS, FIELDS_CLEARED_BY_RETRY, TERMINAL_STATUSES } from '../../../functions/core/task-record.js';
import { renderTransition, type ValueEncoder } from '../../../functions/core/transition-expression.js';

const file = JSON.parse(readFileSync(new URL('../../../functions/core/task-contract.json', import.meta.url), 'utf8')) as TaskContract;

/** Encodes values as their JSON, with the given inputs present. */
const encoder = (...inputs: string[]): ValueEncoder<string> => ({
  has: (name) => inputs.includes(name),
  encode: (expression) => JSON.stringify(expression),
  expiresAt: () => 'TTL',
});

describe('task-contract.json', () => {
  it('is the contract the code executes: statuses, terminal statuses, transitions and the fields a retry clears', () => {
    expect(TASK_CONTRACT).toEqual(file);
    expect(TERMINAL_STATUSES).toEqual(file.terminal);
    expect(TRANSITION_NAMES.sort()).toEqual(Object.keys(file.transitions).sort());
    expect(FIELDS_CLEARED_BY_RETRY).toEqual(file.transitions.requeue.remove);
    expect(ALLOWED_TRANSITIONS.SUCCEEDED).toEqual([]);
    expect(ALLOWED_TRANSITIONS.STOPPING).toEqual(['STOPPED']);
    expect([...ALLOWED_TRANSITIONS.STOPPED].sort()).toEqual(['QUEUED', 'RUNNING']);
  });

  it('refreshes the TTL on every transition into a terminal status, and only there', () => {
    for (const name of TRANSITION_NAMES) {
      const transition = TASK_CONTRACT.transitions[name];
      expect({ name, refreshTtl: transition.refreshTtl === true }).toEqual({ name, refreshTtl: TERMINAL_STATUSES.includes(transition.to) });
    }
  });

  it('rejects a file this code cannot execute, saying why', () => {
    const broken = { ...file, statuses: ['QUEUED'], transitions: { ...file.transitions, fail: { ...file.transitions.fail, to: 'GONE' } } };
    expect(() => checkContract(broken as unknown as TaskContract)).toThrow(/statuses must be QUEUED, RUNNING.*fail: unknown status 'GONE'/);
  });
});

describe('renderTransition', () => {
  it("renders start with its alternatives only when their inputs are given", () => {
    const shortLane = renderTransition('start', encoder('executionRef', 'staleBefore', 'retryOf'));
    const longLane = renderTransition('start', encoder('executionRef'));
    expect(shortLane.conditionExpression).toBe(
      '(#status IN (:queued, :retrying)) OR (#status = :running AND heartbeatAt < :staleBefore) OR (#status = :running AND executionRef = :retryOf)',
    );
    expect(longLane.conditionExpression).toBe('#status IN (:queued, :retrying)');
    expect(longLane.updateExpression).toContain('#attempts = if_not_exists(#attempts, :zero) + :one');
    expect(longLane.updateExpression).toMatch(/ REMOVE #error$/);
    expect(longLane.values[':executionRef']).toBe('"$input.executionRef"');
    expect(inputsOf(TASK_CONTRACT.transitions.start).sort()).toEqual(['detail', 'executionRef', 'maxAttempts', 'retryOf', 'staleBefore', 'startAllowanceSeconds', 'usage']);
  });

  it('checks optional requirements only when given, and refuses a missing required input or a wider from', () => {
    expect(renderTransition('fail', encoder('error')).conditionExpression).toBe('#status IN (:running, :queued, :retrying)');
    expect(renderTransition('fail', encoder('error', 'lapsedBefore'), { from: ['RUNNING'] }).conditionExpression).toBe(
      '#status = :running AND (attribute_not_exists(heartbeatAt) OR heartbeatAt < :lapsedBefore)',
    );
    expect(renderTransition('fail', encoder('error')).updateExpression).toContain('#error = if_not_exists(#error, :error)');
    expect(renderTransition('succeed', encoder('executionRef')).updateExpression).toContain('expiresAt = :expiresAt');
    expect(() => renderTransition('succeed', encoder())).toThrow("transition 'succeed' needs the input 'executionRef'");
    expect(() => renderTransition('requestStop', encoder(), { from: ['QUEUED'] })).toThrow("transition 'requestStop' does not leave QUEUED");
  });
});
