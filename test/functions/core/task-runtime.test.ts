import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskHandler } from '../../../functions/core/task-runtime.js';
import { createLane, startServers, type Lane, type Servers } from '../../support/short-lane.js';

let servers: Servers;
let lane: Lane;
beforeAll(async () => {
  servers = await startServers();
  lane = await createLane(servers, { tasks: {} });
});
afterAll(async () => {
  await servers.close();
});

function context(requestId: string, remainingMs = 60_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    awsRequestId: requestId,
    functionName: 'fn',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  } as Context;
}

async function queued(taskId: string, payload: unknown = {}): Promise<{ taskId: string; task: string; payload: unknown }> {
  await lane.registry.create({ taskId, function: 'fn', payload, payloadHash: taskId, payloadSizeBytes: 2, maxAttempts: 3 });
  return { taskId, task: 'fn', payload };
}

describe('task runtime', () => {
  it('answers a redelivered event of a finished task from the record without running it again', async () => {
    let runs = 0;
    const handler = taskHandler({ parsePayload: (r) => r }, async () => ({ run: ++runs }), lane.runtimeDeps(2));
    const event = await queued('redelivered');

    const first = await handler(event, context('req-a'));
    const second = await handler(event, context('req-b'));

    expect(runs).toBe(1);
    expect(second).toEqual(first);
    expect(first).toEqual({ taskId: 'redelivered', status: 'SUCCEEDED', result: { run: 1 } });
  });

  it('refuses an event that is not a task invocation', async () => {
    const handler = taskHandler({ parsePayload: (r) => r }, async () => ({}), lane.runtimeDeps(2));
    await expect(handler({ hello: 'world' }, context('req-x'))).rejects.toThrow(/not a task invocation event/);
    await expect(handler({ taskId: '../etc', task: 'fn', payload: {} }, context('req-y'))).rejects.toThrow(/must start with a letter/);
  });

  it('aborts work that would outlive the function timeout and records a Timeout failure', async () => {
    let aborted = false;
    const handler = taskHandler(
      { parsePayload: (r) => r },
      async (_p, ctx) => {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => ((aborted = true), resolve()), { once: true }));
        return {};
      },
      lane.runtimeDeps(0),
    );
    const event = await queued('too_slow');

    await expect(handler(event, context('req-t', 1500))).rejects.toMatchObject({ name: 'Timeout' });

    expect(aborted).toBe(true);
    const task = await lane.registry.get('too_slow');
    expect(task).toMatchObject({ status: 'FAILED', error: { type: 'Timeout' } });
    expect(task.error?.message).toMatch(/about to reach the function timeout/);
  });

  it('lets a retry take over an attempt that died without a word (crash, out of memory)', async () => {
    const deps = lane.runtimeDeps(2);
    const event = await queued('crashed');
    // The first attempt marks RUNNING and then its process dies: no heartbeat, no final status.
    await lane.registry.start('crashed', { executionRef: 'dead-attempt' });
    await new Promise((resolve) => setTimeout(resolve, 3 * deps.heartbeatMs + 50));

    const handler = taskHandler({ parsePayload: (r) => r }, async () => ({ recovered: true }), deps);
    const out = await handler(event, context('dead-attempt'));

    expect(out).toMatchObject({ status: 'SUCCEEDED', result: { recovered: true } });
    const task = await lane.registry.get('crashed');
    expect(task.attempts).toBe(2);
  });

  it('refuses to start a second attempt while the first is alive', async () => {
    const deps = lane.runtimeDeps(2);
    const event = await queued('busy');
    await lane.registry.start('busy', { executionRef: 'alive' });

    const handler = taskHandler({ parsePayload: (r) => r }, async () => ({}), deps);

    await expect(handler(event, context('second'))).rejects.toMatchObject({ name: 'TaskAlreadyRunning' });
    expect((await lane.registry.get('busy')).executionRef).toBe('alive');
  });

  it('writes progress at most once a second, keeping the latest value', async () => {
    const seen: (number | undefined)[] = [];
    const handler = taskHandler(
      { parsePayload: (r) => r },
      async (_p, ctx) => {
        for (let i = 1; i <= 50; i++) await ctx.progress(i * 2, `step ${i}`);
        seen.push((await lane.registry.get('progress')).progress?.percent);
        // The collapsed write is scheduled for one second after the first: wait for it (bounded).
        for (let waited = 0; waited < 10_000; waited += 100) {
          const percent = (await lane.registry.get('progress')).progress?.percent;
          if (percent !== 2) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        seen.push((await lane.registry.get('progress')).progress?.percent);
        return {};
      },
      { ...lane.runtimeDeps(2), heartbeatMs: 60_000 },
    );
    const event = await queued('progress');

    await handler(event, context('req-p'));

    // The first call writes 2%; the other 49 within the second collapse into one write of the latest, 100%.
    expect(seen).toEqual([2, 100]);
  });
});
