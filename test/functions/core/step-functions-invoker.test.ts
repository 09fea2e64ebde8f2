// The Step Functions invoker's branches against the local Step Functions server: a new execution named after
// the task (a duplicate start is the same execution), stop (StopExecution and the Stopped record), and retry:
// a redrive of a stopped execution, a new execution `<id>-r<n>` after a failure.
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TaskRegistry } from '../../../functions/core/registry.js';
import { StepFunctionsInvoker, type LongTaskInput } from '../../../functions/core/step-functions-invoker.js';
import type { TaskTarget } from '../../../functions/core/task-client.js';
import type { TaskInvocationEvent } from '../../../functions/core/task-record.js';
import { createTaskTable } from '../../support/embedded-servers.js';
import { deferred, removeDir, startSfn, startStorage, uniqueName, type Sfn, type Storage } from '../../local/stepfunctions/harness.js';

let storage: Storage;
let sfn: Sfn;

beforeAll(async () => {
  storage = await startStorage();
  sfn = await startSfn(storage);
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  await sfn.close();
  await storage.close();
  removeDir(sfn.dataDir);
});

interface Fixture {
  readonly invoker: StepFunctionsInvoker;
  readonly registry: TaskRegistry;
  readonly target: TaskTarget;
  readonly failureQueue: string;
  /** What the work function does on its next call (it receives the execution input). */
  next: (input: LongTaskInput, signal: AbortSignal) => Promise<unknown>;
}

/** A one-state machine running a test function, a registry and the invoker over them. */
async function prepare(): Promise<Fixture> {
  const fn = uniqueName('work');
  const stateMachineArn = sfn.server.registerStateMachine(uniqueName('long'), {
    StartAt: 'Work',
    States: { Work: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: fn, 'Payload.$': '$' }, End: true } },
  });
  const registry = new TaskRegistry(storage.dynamo.doc, await createTaskTable(storage.dynamo));
  const failureQueue = await storage.createQueue('failure');
  const fixture: Fixture = {
    invoker: new StepFunctionsInvoker({ sfn: sfn.client, registry, sqs: storage.sqs.client, failureQueueUrl: failureQueue }),
    registry,
    target: { kind: 'stepfunctions', stateMachineArn, maxAttempts: 1 },
    failureQueue,
    next: async () => ({ ok: true }),
  };
  storage.functions.set(fn, (payload, signal) => fixture.next(payload as LongTaskInput, signal));
  return fixture;
}

async function created(registry: TaskRegistry, taskId: string): Promise<TaskInvocationEvent> {
  await registry.create({ taskId, function: 'long', payload: { n: 1 }, payloadHash: 'h', payloadSizeBytes: 7, maxAttempts: 1 });
  return { taskId, task: 'long', payload: { n: 1 } };
}

const describeExecution = (executionArn: string) => sfn.client.send(new DescribeExecutionCommand({ executionArn }));

describe('StepFunctionsInvoker', () => {
  it('starts one execution named after the task, with the TTL in its input; a duplicate start is that execution', async () => {
    // Prepare
    const f = await prepare();
    const event = await created(f.registry, 'inv_new');
    const before = f.registry.expiresAt();

    // Act
    const first = await f.invoker.invoke(f.target, event);
    const again = await f.invoker.invoke(f.target, event);
    await sfn.server.waitForExecution(first.executionRef);

    // Assess
    expect(first.executionRef).toMatch(/:execution:[^:]+:inv_new$/);
    expect(again.executionRef).toBe(first.executionRef);
    const execution = await describeExecution(first.executionRef);
    expect(execution.status).toBe('SUCCEEDED');
    const input = JSON.parse(execution.input ?? '{}') as LongTaskInput;
    expect(input).toMatchObject({ taskId: 'inv_new', task: 'long', payload: { n: 1 } });
    expect(input.expiresAt).toBeGreaterThanOrEqual(before);
    expect(input.expiresAt).toBeLessThanOrEqual(f.registry.expiresAt());
  });

  it('stops the execution for real and sends the Stopped record with the attempt count', async () => {
    // Prepare
    const f = await prepare();
    const event = await created(f.registry, 'inv_stop');
    const started = deferred();
    const aborted = deferred();
    f.next = (_input, signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          aborted.resolve();
          reject(new Error('aborted'));
        });
        started.resolve();
      });
    const { executionRef } = await f.invoker.invoke(f.target, event);
    await f.registry.start('inv_stop', { executionRef });
    await started.promise;
    const stopping = await f.registry.requestStop('inv_stop');

    // Act
    await f.invoker.stop(f.target, stopping);
    await aborted.promise;

    // Assess
    expect((await describeExecution(executionRef)).status).toBe('ABORTED');
    const [record] = (await storage.drain(f.failureQueue)) as { taskId: string; requestContext: Record<string, unknown>; responsePayload: unknown }[];
    expect(record?.taskId).toBe('inv_stop');
    expect(record?.requestContext).toMatchObject({ requestId: executionRef, condition: 'Stopped', approximateInvokeCount: 1 });
    expect(record?.responsePayload).toEqual({ errorType: 'TaskStopped', errorMessage: 'stopped by request' });
  });

  it('retries a stopped task by redriving its execution: RUNNING again under the same execution, one more attempt', async () => {
    // Prepare
    const f = await prepare();
    const event = await created(f.registry, 'inv_redrive');
    const started = deferred();
    f.next = (_input, signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('aborted')));
        started.resolve();
      });
    const { executionRef } = await f.invoker.invoke(f.target, event);
    await f.registry.start('inv_redrive', { executionRef });
    await started.promise;
    await f.invoker.stop(f.target, await f.registry.requestStop('inv_redrive'));
    await sfn.server.waitForExecution(executionRef);
    const stopped = await f.registry.stopped('inv_redrive', { from: ['STOPPING'] });
    f.next = async () => ({ done: true });

    // Act
    const running = await f.invoker.retry(f.target, stopped, event);
    await sfn.server.waitForExecution(executionRef);

    // Assess
    expect(running).toMatchObject({ status: 'RUNNING', executionRef, attempts: 2, attemptRefs: [executionRef, executionRef] });
    expect(running.error).toBeUndefined();
    expect(running.endedAt).toBeUndefined();
    expect(running.events.at(-1)?.detail).toBe(`redrive of execution ${executionRef}`);
    const execution = await describeExecution(executionRef);
    expect(execution).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
  });

  it('retries a failed task with a new execution <id>-r<n>: QUEUED with the attempts reset, the fields of the failure gone', async () => {
    // Prepare
    const f = await prepare();
    const event = await created(f.registry, 'inv_retry');
    f.next = async () => Promise.reject(Object.assign(new Error('bad input'), { name: 'BadInput' }));
    const { executionRef } = await f.invoker.invoke(f.target, event);
    await f.registry.start('inv_retry', { executionRef });
    await sfn.server.waitForExecution(executionRef);
    const failed = await f.registry.fail('inv_retry', { executionRef, error: { type: 'BadInput', message: 'bad input' } });
    f.next = async () => ({ done: true });

    // Act
    const queued = await f.invoker.retry(f.target, failed, event);

    // Assess
    expect((await describeExecution(executionRef)).status).toBe('FAILED');
    expect(queued).toMatchObject({ status: 'QUEUED', attempts: 0 });
    for (const field of ['error', 'endedAt', 'executionRef', 'startedAt'] as const) expect(queued[field]).toBeUndefined();
    const retryArn = `${executionRef}-r1`;
    await sfn.server.waitForExecution(retryArn);
    expect((await describeExecution(retryArn)).status).toBe('SUCCEEDED');
  });

  it('puts a stopped task back to STOPPED when AWS refuses the redrive, and says so', async () => {
    // Prepare: a stopped execution, closed more than the 14 days AWS allows a redrive within.
    const f = await prepare();
    const event = await created(f.registry, 'inv_refused');
    const started = deferred();
    f.next = (_input, signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('aborted')));
        started.resolve();
      });
    const { executionRef } = await f.invoker.invoke(f.target, event);
    await f.registry.start('inv_refused', { executionRef });
    await started.promise;
    await f.invoker.stop(f.target, await f.registry.requestStop('inv_refused'));
    await sfn.server.waitForExecution(executionRef);
    const stopped = await f.registry.stopped('inv_refused', { from: ['STOPPING'] });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 15 * 24 * 3600 * 1000 });

    // Act
    const retry = f.invoker.retry(f.target, stopped, event);

    // Assess
    await expect(retry).rejects.toThrow(/cannot be redriven/);
    const task = await f.registry.get('inv_refused');
    expect(task).toMatchObject({ status: 'STOPPED', error: { type: 'TaskStopped' } });
    expect(task.events.map((e) => e.status)).toEqual(['QUEUED', 'RUNNING', 'STOPPING', 'STOPPED', 'RUNNING', 'STOPPED']);
    expect(task.events.at(-1)?.detail).toMatch(/^redrive refused: .*run retry again for a new execution$/);
  });
});
