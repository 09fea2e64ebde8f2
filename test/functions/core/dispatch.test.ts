import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepTasks } from '../../../functions/core/sweeper.js';
import { TaskClient, type TaskInvoker } from '../../../functions/core/task-client.js';
import { waitForTerminal } from '../../local/support.js';
import { createLane, startServers, type Lane, type Servers } from '../../support/short-lane.js';

// A submitter killed between the registry write and the invoke: the task must still run, once — when the
// same ID and payload are submitted again, and when the sweeper comes by.
let servers: Servers;
let lane: Lane;
let runs: Map<string, number>;

beforeAll(async () => {
  servers = await startServers();
  runs = new Map();
  lane = await createLane(servers, {
    tasks: {
      count: {
        work: async (payload) => {
          const key = (payload as { key: string }).key;
          runs.set(key, (runs.get(key) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 100));
          return { key };
        },
      },
    },
  });
});
afterAll(async () => {
  await lane.invoker.close();
  await servers.close();
});

const TASKS = { count: { functionName: 'fn-count', maxAttempts: 3 } };

/** A client whose process dies inside `invoke`: after the registry write, before (or, with `invokeFirst`, just after) the invoke. */
function dyingClient(invokeFirst = false): TaskClient {
  const invoker: TaskInvoker = {
    invoke: async (target, event) => {
      if (invokeFirst) await lane.invoker.invoke(target, event);
      return new Promise(() => undefined); // never returns: the submitter is gone
    },
  };
  return new TaskClient({ registry: lane.registry, invoker, tasks: TASKS });
}

const liveClient = (dispatchGraceMs: number): TaskClient => new TaskClient({ registry: lane.registry, invoker: lane.invoker, tasks: TASKS, dispatchGraceMs });

async function submittedByDyingClient(id: string, invokeFirst = false): Promise<void> {
  void dyingClient(invokeFirst).submit({ task: 'count', id, payload: { key: id } });
  for (let i = 0; i < 100 && !(await lane.registry.find(id)); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('an interrupted submit', () => {
  it('is dispatched by a resubmission of the same ID and payload after the grace period, once however many race', async () => {
    // Prepare
    await submittedByDyingClient('cut_before_invoke');
    expect((await lane.registry.get('cut_before_invoke')).dispatchedAt).toBeUndefined();

    // Act: within the grace period nothing happens; after it, ten concurrent resubmissions.
    const early = await liveClient(60_000).submit({ task: 'count', id: 'cut_before_invoke', payload: { key: 'cut_before_invoke' } });
    const late = await Promise.all(Array.from({ length: 10 }, () => liveClient(0).submit({ task: 'count', id: 'cut_before_invoke', payload: { key: 'cut_before_invoke' } })));
    const task = await waitForTerminal(lane.client, 'cut_before_invoke');
    await lane.invoker.drain();

    // Assess
    expect(early).toMatchObject({ deduplicated: true });
    expect(early.redispatched).toBeUndefined();
    expect(late.filter((r) => r.redispatched)).toHaveLength(1);
    expect(late.every((r) => r.deduplicated)).toBe(true);
    expect(task).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    expect(runs.get('cut_before_invoke')).toBe(1);
  });

  it('is dispatched by the sweeper', async () => {
    // Prepare
    await submittedByDyingClient('swept_into_running');
    const client = liveClient(0);

    // Act
    const swept = await sweepTasks(lane.registry, { heartbeatMs: 10_000, retryWindowMs: 60_000, queuedExpiryMs: 3_600_000, dispatchGraceMs: 0, redispatch: (t) => client.redispatch(t) });
    const again = await sweepTasks(lane.registry, { heartbeatMs: 10_000, retryWindowMs: 60_000, queuedExpiryMs: 3_600_000, dispatchGraceMs: 0, redispatch: (t) => client.redispatch(t) });
    const task = await waitForTerminal(lane.client, 'swept_into_running');
    await lane.invoker.drain();

    // Assess
    expect(swept.redispatched).toEqual(['swept_into_running']);
    expect(again.redispatched).toBeUndefined();
    expect(task.status).toBe('SUCCEEDED');
    expect(runs.get('swept_into_running')).toBe(1);
  });

  it('dispatched twice (the submitter died after its invoke, before its mark) still runs the work once', async () => {
    // Prepare
    await submittedByDyingClient('invoked_not_marked', true);

    // Act
    const resubmitted = await liveClient(0).submit({ task: 'count', id: 'invoked_not_marked', payload: { key: 'invoked_not_marked' } });
    const task = await waitForTerminal(lane.client, 'invoked_not_marked');
    await lane.invoker.drain();

    // Assess: whether the resubmission found it QUEUED (and dispatched it again) or already running, the work ran once.
    expect(resubmitted.deduplicated).toBe(true);
    expect(task.status).toBe('SUCCEEDED');
    expect(runs.get('invoked_not_marked')).toBe(1);
  });

  it('an ordinary submit is marked dispatched and never dispatched again', async () => {
    // Act
    await lane.client.submit({ task: 'count', id: 'ordinary', payload: { key: 'ordinary' } });
    const again = await liveClient(0).submit({ task: 'count', id: 'ordinary', payload: { key: 'ordinary' } });
    await waitForTerminal(lane.client, 'ordinary');
    await lane.invoker.drain();

    // Assess
    expect(again.redispatched).toBeUndefined();
    expect(runs.get('ordinary')).toBe(1);
  });
});
