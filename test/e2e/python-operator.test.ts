// The Python stream operator end to end on the real embedded broker: `stask produce` → the emulated MSK event
// source mapping → classify-slow-queries-py (awslambdaric through the local Runtime API) → the SQS FIFO sink;
// the poison record in the DLQ with its content, a redelivered batch applied once, `stask streams` at lag 0.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMskEvent } from '../../local/kafka/msk-event.js';
import { startDevPlatform, type DevPlatform } from '../../local/dev-platform.js';
import { PY_OPERATOR_CLUSTER, PY_OPERATOR_TOPIC, synthPythonOperatorStack } from './fixtures/python-operator-stack.js';
import { stask, staskJson } from './stask-process.js';

let cdkOut: string;
let dataDir: string;
let dev: DevPlatform;

beforeAll(async () => {
  cdkOut = mkdtempSync(join(tmpdir(), 'cdk-out-py-operator-'));
  dataDir = mkdtempSync(join(tmpdir(), 'stask-py-operator-'));
  synthPythonOperatorStack(cdkOut);
  dev = await startDevPlatform({
    dataDir, root: process.cwd(), cdkOut, stackName: 'PythonOperator', synth: false, retryDelayScale: 0.001,
    functionEnv: { POWERTOOLS_LOG_LEVEL: 'WARNING', POWERTOOLS_METRICS_DISABLED: 'true' }, log: () => undefined,
  });
}, 300_000);
afterAll(async () => {
  await dev?.close();
  rmSync(cdkOut, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const POISON = '{"host": "db1", not json';
const values = Array.from({ length: 30 }, (_, i) =>
  i === 7 ? POISON : JSON.stringify({ host: `db${i % 3}`, db: 'shop', user: 'app', query_time: 1.5, rows_examined: i * 100, sql: `SELECT * FROM orders WHERE id = ${i}`, ts: '2026-12-01T10:00:00Z', seq: i }));

/** Reads and deletes messages until `done` holds for what was read (bounded wait), then until the queue is empty. */
async function drain(url: string, done: (bodies: unknown[]) => boolean, timeoutMs = 60_000): Promise<unknown[]> {
  const { client } = dev.platform.servers.sqs;
  const bodies: unknown[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
    for (const m of out.Messages ?? []) {
      bodies.push(JSON.parse(m.Body ?? 'null'));
      await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
    if (!out.Messages?.length && done(bodies)) return bodies;
    if (Date.now() > deadline) throw new Error(`only ${bodies.length} message(s) in ${url} after ${timeoutMs} ms`);
    if (!out.Messages?.length) await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

type Sunk = { seq: number; masked_sql: string; class: string };
type DlqBody = { requestPayload: { topic: string; partition: number; offset: number; value: string }; responsePayload: { errorType: string; errorMessage: string }; recordKey: string; function: string; retryable: boolean };
type Streams = { streams: { function: string; topic: string; lag: Record<string, number>; failedRecords: number }[] };

describe('the Python operator on the embedded broker', () => {
  it('sinks each record once, sends the poison record to the DLQ with its content, and the lag ends at 0', async () => {
    // Prepare
    const file = join(dataDir, 'records.jsonl');
    writeFileSync(file, `${values.join('\n')}\n`);
    const outputs = dev.platform.outputs;

    // Act: produce as a user does.
    // One key: every record in one partition, at offsets 0..29 in file order.
    const produced = await stask(['produce', PY_OPERATOR_TOPIC, '--file', file, '--key', 'db', '--data-dir', dataDir], { timeoutMs: 120_000 });
    expect(produced.code, produced.stderr).toBe(0);

    // Assess: the sink and the DLQ.
    const sunk = (await drain(outputs.KafkaSinkQueueUrl ?? '', (b) => b.length >= 29)) as Sunk[];
    expect(sunk.map((s) => s.seq)).toEqual(values.map((_, i) => i).filter((i) => i !== 7));
    expect(sunk[0]).toMatchObject({ masked_sql: 'SELECT * FROM orders WHERE id = ?', class: 'select-star' });
    const dlq = (await drain(outputs.FailureQueueUrl ?? '', (b) => b.length >= 1)) as DlqBody[];
    expect(dlq).toHaveLength(1);
    const partition = dlq[0]?.requestPayload.partition ?? -1;
    expect(dlq[0]).toMatchObject({ requestPayload: { topic: PY_OPERATOR_TOPIC, offset: 7 }, responsePayload: { errorType: 'InvalidJsonError' }, recordKey: `${PY_OPERATOR_TOPIC}-${partition}-7`, retryable: false });
    expect(Buffer.from(dlq[0]?.requestPayload.value ?? '', 'base64').toString()).toBe(POISON);

    // Act: a redelivery of 5 records already done, the poison among them, as after a lost commit. It starts at an
    // offset no batch started at, so it is a batch task of its own whose counts show what it skipped.
    const functionName = dev.platform.kafka?.mappings[0]?.config.functionName ?? '';
    const client = dev.platform.taskClient();
    const batches = (await client.list({ function: functionName, limit: 100 })).tasks;
    const starts = new Set(batches.map((t) => (t.payload as { firstOffset: number }).firstOffset));
    const first = [3, 4, 5, 6, 7].find((o) => !starts.has(o)) ?? 3;
    const redelivered = buildMskEvent(values.slice(first, first + 5).map((v, i) => ({
      topic: PY_OPERATOR_TOPIC, partition, offset: BigInt(first + i), timestamp: BigInt(Date.now()), key: Buffer.from('db'), value: Buffer.from(v), headers: [],
    })), PY_OPERATOR_CLUSTER, dev.platform.kafka?.broker.bootstrap ?? '');
    const again = await dev.platform.lambda.invokeSync(functionName, redelivered);

    // Assess: applied once — every record skipped, nothing new in the sink or the DLQ.
    expect(again).toMatchObject({ ok: true, result: { batchItemFailures: [] } });
    expect(await client.get(`kafka_${PY_OPERATOR_TOPIC}-${partition}-${first}`)).toMatchObject({
      status: 'SUCCEEDED', executionRef: again.requestId, result: { recordsIn: 5, duplicatesSkipped: 5 }, // out/failed carry the first run's outcomes, as in the TypeScript operator
    });
    expect(await drain(outputs.KafkaSinkQueueUrl ?? '', () => true, 5_000)).toEqual([]);
    expect(await drain(outputs.FailureQueueUrl ?? '', () => true, 5_000)).toEqual([]);

    // Assess: `stask streams` shows the mapping caught up, with the one failed record.
    const deadline = Date.now() + 60_000;
    let streams: Streams | undefined;
    for (;;) {
      streams = (await staskJson<Streams>(['streams', '--data-dir', dataDir])).json;
      if (Object.values(streams.streams[0]?.lag ?? { x: 1 }).every((n) => n === 0) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(streams.streams).toHaveLength(1);
    expect(streams.streams[0]).toMatchObject({ function: functionName, topic: PY_OPERATOR_TOPIC });
    expect(Object.values(streams.streams[0]?.lag ?? {}).every((n) => n === 0)).toBe(true);
    expect(streams.streams[0]?.lag[`${PY_OPERATOR_TOPIC}-${partition}`]).toBe(0);
    expect(streams.streams[0]?.failedRecords).toBeGreaterThanOrEqual(1);
  }, 240_000);
});
