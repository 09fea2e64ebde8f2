// The concurrency limit of a long task on the embedded platform (a spawned platform process, killed with
// SIGKILL and started again on the same data directory): a `gated` task limited to 2 executions whose work
// ends when the test creates its gate file. Never more than 2 run (checked on every poll), the others wait
// QUEUED and start in submission order, a waiting task can be stopped (its Stopped record) and deduplicated,
// and after a kill -9 the waiting task is still admitted and no slot is left held.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencySlots } from '../../functions/core/concurrency-slots.js';
import { createTaskClient } from '../../functions/core/create-task-client.js';
import type { DestinationRecord } from '../../functions/core/destination-record.js';
import { ENDPOINTS_FILE, TaskFunctionsSchema, type EndpointsFile } from '../../functions/core/facts.js';
import { TaskRegistry } from '../../functions/core/registry.js';
import type { TaskClient } from '../../functions/core/task-client.js';
import { isTerminal, type TaskRecord } from '../../functions/core/task-record.js';
import { ADMITTER_LOG_GROUP_OUTPUT, GATED_LIMIT, synthLimitedStack } from './fixtures/limited-stack.js';

let cdkOut: string;
let dataDir: string;
let gateDir: string;
let child: ChildProcess | undefined;
const ids = [1, 2, 3, 4, 5].map((n) => `limited_${process.pid}_${n}`);
const [t1, t2, t3, t4, t5] = ids as [string, string, string, string, string];

interface Connected {
  readonly client: TaskClient;
  readonly slots: ConcurrencySlots;
  readonly sfn: SFNClient;
  readonly sqs: SQSClient;
  readonly stateMachineArn: string;
  readonly failureQueueUrl: string;
  /** The lines the admitter logged (the status-change events the engine published reached it). */
  admitterLines(): Promise<string[]>;
}

function startPlatformProcess(): Promise<Connected> {
  const proc = spawn(join('node_modules', '.bin', 'node'), ['--import', 'tsx', 'test/local/fixtures/run-dev.ts', dataDir, cdkOut, 'Limited'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!/ready in \d+ ms/.test(output)) return;
      proc.stdout?.off('data', onData);
      resolve(connect(JSON.parse(readFileSync(join(dataDir, ENDPOINTS_FILE), 'utf8')) as EndpointsFile));
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.once('exit', (code) => reject(new Error(`platform exited with ${code}:\n${output}`)));
  });
}

function connect(endpoints: EndpointsFile): Connected {
  const common = { region: endpoints.region, credentials: endpoints.credentials };
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ ...common, endpoint: endpoints.endpoints['dynamodb'] }));
  const registry = new TaskRegistry(doc, endpoints.outputs['TaskTableName'] ?? '');
  const sfn = new SFNClient({ ...common, endpoint: endpoints.endpoints['sfn'] });
  const sqs = new SQSClient({ ...common, endpoint: endpoints.endpoints['sqs'] });
  const tasks = TaskFunctionsSchema.parse(JSON.parse(endpoints.outputs['TaskFunctions'] ?? '{}'));
  const failureQueueUrl = endpoints.outputs['FailureQueueUrl'] ?? '';
  const client = createTaskClient({
    registry,
    tasks,
    lambda: () => new LambdaClient({ ...common, endpoint: endpoints.endpoints['lambda'] }),
    sfn: () => sfn,
    sqs: () => sqs,
    failureQueueUrl: () => failureQueueUrl,
  });
  const logs = new CloudWatchLogsClient({ ...common, endpoint: endpoints.endpoints['logs'] });
  const admitterLines = async (): Promise<string[]> => {
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: endpoints.outputs[ADMITTER_LOG_GROUP_OUTPUT], filterPattern: '"execution ended"' }));
    return (out.events ?? []).map((e) => e.message ?? '');
  };
  return { client, slots: new ConcurrencySlots(doc, registry.tableName), sfn, sqs, stateMachineArn: tasks['gated']?.stateMachineArn ?? '', failureQueueUrl, admitterLines };
}

/** Every poll: the tasks and the running executions, never more than the limit running. */
async function poll(c: Connected): Promise<Map<string, TaskRecord>> {
  const tasks = new Map<string, TaskRecord>();
  for (const id of ids) {
    const task = await c.client.get(id).catch(() => undefined);
    if (task) tasks.set(id, task);
  }
  const running = [...tasks.values()].filter((t) => t.status === 'RUNNING');
  expect(running.length, `RUNNING: ${running.map((t) => t.taskId).join(', ')}`).toBeLessThanOrEqual(GATED_LIMIT);
  const executions = await c.sfn.send(new ListExecutionsCommand({ stateMachineArn: c.stateMachineArn, statusFilter: 'RUNNING' }));
  expect(executions.executions?.length ?? 0).toBeLessThanOrEqual(GATED_LIMIT);
  expect((await c.slots.holders('gated')).size).toBeLessThanOrEqual(GATED_LIMIT);
  return tasks;
}

/** Polls (checking the limit each time) until `done` holds, up to `limitMs`. */
async function until(c: Connected, what: string, done: (tasks: Map<string, TaskRecord>) => boolean, limitMs = 90_000): Promise<Map<string, TaskRecord>> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const tasks = await poll(c);
    if (done(tasks)) return tasks;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms (${[...tasks.values()].map((t) => `${t.taskId}=${t.status}`).join(' ')})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const statusOf = (tasks: Map<string, TaskRecord>, id: string): string | undefined => tasks.get(id)?.status;
const open = (id: string): void => writeFileSync(join(gateDir, id), '');

async function stoppedRecordOf(c: Connected, taskId: string): Promise<DestinationRecord> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const out = await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: c.failureQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 1 }));
    for (const m of out.Messages ?? []) {
      const record = JSON.parse(m.Body ?? '{}') as DestinationRecord;
      if (record.taskId !== taskId) continue;
      await c.sqs.send(new DeleteMessageCommand({ QueueUrl: c.failureQueueUrl, ReceiptHandle: m.ReceiptHandle }));
      return record;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no failure record for ${taskId}`);
}

beforeAll(() => {
  cdkOut = mkdtempSync(join(tmpdir(), 'cdk-out-limited-'));
  dataDir = mkdtempSync(join(tmpdir(), 'stask-limited-'));
  gateDir = mkdtempSync(join(tmpdir(), 'stask-gates-'));
  synthLimitedStack(cdkOut);
}, 120_000);
afterAll(() => {
  for (const id of ids) writeFileSync(join(gateDir, id), '');
  child?.kill('SIGKILL');
  for (const dir of [cdkOut, dataDir, gateDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a long task with a concurrency limit on the embedded platform', () => {
  it('runs at most the limit, admits in submission order, stops and dedups waiting tasks, and survives kill -9', { timeout: 420_000 }, async () => {
    let c = await startPlatformProcess();
    for (const id of ids) await c.client.submit({ task: 'gated', id, payload: { gate: gateDir } });
    let tasks = await until(c, 'the first two running, the rest waiting', (t) => statusOf(t, t1) === 'RUNNING' && statusOf(t, t2) === 'RUNNING');
    for (const id of [t3, t4, t5]) {
      expect(tasks.get(id)?.status).toBe('QUEUED');
      expect(tasks.get(id)?.waitingExecution).toBe(id);
    }

    // Dedup of a waiting task: the same task, still waiting, nothing started.
    const again = await c.client.submit({ task: 'gated', id: t3, payload: { gate: gateDir } });
    expect(again.deduplicated).toBe(true);
    expect(again.task.status).toBe('QUEUED');
    expect(again.task.createdAt).toBe(tasks.get(t3)?.createdAt);

    // Stopping a waiting task: STOPPED with its Stopped record, no execution ever started.
    const stopped = await c.client.stop(t5);
    expect(stopped.status).toBe('STOPPED');
    const record = await stoppedRecordOf(c, t5);
    expect(record.requestContext.condition).toBe('Stopped');
    const all = await c.sfn.send(new ListExecutionsCommand({ stateMachineArn: c.stateMachineArn }));
    expect(all.executions?.map((e) => e.name)).not.toContain(t5);

    // t1 ends: the oldest waiting task (t3) takes its slot, t4 still waits.
    open(t1);
    tasks = await until(c, 't1 done and t3 admitted', (t) => statusOf(t, t1) === 'SUCCEEDED' && statusOf(t, t3) === 'RUNNING');
    expect(tasks.get(t4)?.status).toBe('QUEUED');

    // kill -9 with t2 and t3 running and t4 waiting; on restart their executions are failed, but their tasks
    // stay RUNNING (and keep their slots) until the sweeper fails them (heartbeats lapsed); then t4 is admitted.
    child?.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
    c = await startPlatformProcess();
    tasks = await until(c, 't4 admitted after the restart', (t) => statusOf(t, t4) === 'RUNNING');
    open(t4);
    tasks = await until(c, 'every task ended', (t) => ids.every((id) => t.has(id) && isTerminal(t.get(id)?.status ?? 'QUEUED')), 120_000);
    expect(ids.map((id) => tasks.get(id)?.status)).toEqual(['SUCCEEDED', 'FAILED', 'FAILED', 'SUCCEEDED', 'STOPPED']);

    // Start order = submission order (t5 never started).
    const started = ids.filter((id) => tasks.get(id)?.startedAt !== undefined).sort((a, b) => (tasks.get(a)?.startedAt ?? '').localeCompare(tasks.get(b)?.startedAt ?? ''));
    expect(started).toEqual([t1, t2, t3, t4]);

    // The admitter saw the executions end (the engine's status-change events went through the rule).
    const deadlineLogs = Date.now() + 30_000;
    let lines = await c.admitterLines();
    while (!lines.some((l) => l.includes(t4)) && Date.now() < deadlineLogs) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      lines = await c.admitterLines();
    }
    expect(lines.some((l) => l.includes(t4) && l.includes('SUCCEEDED'))).toBe(true);

    // No slot left held once every execution has ended.
    await until(c, 'every slot released', () => true);
    const deadline = Date.now() + 30_000;
    while ((await c.slots.holders('gated')).size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect([...(await c.slots.holders('gated'))]).toEqual([]);
  });
});
