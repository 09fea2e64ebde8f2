// kill -9 of the process running the mapping and the operator, mid-stream; a new process resumes from the
// committed offsets; every record key reaches the sink exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTaskTable, startDynalite, startSqs, type EmbeddedDynamo, type EmbeddedSqs } from '../../support/embedded-servers.js';
import { createTopic, produce, useBroker, waitFor } from '../../support/kafka.js';
import { createIdempotencyTable, drainQueue, drainRemaining } from '../../support/stream-lane.js';

const broker = useBroker();
let dynamo: EmbeddedDynamo;
let sqs: EmbeddedSqs;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dynamo = await startDynalite();
  sqs = await startSqs();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sqs?.close();
  await dynamo?.close();
});

function startLane(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/functions/stream/fixtures/lane-process.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('started')) resolve(child); });
    child.once('exit', (code) => reject(new Error(`lane process exited with ${code} before starting`)));
  });
}

it('kill -9 mid-stream, restart: every record key appears in the sink exactly once, in partition order', async () => {
  const total = 300;
  const topic = await createTopic(broker().bootstrap, 'kill9', 2);
  await produce(broker().bootstrap, topic, Array.from({ length: total }, (_, i) => ({
    value: JSON.stringify({ host: 'db1', db: 'shop', user: 'app', query_time: 1.5, rows_examined: i, sql: `select * from t where id = ${i}`, ts: i, seq: i }),
    partition: i % 2,
  })));
  const sinkUrl = (await sqs.client.send(new CreateQueueCommand({ QueueName: `kill9-sink-${process.pid}.fifo`, Attributes: { FifoQueue: 'true' } }))).QueueUrl as string;
  const env = {
    LANE_BOOTSTRAP: broker().bootstrap, LANE_TOPIC: topic, LANE_GROUP: `g-${topic}`, LANE_DYNAMO: dynamo.endpoint, LANE_SQS: sqs.endpoint,
    LANE_SINK_URL: sinkUrl, LANE_DLQ_URL: await sqs.createQueue(`kill9-dlq-${process.pid}`),
    LANE_TASK_TABLE: await createTaskTable(dynamo), LANE_IDEM_TABLE: await createIdempotencyTable(dynamo),
  };
  const first = await startLane(env);
  const sunk = (await drainQueue(sqs, sinkUrl, (b) => b.length >= 60, 60_000)) as { seq: number }[];
  first.kill('SIGKILL');
  await waitFor(() => (first.signalCode !== null ? true : undefined), 10_000, 'the kill');
  await startLane(env);
  sunk.push(...((await drainQueue(sqs, sinkUrl, (b) => sunk.length + b.length >= total, 120_000)) as { seq: number }[]));
  // Whatever else arrives now would be a duplicate: give the new process time to (not) send one.
  await new Promise((r) => setTimeout(r, 1500));
  sunk.push(...((await drainRemaining(sqs, sinkUrl)) as { seq: number }[]));
  const seqs = sunk.map((s) => s.seq);
  expect(seqs).toHaveLength(total);
  expect(new Set(seqs).size).toBe(total);
  for (const p of [0, 1]) {
    const inPartition = seqs.filter((s) => s % 2 === p);
    expect(inPartition).toEqual([...inPartition].sort((a, b) => a - b));
  }
}, 240_000);
