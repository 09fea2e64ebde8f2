import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidPayloadError,
  InvalidTaskIdError,
  PayloadTooLargeError,
  TaskConflictError,
  UnknownTaskError,
} from '../../../functions/core/errors.js';
import { parsePayloadJson } from '../../../functions/core/payload.js';
import { createLane, startServers, type Servers } from '../../support/short-lane.js';

let servers: Servers;
beforeAll(async () => {
  servers = await startServers();
});
afterAll(async () => {
  await servers.close();
});

function counter(): { count: number; work: (payload: unknown) => Promise<unknown> } {
  const c = {
    count: 0,
    work: async (payload: unknown) => {
      c.count++;
      return { echoed: payload };
    },
  };
  return c;
}

describe('submit', () => {
  it('runs the task once and sends a success record that carries the task ID', async () => {
    const echo = counter();
    const lane = await createLane(servers, { tasks: { echo: { work: echo.work } } });

    const { task, deduplicated } = await lane.client.submit({ task: 'echo', id: 'job_ok', payload: { n: 1 } });
    await lane.invoker.drain();

    expect(deduplicated).toBe(false);
    expect(task.status).toBe('QUEUED');
    const done = await lane.client.get('job_ok');
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 1, result: { echoed: { n: 1 } }, progress: { percent: 100 } });
    expect(done.events.map((e) => e.status)).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    const [record, ...more] = await lane.drainQueue(lane.successQueueUrl);
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      version: '1.0',
      taskId: 'job_ok',
      requestContext: { condition: 'Success', approximateInvokeCount: 1 },
      requestPayload: { taskId: 'job_ok', task: 'echo', payload: { n: 1 } },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { taskId: 'job_ok', status: 'SUCCEEDED', result: { echoed: { n: 1 } } },
    });
    expect(await lane.drainQueue(lane.failureQueueUrl)).toEqual([]);
    expect(echo.count).toBe(1);
  });

  it('generates a sortable ID when none is given', async () => {
    const lane = await createLane(servers, { tasks: { echo: { work: counter().work } } });
    const { task } = await lane.client.submit({ task: 'echo', payload: null });
    expect(task.taskId).toMatch(/^t_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('deduplicates a repeated ID with the same payload (key order does not matter)', async () => {
    const echo = counter();
    const lane = await createLane(servers, { tasks: { echo: { work: echo.work } } });

    await lane.client.submit({ task: 'echo', id: 'dup', payload: { a: 1, b: [1, 2] } });
    await lane.invoker.drain();
    const again = await lane.client.submit({ task: 'echo', id: 'dup', payload: { b: [1, 2], a: 1 } });
    await lane.invoker.drain();

    expect(again.deduplicated).toBe(true);
    expect(again.task.status).toBe('SUCCEEDED');
    expect(echo.count).toBe(1);
    expect(await lane.drainQueue(lane.successQueueUrl)).toHaveLength(1);
  });

  it('accepts exactly one of 1,000 concurrent submissions of one ID and runs it once', async () => {
    const echo = counter();
    const lane = await createLane(servers, { tasks: { echo: { work: echo.work } } });

    const results = await Promise.all(
      Array.from({ length: 1000 }, () => lane.client.submit({ task: 'echo', id: 'burst', payload: { same: true } })),
    );
    await lane.invoker.drain();

    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
    expect(echo.count).toBe(1);
    expect((await lane.client.get('burst')).status).toBe('SUCCEEDED');
    expect(await lane.drainQueue(lane.successQueueUrl)).toHaveLength(1);
  });

  it('refuses the same ID with a different payload (409) and leaves the first task alone', async () => {
    const echo = counter();
    const lane = await createLane(servers, { tasks: { echo: { work: echo.work } } });
    await lane.client.submit({ task: 'echo', id: 'mine', payload: { v: 1 } });
    await lane.invoker.drain();

    const conflict = lane.client.submit({ task: 'echo', id: 'mine', payload: { v: 2 } });

    await expect(conflict).rejects.toBeInstanceOf(TaskConflictError);
    await expect(conflict).rejects.toMatchObject({ httpStatus: 409, taskId: 'mine' });
    expect((await lane.client.get('mine')).payload).toEqual({ v: 1 });
    expect(echo.count).toBe(1);
  });

  it('passes a payload above the inline limit through S3 (claim check) and refuses one above the maximum', async () => {
    let received: unknown;
    const lane = await createLane(servers, {
      tasks: { big: { work: async (p) => ((received = p), { ok: true }) } },
      limits: { inlineMaxBytes: 1024, maxBytes: 64 * 1024 },
    });
    const payload = { rows: 'x'.repeat(10_000) };

    await lane.client.submit({ task: 'big', id: 'big_one', payload });
    await lane.invoker.drain();

    const task = await lane.client.get('big_one');
    expect(task.payload).toBeUndefined();
    expect(task.payloadRef).toMatchObject({ key: expect.stringMatching(/^payloads\/big_one\/[0-9a-f]{64}\.json$/) as string });
    expect(task.status).toBe('SUCCEEDED');
    expect(received).toEqual(payload);

    const tooBig = lane.client.submit({ task: 'big', id: 'too_big', payload: { rows: 'x'.repeat(70_000) } });
    await expect(tooBig).rejects.toBeInstanceOf(PayloadTooLargeError);
    // {"rows":"x…x"}: 9 + 70,000 + 2 bytes.
    await expect(tooBig).rejects.toThrow(/payload is 70011 bytes; the maximum is 65536 bytes/);
    await expect(lane.client.get('too_big')).rejects.toThrow("task 'too_big' not found");
  });
});

describe('bad input: a clear error and nothing written', () => {
  const badIds = ['', 'a'.repeat(129), '9lives', 'a/b', '..', 'a..b', 'has space', 'naïve'];

  it.each(badIds)('refuses the ID %j', async (id) => {
    const echo = counter();
    const lane = await createLane(servers, { tasks: { echo: { work: echo.work } } });

    await expect(lane.client.submit({ task: 'echo', id, payload: {} })).rejects.toBeInstanceOf(InvalidTaskIdError);
    await lane.invoker.drain();

    expect((await lane.client.list({ function: 'echo' })).tasks).toEqual([]);
    expect(echo.count).toBe(0);
  });

  it('refuses payload text that is not JSON, and values JSON cannot carry', async () => {
    const lane = await createLane(servers, { tasks: { echo: { work: counter().work } } });
    expect(() => parsePayloadJson('{"bucket": ')).toThrow(InvalidPayloadError);
    expect(() => parsePayloadJson("{'single': 1}")).toThrow(/payload is not valid JSON/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(lane.client.submit({ task: 'echo', id: 'cyc', payload: cyclic })).rejects.toThrow(/the payload has a cycle/);
    await expect(lane.client.submit({ task: 'echo', id: 'big_int', payload: { n: 10n } })).rejects.toThrow(/BigInt/);
    await expect(lane.client.submit({ task: 'echo', id: 'undef', payload: undefined })).rejects.toThrow(/payload is missing/);
    expect((await lane.client.list({ function: 'echo' })).tasks).toEqual([]);
  });

  it('refuses an unknown task name, naming the known ones', async () => {
    const lane = await createLane(servers, { tasks: { echo: { work: counter().work } } });
    const unknown = lane.client.submit({ task: 'transcode', id: 'x1', payload: {} });
    await expect(unknown).rejects.toBeInstanceOf(UnknownTaskError);
    await expect(unknown).rejects.toThrow("unknown task 'transcode'; known tasks: echo");
    await expect(lane.client.get('x1')).rejects.toThrow('not found');
  });

  it('refuses an oversized payload before writing anything to S3', async () => {
    const lane = await createLane(servers, { tasks: { echo: { work: counter().work } }, limits: { inlineMaxBytes: 10, maxBytes: 100 } });
    await expect(lane.client.submit({ task: 'echo', id: 'huge', payload: 'y'.repeat(200) })).rejects.toBeInstanceOf(PayloadTooLargeError);
    const objects = await servers.s3.client.send(new ListObjectsV2Command({ Bucket: lane.payloadStore['bucket'] }));
    expect(objects.KeyCount ?? 0).toBe(0);
  });
});

describe('failures, stop and retry', () => {
  it('retries a failing task per its retry attempts, then FAILED with a RetriesExhausted record', async () => {
    let calls = 0;
    const lane = await createLane(servers, {
      tasks: { flaky: { retryAttempts: 2, work: async () => { calls++; throw new Error(`broken input file (call ${calls})`); } } },
    });

    await lane.client.submit({ task: 'flaky', id: 'fails', payload: { f: 1 } });
    await lane.invoker.drain();

    const task = await lane.client.get('fails');
    expect(calls).toBe(3);
    expect(task).toMatchObject({ status: 'FAILED', attempts: 3, error: { type: 'Error', message: 'broken input file (call 3)' } });
    expect(task.events.map((e) => e.status)).toEqual(['QUEUED', 'RUNNING', 'RETRYING', 'RUNNING', 'RETRYING', 'RUNNING', 'FAILED']);
    const [record, ...more] = await lane.drainQueue(lane.failureQueueUrl);
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      taskId: 'fails',
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      responseContext: { functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'broken input file (call 3)' },
    });
    expect(await lane.drainQueue(lane.successQueueUrl)).toEqual([]);
  });

  it('fails at once, without retries, when the payload is invalid for the task', async () => {
    let calls = 0;
    const lane = await createLane(servers, {
      tasks: {
        strict: {
          parsePayload: (raw) => {
            if (typeof raw !== 'object' || raw === null || !('log' in raw)) throw new Error('payload needs a "log" field');
            return raw;
          },
          work: async () => ((calls += 1), {}),
        },
      },
    });

    await lane.client.submit({ task: 'strict', id: 'bad_payload', payload: { lg: 'typo' } });
    await lane.invoker.drain();

    const task = await lane.client.get('bad_payload');
    expect(task).toMatchObject({ status: 'FAILED', attempts: 1, error: { type: 'InvalidPayload', message: 'payload needs a "log" field' } });
    expect(calls).toBe(0);
    const [record] = await lane.drainQueue(lane.failureQueueUrl);
    expect(record?.responsePayload).toMatchObject({ errorType: 'InvalidPayload', errorMessage: 'payload needs a "log" field' });
  });

  it('stops a running task: the work sees the abort, the task ends STOPPED with a TaskStopped failure record', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let sawAbort = false;
    const lane = await createLane(servers, {
      tasks: {
        slow: {
          work: async (_p, ctx) => {
            await ctx.progress(10, 'started');
            started();
            await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
            sawAbort = true;
            return { finished: true };
          },
        },
      },
    });
    await lane.client.submit({ task: 'slow', id: 'to_stop', payload: {} });
    await running;

    const stopping = await lane.client.stop('to_stop');
    await lane.invoker.drain();

    expect(stopping.status).toBe('STOPPING');
    const task = await lane.client.get('to_stop');
    expect(sawAbort).toBe(true);
    expect(task.status).toBe('STOPPED');
    expect(task.events.map((e) => e.status)).toContain('STOPPING');
    const records = await lane.drainQueue(lane.failureQueueUrl);
    expect(records).toHaveLength(1);
    expect(records[0]?.responsePayload).toMatchObject({ errorType: 'TaskStopped' });
    expect(await lane.drainQueue(lane.successQueueUrl)).toEqual([]);
    await expect(lane.client.stop('to_stop')).rejects.toThrow("cannot go from STOPPED to STOPPED");
  });

  it('retries a FAILED task with the same ID and payload', async () => {
    let failNext = true;
    const lane = await createLane(servers, {
      tasks: { once: { retryAttempts: 0, work: async (p) => { if (failNext) throw new Error('first time fails'); return { p }; } } },
    });
    await lane.client.submit({ task: 'once', id: 'again', payload: { k: 'v' } });
    await lane.invoker.drain();
    expect((await lane.client.get('again')).status).toBe('FAILED');

    failNext = false;
    await lane.client.retry('again');
    await lane.invoker.drain();

    const task = await lane.client.get('again');
    expect(task).toMatchObject({ status: 'SUCCEEDED', result: { p: { k: 'v' } } });
    expect(task.error).toBeUndefined();
    expect(task.events.map((e) => e.status)).toEqual(['QUEUED', 'RUNNING', 'FAILED', 'QUEUED', 'RUNNING', 'SUCCEEDED']);
    await expect(lane.client.retry('again')).rejects.toThrow('cannot go from SUCCEEDED to QUEUED');
  });
});
