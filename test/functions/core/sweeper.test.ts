import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskRegistry } from '../../../functions/core/registry.js';
import { sweepTasks } from '../../../functions/core/sweeper.js';
import type { TaskFailure, TaskRecord } from '../../../functions/core/task-record.js';
import { createTaskTable, startDynalite, type EmbeddedDynamo } from '../../support/embedded-servers.js';

let dynamo: EmbeddedDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

describe('task sweeper', () => {
  it('resolves tasks whose attempts died, and leaves live ones alone', async () => {
    // Prepare: the registry's clock is moved by the test.
    let now = at(0);
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo), { now: () => now });
    const create = (taskId: string, maxAttempts = 3): Promise<unknown> =>
      registry.create({ taskId, function: 'f', payload: {}, payloadHash: taskId, payloadSizeBytes: 2, maxAttempts });
    await create('dead_retryable');
    await create('dead_last', 1);
    await create('alive');
    await create('stop_unacked');
    await create('retry_lost');
    await create('never_started');
    for (const id of ['dead_retryable', 'dead_last', 'alive', 'stop_unacked', 'retry_lost']) {
      await registry.start(id, { executionRef: `${id}-ref` });
    }
    await registry.requestStop('stop_unacked');
    await registry.retrying('retry_lost', { executionRef: 'retry_lost-ref', error: { type: 'Error', message: 'attempt 1 failed' } });
    now = at(25);
    await registry.heartbeat('alive', 'alive-ref');
    now = at(30);

    // Act: heartbeat every 10 s (lapsed after 20 s), retries expected within 60 s, tasks expire after 3600 s.
    const first = await sweepTasks(registry, { heartbeatMs: 10_000, retryWindowMs: 60_000, queuedExpiryMs: 3_600_000, now });

    // Assess
    expect(first).toEqual({ retrying: ['dead_retryable'], failed: ['dead_last'], stopped: ['stop_unacked'], expired: [] });
    expect(await registry.get('dead_last')).toMatchObject({ status: 'FAILED', error: { type: 'HeartbeatLapsed' } });
    expect((await registry.get('dead_last')).error?.message).toMatch(/attempt 1 of 1 stopped heartbeating/);
    expect((await registry.get('alive')).status).toBe('RUNNING');

    now = at(3700);
    const later = await sweepTasks(registry, { heartbeatMs: 10_000, retryWindowMs: 60_000, queuedExpiryMs: 3_600_000, now });
    // alive stopped beating at 25 s: it now retries; the two RETRYING tasks waited past the window.
    expect(later.retrying).toEqual(['alive']);
    expect(later.failed.sort()).toEqual(['dead_retryable', 'retry_lost']);
    expect(later.expired).toEqual(['never_started']);
    expect(await registry.get('never_started')).toMatchObject({ status: 'EXPIRED', error: { type: 'EventAgeExceeded' } });
    expect((await registry.get('dead_retryable')).status).toBe('FAILED');
  });

  it('gives work that takes long to start its start allowance before the first heartbeat', async () => {
    let now = at(0);
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo), { now: () => now });
    await registry.create({ taskId: 'fargate', function: 'transcode', payload: {}, payloadHash: 'h', payloadSizeBytes: 2, maxAttempts: 1 });
    await registry.start('fargate', { executionRef: 'exec', startAllowanceSeconds: 600 });
    const options = { heartbeatMs: 10_000, retryWindowMs: 60_000, queuedExpiryMs: 3_600_000 };

    now = at(120); // two minutes: the container is still being placed
    const early = await sweepTasks(registry, { ...options, now });
    now = at(700); // past the allowance without a single heartbeat
    const late = await sweepTasks(registry, { ...options, now });

    expect(early.failed).toEqual([]);
    expect(late.failed).toEqual(['fargate']);
  });
});

const IMPORT_ERROR: TaskFailure = { type: 'Runtime.ImportModuleError', message: "Unable to import module 'handler': No module named 'x'" };

describe('sweeper: QUEUED tasks whose function fails to initialize', () => {
  it('fails only dispatched tasks never attempted past the retry window, and only when the probe reports an init error', async () => {
    // Prepare: the registry's clock is moved by the test; `broken` fails at init, `healthy` initializes (its event is throttled).
    let now = at(0);
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo), { now: () => now });
    const create = async (taskId: string, fn: string, dispatched = true): Promise<void> => {
      await registry.create({ taskId, function: fn, payload: {}, payloadHash: taskId, payloadSizeBytes: 2, maxAttempts: 3 });
      if (dispatched) await registry.markDispatched(taskId);
    };
    await create('broken_a', 'broken');
    await create('broken_b', 'broken');
    await create('throttled', 'healthy');
    await create('undispatched', 'broken', false);
    now = at(30);
    await create('recent', 'broken');
    const probed: string[] = [];
    const probeInit = async (task: TaskRecord): Promise<TaskFailure | undefined> => {
      probed.push(task.function);
      return task.function === 'broken' ? IMPORT_ERROR : undefined;
    };
    const options = { heartbeatMs: 10_000, retryWindowMs: 60_000, queuedExpiryMs: 3_600_000, probeInit };

    // Act + Assess: within the retry window nothing is probed.
    expect((await sweepTasks(registry, { ...options, now: at(50) })).failed).toEqual([]);
    expect(probed).toEqual([]);

    // Act: past the window of the first tasks, not of `recent`.
    const result = await sweepTasks(registry, { ...options, now: at(70) });

    // Assess: one probe per function; the init error recorded; the rest left alone.
    expect(result.failed.sort()).toEqual(['broken_a', 'broken_b']);
    expect(probed.sort()).toEqual(['broken', 'healthy']);
    expect(await registry.get('broken_a')).toMatchObject({ status: 'FAILED', attempts: 0, error: IMPORT_ERROR });
    expect((await registry.get('broken_a')).events.map((e) => e.status)).toEqual(['QUEUED', 'FAILED']);
    expect((await registry.get('throttled')).status).toBe('QUEUED');
    expect((await registry.get('recent')).status).toBe('QUEUED');
    expect((await registry.get('undispatched')).status).toBe('QUEUED');
  });
});
