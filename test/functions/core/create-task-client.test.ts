// createTaskClient's mapping of the TaskFunctions output to lane targets (the invokers themselves run in
// test/functions/triggers, test/cli/target.test.ts and the e2e tests).
import { describe, expect, it } from 'vitest';
import { toTaskTarget } from '../../../functions/core/create-task-client.js';
import { TaskFunctionsSchema } from '../../../functions/core/facts.js';

describe('toTaskTarget', () => {
  it('maps each lane to its target and drops what the client does not use', () => {
    // Prepare
    const output = TaskFunctionsSchema.parse({
      a: { functionName: 'FnA', logGroupName: '/aws/lambda/FnA', maxAttempts: 3 },
      b: { kind: 'lambda', functionName: 'FnB' },
      t: { kind: 'stepfunctions', stateMachineArn: 'arn:aws:states:r:1:stateMachine:T', logGroupName: 'g', maxAttempts: 1 },
    });
    // Act
    const targets = Object.fromEntries(Object.entries(output).map(([name, entry]) => [name, toTaskTarget(name, entry)]));
    // Assess
    expect(targets).toEqual({
      a: { kind: 'lambda', functionName: 'FnA', maxAttempts: 3 },
      b: { kind: 'lambda', functionName: 'FnB' },
      t: { kind: 'stepfunctions', stateMachineArn: 'arn:aws:states:r:1:stateMachine:T', maxAttempts: 1 },
    });
  });

  it('names the task whose entry lacks its function or state machine', () => {
    expect(() => toTaskTarget('x', { kind: 'stepfunctions' })).toThrow("task 'x' runs on Step Functions but names no state machine");
    expect(() => toTaskTarget('y', {})).toThrow("task 'y' runs on Lambda but names no function");
  });

  it('refuses a TaskFunctions entry without what its lane needs', () => {
    expect(TaskFunctionsSchema.safeParse({ x: { kind: 'stepfunctions', functionName: 'F' } }).success).toBe(false);
    expect(TaskFunctionsSchema.safeParse({ x: { maxAttempts: 3 } }).success).toBe(false);
  });
});
