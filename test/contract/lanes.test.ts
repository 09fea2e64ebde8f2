// The contract test (issue 7): the same scenarios through the short lane (Lambda's asynchronous semantics,
// the task runtime) and through the synthesized long-lane state machine (local Step Functions, registry states
// generated from the task contract) end in the same task record, field by field. Left aside: times, execution
// references (and the event details that name them, in each lane's words), and the long lane's
// startAllowanceSeconds (its own setting). expiresAt is compared relative to endedAt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskClient } from '../../functions/core/task-client.js';
import { TASK_CONTRACT } from '../../functions/core/task-contract.js';
import type { TaskRecord } from '../../functions/core/task-record.js';
import { waitFor, waitForTerminal } from '../local/support.js';
import { createLane, startServers, type Lane, type Servers, type Work } from '../support/short-lane.js';
import { startLongLane, type Container, type LongLane } from './long-lane.js';

const TASK = 'contract';
const RETENTION_SECONDS = TASK_CONTRACT.retentionDays * 24 * 3600;
const PAYLOAD = { object: 'in.mp4', format: 'mov' };
/** The long lane's task definition (test/contract/long-lane.ts) has CDK's default Fargate size. */
const [LONG_CPU, LONG_MEMORY_MIB] = [256, 512];

/** What one scenario does in each lane: the short lane's work, the long lane's container. */
interface Scenario {
  readonly short: Work;
  readonly long: (long: LongLane) => Container;
}

/** The long lane's worker protocol: it records its result (or error) itself, then exits. */
function worker(long: LongLane, outcome: (run: number) => { result: unknown } | { error: { type: string; message: string } } | 'hang'): Container {
  let run = 0;
  return async (env, signal) => {
    const what = outcome(++run);
    const [taskId, ref] = [env['TASK_ID'] ?? '', env['EXECUTION_REF'] ?? ''];
    if (what === 'hang') {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      throw new Error('task stopped');
    }
    await long.registry.annotate(taskId, ref, what);
    return 'result' in what ? 0 : 1;
  };
}

const failure = { type: 'BadInput', message: 'no such object: in.mp4' };
const thrown = (): Error => Object.assign(new Error(failure.message), { name: failure.type });
const hang: Work = (_payload, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));

let servers: Servers;
let long: LongLane;

beforeAll(async () => {
  // What Lambda tells a function its memory is (the short lane's runtime records it as the task's usage).
  process.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] = '1024';
  [servers, long] = await Promise.all([startServers(), startLongLane(TASK)]);
}, 120_000);

afterAll(async () => {
  delete process.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'];
  await Promise.all([servers?.close(), long?.close()]);
});

/** Runs one scenario in both lanes: `drive` submits (and stops, retries...) the task and returns its final record. */
async function both(id: string, scenario: Scenario, drive: (client: TaskClient, id: string) => Promise<TaskRecord>): Promise<[TaskRecord, TaskRecord]> {
  const lane: Lane = await createLane(servers, { tasks: { [TASK]: { work: scenario.short, retryAttempts: 0 } } });
  long.containers.set(id, scenario.long(long));
  return Promise.all([drive(lane.client, id), drive(long.client, id)]);
}

const submitAndWait = async (client: TaskClient, id: string): Promise<TaskRecord> => {
  await client.submit({ task: TASK, id, payload: PAYLOAD });
  return waitForTerminal(client, id, 60_000);
};

const failThenRetry = (times: number) => async (client: TaskClient, id: string): Promise<TaskRecord> => {
  let task = await submitAndWait(client, id);
  for (let i = 0; i < times; i++) {
    await client.retry(id);
    task = await waitFor(client, id, (t) => t.events.length > task.events.length + 2 && ['SUCCEEDED', 'FAILED'].includes(t.status), 60_000);
  }
  return task;
};

/** The record without what differs by nature between lanes and runs. */
function comparable(task: TaskRecord): Record<string, unknown> {
  const {
    createdAt: _createdAt,
    createdDay: _createdDay,
    updatedAt: _updatedAt,
    startedAt,
    endedAt,
    heartbeatAt: _heartbeatAt,
    executionRef,
    attemptRefs,
    startAllowanceSeconds: _startAllowanceSeconds,
    expiresAt: _expiresAt,
    events,
    progress,
    usage,
    ...rest
  } = task;
  return {
    ...rest,
    startedAt: startedAt !== undefined,
    endedAt: endedAt !== undefined,
    executionRef: executionRef !== undefined,
    attempts: task.attempts,
    attemptRefs: attemptRefs?.length,
    events: events.map((e) => e.status),
    // What ran it differs by lane (a Lambda function, a Fargate task); both lanes record the same fields.
    ...(usage ? { usage: Object.keys(usage).filter((k) => k !== 'ephemeralStorageGb').sort() } : {}),
    ...(progress ? { progress: { ...progress, at: typeof progress.at } } : {}),
  };
}

/** expiresAt − endedAt in seconds: the retention the terminal write set. */
function ttlAfterEnd(task: TaskRecord): number {
  return task.expiresAt - Math.floor(Date.parse(task.endedAt ?? '') / 1000);
}

function expectSameRecord(short: TaskRecord, longRecord: TaskRecord): void {
  expect(comparable(longRecord)).toEqual(comparable(short));
  // The short lane refreshes the TTL at the terminal write itself; the long lane writes the expiresAt its
  // invoker computed when it started the execution (Step Functions has no epoch clock), so it is earlier by
  // the execution's duration: here seconds, bounded by a minute.
  expect(ttlAfterEnd(short)).toBe(RETENTION_SECONDS);
  expect(ttlAfterEnd(longRecord)).toBeLessThanOrEqual(RETENTION_SECONDS);
  expect(ttlAfterEnd(longRecord)).toBeGreaterThan(RETENTION_SECONDS - 60);
}

describe('the task contract, in both lanes', () => {
  it('succeed: SUCCEEDED with the result, progress 100, one attempt', async () => {
    // Act
    const [short, longRecord] = await both(
      'c_succeed',
      { short: async () => ({ frames: 42 }), long: (l) => worker(l, () => ({ result: { frames: 42 } })) },
      submitAndWait,
    );
    // Assess
    expect(short).toMatchObject({ status: 'SUCCEEDED', result: { frames: 42 }, attempts: 1, progress: { percent: 100 } });
    expect(short.usage).toEqual({ compute: 'lambda', memoryMb: 1024, vcpu: Math.round((1024 / 1769) * 1000) / 1000, stateTransitions: 0 });
    expect(longRecord.usage).toEqual({ compute: 'fargate', memoryMb: LONG_MEMORY_MIB, vcpu: LONG_CPU / 1024, ephemeralStorageGb: 20, stateTransitions: 5 });
    expectSameRecord(short, longRecord);
  });

  it('fail after retries: FAILED with the last attempt\'s error after two retries, each a fresh attempt', async () => {
    // Act
    const [short, longRecord] = await both(
      'c_fail',
      { short: async () => Promise.reject(thrown()), long: (l) => worker(l, () => ({ error: failure })) },
      failThenRetry(2),
    );
    // Assess
    expect(short).toMatchObject({ status: 'FAILED', error: failure, attempts: 1 });
    expect(short.events.map((e) => e.status)).toEqual(['QUEUED', 'RUNNING', 'FAILED', 'QUEUED', 'RUNNING', 'FAILED', 'QUEUED', 'RUNNING', 'FAILED']);
    expectSameRecord(short, longRecord);
  });

  it('stop: STOPPED with a TaskStopped error, through STOPPING', async () => {
    // Act
    const stop = async (client: TaskClient, id: string): Promise<TaskRecord> => {
      await client.submit({ task: TASK, id, payload: PAYLOAD });
      await waitFor(client, id, (t) => t.status === 'RUNNING', 60_000);
      await client.stop(id);
      return waitForTerminal(client, id, 60_000);
    };
    const [short, longRecord] = await both('c_stop', { short: hang, long: (l) => worker(l, () => 'hang') }, stop);
    // Assess
    expect(short).toMatchObject({ status: 'STOPPED', error: { type: 'TaskStopped', message: 'stopped by request' } });
    expect(short.events.map((e) => e.status)).toEqual(['QUEUED', 'RUNNING', 'STOPPING', 'STOPPED']);
    expectSameRecord(short, longRecord);
  });

  it('retry: a FAILED task retried succeeds, without the first attempt\'s error', async () => {
    // Act
    let shortRuns = 0;
    const [short, longRecord] = await both(
      'c_retry',
      {
        short: async () => (++shortRuns === 1 ? Promise.reject(thrown()) : { frames: 7 }),
        long: (l) => worker(l, (run) => (run === 1 ? { error: failure } : { result: { frames: 7 } })),
      },
      failThenRetry(1),
    );
    // Assess
    expect(short).toMatchObject({ status: 'SUCCEEDED', result: { frames: 7 }, attempts: 1 });
    expect(short.error).toBeUndefined();
    expectSameRecord(short, longRecord);
  });
});
