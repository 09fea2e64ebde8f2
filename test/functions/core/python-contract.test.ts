// The contract scenarios through both runtimes on the same table: the TypeScript taskHandler and the Python
// stask_runtime (python/tests/run_scenario.py) must leave identical task records, timestamps aside.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskHandler } from '../../../functions/core/task-runtime.js';
import type { TaskRecord } from '../../../functions/core/task-record.js';
import { TASK_CONTRACT_FILE } from '../../../lib/constructs/python-task-function.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/servers.js';
import { createLane, startServers, type Lane, type Servers } from '../../support/short-lane.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const PYTHON = join(ROOT, 'python', '.venv', 'bin', 'python');
let servers: Servers;
let lane: Lane;
let table: string;
let bucket: string;
beforeAll(async () => {
  // What Lambda tells a function its memory is: both runtimes record it as the task's usage.
  process.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] = '512';
  servers = await startServers();
  lane = await createLane(servers, { tasks: {} });
  table = lane.registry.tableName;
  bucket = (lane.payloadStore as unknown as { bucket: string }).bucket;
});
afterAll(async () => {
  delete process.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'];
  await servers.close();
});

interface Call {
  readonly requestId: string;
  /** `stop`: the work requests a stop of its own task (as `stask stop` does) and waits for the signal. */
  readonly work: 'succeed' | 'raise' | 'stop';
}

function context(requestId: string): Context {
  const deadline = Date.now() + 60_000;
  return { awsRequestId: requestId, functionName: 'fn', invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn', getRemainingTimeInMillis: () => deadline - Date.now() } as Context;
}

class Boom extends Error {
  override name = 'Boom';
}

async function viaTypeScript(taskId: string, calls: readonly Call[]): Promise<void> {
  const handler = taskHandler({ parsePayload: (r) => r as { work: string } }, async (payload, ctx) => {
    if (payload.work === 'raise') throw new Boom(`boom in attempt ${ctx.attempt}`);
    if (payload.work === 'stop') {
      await lane.registry.requestStop(ctx.taskId, { detail: 'stop requested' });
      // the next heartbeat sees STOPPING and aborts; bounded, so a missed stop fails the test instead of hanging
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    }
    return { ok: true, attempt: ctx.attempt };
  }, lane.runtimeDeps(2));
  for (const call of calls) await handler({ taskId, task: 'fn', payload: { work: call.work } }, context(call.requestId)).catch(() => undefined);
}

/** Async: dynalite and s3rver run in this process and must keep answering while Python calls them. */
function viaPython(taskId: string, calls: readonly Call[]): Promise<void> {
  const child = spawn(PYTHON, [join(ROOT, 'python', 'tests', 'run_scenario.py')], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: servers.dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: servers.s3.endpoint,
    },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdout.resume();
  child.stdin.end(JSON.stringify({ table, bucket, maxAttempts: 3, contract: TASK_CONTRACT_FILE, calls: calls.map((c) => ({ requestId: c.requestId, event: { taskId, task: 'fn', payload: { work: c.work } } })) }));
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`run_scenario.py exited with ${code}: ${stderr}`)))));
}

/** The record without what differs by nature: the task ID and the times. */
function comparable(record: TaskRecord): unknown {
  const { taskId: _id, idHead: _head, createdAt: _c, createdDay: _day, updatedAt: _u, startedAt: _s, endedAt: _e, heartbeatAt: _h, expiresAt: _x, payloadHash: _p, ...rest } = record;
  return {
    ...rest,
    events: record.events.map(({ at: _at, ...e }) => ({ ...e, detail: e.detail?.replace(/in \d+ ms/, 'in N ms') })),
    ...(record.progress ? { progress: { ...record.progress, at: 'T' } } : {}),
    ended: record.endedAt !== undefined,
    ttlRefreshed: record.expiresAt > Math.floor(Date.parse(record.createdAt) / 1000) + 29 * 86400,
  };
}

async function both(name: string, calls: readonly Call[]): Promise<[unknown, unknown]> {
  for (const id of [`ts_${name}`, `py_${name}`]) {
    await lane.registry.create({ taskId: id, function: 'fn', payload: { work: calls[0]?.work }, payloadHash: name, payloadSizeBytes: 2, maxAttempts: 3 });
  }
  await viaTypeScript(`ts_${name}`, calls);
  await viaPython(`py_${name}`, calls);
  return [comparable(await lane.registry.get(`ts_${name}`)), comparable(await lane.registry.get(`py_${name}`))];
}

describe('the Python runtime against the TypeScript one', () => {
  it('succeed: identical records', async () => {
    const [ts, py] = await both('succeed', [{ requestId: 'req-s', work: 'succeed' }]);
    expect(py).toEqual(ts);
    expect(ts).toMatchObject({ status: 'SUCCEEDED', ended: true, ttlRefreshed: true });
    expect(ts).toMatchObject({ usage: { compute: 'lambda', memoryMb: 512, vcpu: Math.round((512 / 1769) * 1000) / 1000, stateTransitions: 0 } });
  });

  it('fail with retries (Lambda redelivers with the same request ID): identical records', async () => {
    const [ts, py] = await both('retries', Array.from({ length: 3 }, () => ({ requestId: 'req-f', work: 'raise' as const })));
    expect(py).toEqual(ts);
    expect(ts).toMatchObject({ status: 'FAILED', attempts: 3, error: { type: 'Boom', message: 'boom in attempt 3' }, usage: { memoryMb: 512 } });
  });

  it('stop while running: identical records (STOPPING, then STOPPED with TaskStopped)', async () => {
    const [ts, py] = await both('stop', [{ requestId: 'req-x', work: 'stop' }]);
    expect(py).toEqual(ts);
    expect(ts).toMatchObject({ status: 'STOPPED', attempts: 1, error: { type: 'TaskStopped' }, ended: true, ttlRefreshed: true });
  });

  it('a redelivered event of a finished task: identical records, nothing ran twice', async () => {
    const [ts, py] = await both('redelivered', [{ requestId: 'req-1', work: 'succeed' }, { requestId: 'req-2', work: 'succeed' }]);
    expect(py).toEqual(ts);
    expect(ts).toMatchObject({ attempts: 1, attemptRefs: ['req-1'] });
  });
});
