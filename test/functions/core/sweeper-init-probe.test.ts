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
