import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidListQueryError, InvalidTransitionError, TaskConflictError, TaskNotFoundError } from '../../../functions/core/errors.js';
import { TaskRegistry, type CreateTaskInput } from '../../../functions/core/registry.js';
import { createTaskTable, startDynalite, type EmbeddedDynamo } from '../../support/embedded-servers.js';

let dynamo: EmbeddedDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});

function input(taskId: string, overrides: Partial<CreateTaskInput> = {}): CreateTaskInput {
  return { taskId, function: 'analyze-slow-queries', payload: { log: 'x' }, payloadHash: 'h1', payloadSizeBytes: 11, maxAttempts: 3, ...overrides };
}

/** A registry whose clock is set by the test, for time-window listing. */
function clockedRegistry(table: string): { registry: TaskRegistry; setNow(iso: string): void } {
  let now = new Date('2026-11-20T10:00:00.000Z');
  return { registry: new TaskRegistry(dynamo.doc, table, { now: () => now }), setNow: (iso) => (now = new Date(iso)) };
}

describe('create with dedup', () => {
  it('creates a QUEUED task with one event, TTL and idHead', async () => {
    // Prepare
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo));
    // Act
    const { task, created } = await registry.create(input('job_1'));
    // Assess
    expect(created).toBe(true);
    const stored = await registry.get('job_1');
    expect(stored).toMatchObject({ taskId: 'job_1', status: 'QUEUED', attempts: 0, idHead: 'j', payload: { log: 'x' } });
    expect(stored.events).toEqual([{ status: 'QUEUED', at: task.createdAt }]);
    expect(stored.expiresAt).toBeGreaterThan(Date.now() / 1000 + 29 * 24 * 3600);
  });

  it('returns the existing task for the same ID and payload, and conflicts on a different payload', async () => {
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo));
    const first = await registry.create(input('same'));

    const again = await registry.create(input('same'));
    expect(again.created).toBe(false);
    expect(again.task.createdAt).toBe(first.task.createdAt);

    const conflict = registry.create(input('same', { payloadHash: 'h2' }));
    await expect(conflict).rejects.toBeInstanceOf(TaskConflictError);
    await expect(conflict).rejects.toThrow(/task 'same' already exists \(function analyze-slow-queries, status QUEUED/);
    await expect(registry.create(input('same', { function: 'other' }))).rejects.toBeInstanceOf(TaskConflictError);
  });

  it('accepts exactly one of 1,000 concurrent creations of one ID', async () => {
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo));

    const results = await Promise.all(Array.from({ length: 1000 }, () => registry.create(input('hot_id'))));

    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.filter((r) => !r.created)).toHaveLength(999);
    expect(new Set(results.map((r) => r.task.createdAt)).size).toBe(1);
  });
});

describe('transitions', () => {
  it('appends every transition to events[] and counts attempts', async () => {
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo));
    await registry.create(input('t1'));

    await registry.start('t1', { executionRef: 'req-1' });
    await registry.retrying('t1', { executionRef: 'req-1', error: { type: 'Error', message: 'boom' } });
    await registry.start('t1', { executionRef: 'req-1' });
    const done = await registry.succeed('t1', { executionRef: 'req-1', result: { ok: true } });

    expect(done.events.map((e) => e.status)).toEqual(['QUEUED', 'RUNNING', 'RETRYING', 'RUNNING', 'SUCCEEDED']);
    expect(done.attempts).toBe(2);
    expect(done.result).toEqual({ ok: true });
    expect(done.endedAt).toBeDefined();
  });

  it('never lets a STOPPED task become SUCCEEDED', async () => {
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo));
    await registry.create(input('t2'));
    await registry.start('t2', { executionRef: 'r' });
    await registry.requestStop('t2');
    await registry.stopped('t2');

    const attempt = registry.succeed('t2', { executionRef: 'r' });

    await expect(attempt).rejects.toBeInstanceOf(InvalidTransitionError);
    await expect(attempt).rejects.toThrow("task 't2' cannot go from STOPPED to SUCCEEDED");
    expect((await registry.get('t2')).status).toBe('STOPPED');
  });

  it('refuses a transition owned by another attempt, and one on a missing task', async () => {
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo));
    await registry.create(input('t3'));
    await registry.start('t3', { executionRef: 'mine' });

    await expect(registry.succeed('t3', { executionRef: 'theirs' })).rejects.toBeInstanceOf(InvalidTransitionError);
    await expect(registry.start('nope', { executionRef: 'any' })).rejects.toBeInstanceOf(TaskNotFoundError);
  });

  it('lets a new attempt take over RUNNING only when the heartbeat has lapsed', async () => {
    const { registry, setNow } = clockedRegistry(await createTaskTable(dynamo));
    await registry.create(input('t4'));
    await registry.start('t4', { executionRef: 'dead' });
    setNow('2026-11-20T10:00:20.000Z');

    await expect(
      registry.start('t4', { executionRef: 'early', staleBefore: '2026-11-20T09:59:59.000Z' }),
    ).rejects.toBeInstanceOf(InvalidTransitionError);
    const taken = await registry.start('t4', { executionRef: 'alive', staleBefore: '2026-11-20T10:00:10.000Z' });
    expect(taken.executionRef).toBe('alive');
  });
});

describe('heartbeat', () => {
  it('records progress for the owning attempt and reports a stop request', async () => {
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo));
    await registry.create(input('hb'));
    await registry.start('hb', { executionRef: 'a1' });

    const beat = await registry.heartbeat('hb', 'a1', { percent: 40, message: 'reading' });
    expect(beat?.progress).toMatchObject({ percent: 40, message: 'reading' });
    expect(await registry.heartbeat('hb', 'other')).toBeUndefined();

    await registry.requestStop('hb');
    expect((await registry.heartbeat('hb', 'a1'))?.status).toBe('STOPPING');
  });
});

describe('list', () => {
  it('lists by status and time window, newest first, across pages', async () => {
    const { registry, setNow } = clockedRegistry(await createTaskTable(dynamo));
    // 25 tasks one minute apart from 10:00; tasks 0, 5, 10, 15, 20 are then started.
    for (let i = 0; i < 25; i++) {
      setNow(new Date(Date.parse('2026-11-20T10:00:00.000Z') + i * 60_000).toISOString());
      await registry.create(input(`w${String(i).padStart(2, '0')}`));
    }
    for (let i = 0; i < 25; i += 5) await registry.start(`w${String(i).padStart(2, '0')}`, { executionRef: `w${i}` });

    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await registry.list({ status: 'QUEUED', since: '2026-11-20T10:03:00Z', until: '2026-11-20T10:17:00Z', limit: 4, ...(nextToken ? { nextToken } : {}) });
      seen.push(...page.tasks.map((t) => t.taskId));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);

    // Queued tasks created 10:03..10:17 are w03..w17 minus the started w05, w10, w15: 12 tasks.
    const expected = ['w17', 'w16', 'w14', 'w13', 'w12', 'w11', 'w09', 'w08', 'w07', 'w06', 'w04', 'w03'];
    expect(seen).toEqual(expected);
    expect(pages).toBeGreaterThanOrEqual(3);
    const running = await registry.list({ status: 'RUNNING' });
    expect(running.tasks.map((t) => t.taskId)).toEqual(['w20', 'w15', 'w10', 'w05', 'w00']);
  });

  it('lists by function and by ID prefix', async () => {
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo));
    await registry.create(input('my1-480P-mp4', { function: 'transcode' }));
    await registry.create(input('my2-480P-mp4', { function: 'transcode' }));
    await registry.create(input('other', { function: 'transcode' }));
    await registry.create(input('my_report'));

    const byFunction = await registry.list({ function: 'transcode' });
    expect(byFunction.tasks.map((t) => t.taskId).sort()).toEqual(['my1-480P-mp4', 'my2-480P-mp4', 'other']);
    const byPrefix = await registry.list({ prefix: 'my' });
    expect(byPrefix.tasks.map((t) => t.taskId)).toEqual(['my1-480P-mp4', 'my2-480P-mp4', 'my_report']);
    const both = await registry.list({ function: 'transcode', prefix: 'my' });
    expect(both.tasks.map((t) => t.taskId).sort()).toEqual(['my1-480P-mp4', 'my2-480P-mp4']);
  });

  it('lists every function and status newest first across day buckets, a page at a time (all)', async () => {
    // Prepare: 30 tasks of three functions, 2 hours apart from Nov 18 12:00 to Nov 20 22:00 (three UTC days), some started.
    const { registry, setNow } = clockedRegistry(await createTaskTable(dynamo));
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      setNow(new Date(Date.parse('2026-11-18T12:00:00.000Z') + i * 2 * 3_600_000).toISOString());
      const id = `r${String(i).padStart(2, '0')}`;
      ids.push(id);
      await registry.create(input(id, { function: ['analyze-slow-queries', 'transcode', 'always-fails'][i % 3] ?? 'x' }));
    }
    for (let i = 0; i < 30; i += 4) await registry.start(`r${String(i).padStart(2, '0')}`, { executionRef: `e${i}` });
    setNow('2026-11-20T23:00:00.000Z');

    // Act: the default window (the last day: since Nov 19 23:00), pages of 4, and a wide window in pages of 7.
    const pageThrough = async (query: Parameters<TaskRegistry['list']>[0]): Promise<{ seen: string[]; pages: number }> => {
      const seen: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await registry.list({ ...query, ...(nextToken ? { nextToken } : {}) });
        seen.push(...page.tasks.map((t) => t.taskId));
        nextToken = page.nextToken;
        pages++;
      } while (nextToken && pages < 50);
      return { seen, pages };
    };
    const lastDay = await pageThrough({ all: true, limit: 4 });
    const everything = await pageThrough({ all: true, since: '2026-11-18T00:00:00Z', limit: 7 });

    // Assess: created after Nov 19 23:00 are r18 (Nov 20 00:00) .. r29 (Nov 20 22:00); newest first, every status.
    expect(lastDay.seen).toEqual(ids.slice(18).reverse());
    expect(lastDay.pages).toBeGreaterThanOrEqual(3); // a page that fills exactly at the end may be followed by an empty one, as on DynamoDB
    expect(everything.seen).toEqual([...ids].reverse());
    expect(everything.pages).toBeGreaterThanOrEqual(5);
    const page = await registry.list({ all: true, limit: 5 });
    expect(page.tasks[0]).toMatchObject({ taskId: 'r29', function: 'always-fails', status: 'QUEUED', payload: { log: 'x' } });
    expect(page.tasks.find((t) => t.taskId === 'r28')?.status).toBe('RUNNING');
    expect(new Set(page.tasks.map((t) => t.function)).size).toBe(3);
  });

  it('refuses a token of another listing, and a window of more days than it queries', async () => {
    const { registry, setNow } = clockedRegistry(await createTaskTable(dynamo));
    for (let i = 0; i < 3; i++) {
      setNow(`2026-11-20T10:0${i}:00.000Z`);
      await registry.create(input(`t${i}`));
    }
    const all = await registry.list({ all: true, limit: 1 });
    const byStatus = await registry.list({ status: 'QUEUED', limit: 1 });

    await expect(registry.list({ status: 'QUEUED', nextToken: all.nextToken })).rejects.toThrow(/another listing/);
    await expect(registry.list({ all: true, nextToken: byStatus.nextToken })).rejects.toThrow(/another listing/);
    await expect(registry.list({ prefix: 't', nextToken: byStatus.nextToken })).rejects.toThrow(/another listing/);
    await expect(registry.list({ all: true, since: '2020-01-01T00:00:00Z' })).rejects.toThrow(/at most 400 days/);
    expect((await registry.list({ all: true, since: '2026-11-20T10:01:00Z', limit: 1, nextToken: all.nextToken })).tasks.map((t) => t.taskId)).toEqual(['t1']);
  });

  it('rejects list queries it cannot answer with a query', async () => {
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo));
    await expect(registry.list({})).rejects.toThrow(/never scans/);
    await expect(registry.list({ status: 'QUEUED', limit: 0 })).rejects.toBeInstanceOf(InvalidListQueryError);
    await expect(registry.list({ status: 'QUEUED', since: 'yesterday-ish' })).rejects.toThrow("since is not a time: 'yesterday-ish'");
    await expect(registry.list({ status: 'QUEUED', since: '2026-11-21T00:00:00Z', until: '2026-11-20T00:00:00Z' })).rejects.toThrow(/is after until/);
    await expect(registry.list({ status: 'QUEUED', nextToken: 'garbage!' })).rejects.toThrow(/nextToken/);
    await expect(registry.list({ prefix: '../' })).rejects.toThrow(/not the start of a valid task ID/);
  });
});
