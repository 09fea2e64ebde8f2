// Admission under a concurrency limit against the embedded servers (dynalite, the local Step Functions engine
// running a synthesized LongTask): the slot item's take and release, and the sweeper's reconcile for each crash
// window — an ended execution whose status-change event never came, a slot taken by an admitter that died
// before StartExecution, a slot of a task stopped before its start — and the waiting tasks' exemption from expiry.
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admission } from '../../../functions/core/admission.js';
import { reconcileSlots } from '../../../functions/core/slot-reconcile.js';
import { sweepTasks } from '../../../functions/core/sweeper.js';
import { startLongLane, type LongLane } from '../../contract/long-lane.js';
import { deferred, type Deferred } from '../../local/stepfunctions/harness.js';
import { waitFor } from '../../local/support.js';

const TASK = 'limited';
let lane: LongLane;
let admission: Admission;
const gates = new Map<string, Deferred<number>>();

/** The container of `taskId` runs until its gate opens. */
function gated(taskId: string): Deferred<number> {
  const gate = deferred<number>();
  gates.set(taskId, gate);
  lane.containers.set(taskId, () => gate.promise);
  return gate;
}

beforeAll(async () => {
  lane = await startLongLane(TASK, { maxConcurrency: 1 });
  admission = new Admission({ registry: lane.registry, sfn: lane.sfn.client });
}, 60_000);
afterAll(async () => {
  for (const gate of gates.values()) gate.resolve(0);
  await lane?.close();
});

const limited = () => ({ taskName: TASK, stateMachineArn: lane.stateMachineArn, maxConcurrency: 1 });
const executionNames = async (): Promise<string[]> =>
  ((await lane.sfn.client.send(new ListExecutionsCommand({ stateMachineArn: lane.stateMachineArn }))).executions ?? []).map((e) => e.name ?? '');

describe('concurrency slots', () => {
  it('take is refused when full and idempotent for a holder; release is idempotent', async () => {
    const slots = admission.slots;
    expect(await slots.take('slots-only', 'x', 2)).toBe('taken');
    expect(await slots.take('slots-only', 'x', 2)).toBe('held');
    expect(await slots.take('slots-only', 'y', 2)).toBe('taken');
    expect(await slots.take('slots-only', 'z', 2)).toBe('full');
    await slots.release('slots-only', 'x');
    await slots.release('slots-only', 'x');
    expect([...(await slots.holders('slots-only'))].sort()).toEqual(['y']);
    expect(await slots.take('slots-only', 'z', 2)).toBe('taken');
  });
});

describe('the sweeper reconciles the slots of a limited long task', { timeout: 60_000 }, () => {
  it('an ended execution whose event was lost gives its slot back, and the oldest waiting task starts', async () => {
    const first = gated('lost_event_1');
    gated('lost_event_2');
    await lane.client.submit({ task: TASK, id: 'lost_event_1', payload: {} });
    await lane.client.submit({ task: TASK, id: 'lost_event_2', payload: {} });
    await waitFor(lane.client, 'lost_event_1', (t) => t.status === 'RUNNING');
    const waiting = await lane.client.get('lost_event_2');
    expect(waiting).toMatchObject({ status: 'QUEUED', waitingExecution: 'lost_event_2' });

    first.resolve(0);
    await waitFor(lane.client, 'lost_event_1', (t) => t.status === 'SUCCEEDED');
    // No admitter in this harness: the status-change event is "lost", the slot still held.
    expect([...(await admission.slots.holders(TASK))]).toEqual(['lost_event_1']);
    expect((await lane.client.get('lost_event_2')).status).toBe('QUEUED');

    const result = await reconcileSlots({ registry: lane.registry, sfn: lane.sfn.client }, limited());
    expect(result).toEqual({ released: ['lost_event_1'], started: ['lost_event_2'] });
    await waitFor(lane.client, 'lost_event_2', (t) => t.status === 'RUNNING');
    gates.get('lost_event_2')?.resolve(0);
    await waitFor(lane.client, 'lost_event_2', (t) => t.status === 'SUCCEEDED');
    expect(await reconcileSlots({ registry: lane.registry, sfn: lane.sfn.client }, limited())).toEqual({ released: ['lost_event_2'], started: [] });
  });

  it('a slot taken by an admitter that died before StartExecution is started; one of a task stopped meanwhile is released', async () => {
    gated('lost_start');
    // The submitter's registry write and its waiting mark, then an admitter's slot, and then the crash.
    for (const id of ['lost_start', 'stopped_waiting']) {
      await lane.registry.create({ taskId: id, function: TASK, payload: {}, payloadHash: 'h', payloadSizeBytes: 2, maxAttempts: 1 });
      expect(await admission.markWaiting(id, id)).toBe(true);
    }
    expect(await admission.slots.take(TASK, 'lost_start', 1)).toBe('taken');
    const result = await reconcileSlots({ registry: lane.registry, sfn: lane.sfn.client }, limited());
    expect(result).toEqual({ released: [], started: ['lost_start'] });
    await waitFor(lane.client, 'lost_start', (t) => t.status === 'RUNNING');

    // stopped_waiting: stopped while waiting (its Stopped record), then given a slot by a late admitter.
    const stopped = await lane.client.stop('stopped_waiting');
    expect(stopped.status).toBe('STOPPED');
    expect(await lane.storage.drain(lane.failureQueueUrl)).toContainEqual(
      expect.objectContaining({ taskId: 'stopped_waiting', requestContext: expect.objectContaining({ condition: 'Stopped' }) }),
    );
    gates.get('lost_start')?.resolve(0);
    await waitFor(lane.client, 'lost_start', (t) => t.status === 'SUCCEEDED');
    await admission.slots.release(TASK, 'lost_start');
    expect(await admission.slots.take(TASK, 'stopped_waiting', 1)).toBe('taken');
    expect(await reconcileSlots({ registry: lane.registry, sfn: lane.sfn.client }, limited())).toEqual({ released: ['stopped_waiting'], started: [] });
    expect(await executionNames()).not.toContain('stopped_waiting');
  });

  it('a retry without a free slot does not redrive: it waits as a new execution and is admitted in turn', async () => {
    const reconcile = () => reconcileSlots({ registry: lane.registry, sfn: lane.sfn.client }, limited());
    gated('retried');
    await lane.client.submit({ task: TASK, id: 'retried', payload: {} });
    await waitFor(lane.client, 'retried', (t) => t.status === 'RUNNING');
    expect((await lane.client.stop('retried')).status).toBe('STOPPED');
    expect(await reconcile()).toEqual({ released: ['retried'], started: [] });
    const busy = gated('busy');
    await lane.client.submit({ task: TASK, id: 'busy', payload: {} });
    await waitFor(lane.client, 'busy', (t) => t.status === 'RUNNING');

    const again = gated('retried');
    await lane.client.retry('retried');
    expect(await lane.client.get('retried')).toMatchObject({ status: 'QUEUED', waitingExecution: 'retried-r1' });
    busy.resolve(0);
    await waitFor(lane.client, 'busy', (t) => t.status === 'SUCCEEDED');
    expect(await reconcile()).toEqual({ released: ['busy'], started: ['retried-r1'] });
    await waitFor(lane.client, 'retried', (t) => t.status === 'RUNNING');
    again.resolve(0);
    await waitFor(lane.client, 'retried', (t) => t.status === 'SUCCEEDED');
    expect(await reconcile()).toEqual({ released: ['retried-r1'], started: [] });
  });

  it('the sweep does not expire a task waiting for a slot, however long it waits', async () => {
    gated('holder');
    gated('patient');
    await lane.client.submit({ task: TASK, id: 'holder', payload: {} });
    await lane.client.submit({ task: TASK, id: 'patient', payload: {} });
    await waitFor(lane.client, 'holder', (t) => t.status === 'RUNNING');
    const later = new Date(Date.now() + 30 * 24 * 3600 * 1000);
    const swept = await sweepTasks(lane.registry, { heartbeatMs: 3600_000 * 24 * 365, retryWindowMs: 1000, queuedExpiryMs: 1000, now: later });
    expect(swept.expired).not.toContain('patient');
    expect((await lane.client.get('patient')).status).toBe('QUEUED');
  });
});
