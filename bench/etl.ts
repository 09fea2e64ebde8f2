// Records per second through the whole stream lane — broker → event source mapping → local Lambda service →
// operator wrapper (Powertools Kafka, idempotency on DynamoDB, SQS FIFO sink) — against a hand-written
// consumer doing the same work with the same client (@platformatic/kafka), the same operator, the same
// idempotency and sink writes, on the same broker in the same run; and raw consume throughput as the ceiling.
// Usage: npm run bench:etl   (BENCH_RECORDS, default 600)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Consumer, Producer } from '@platformatic/kafka';
import type { Context } from 'aws-lambda';
import { enrichSlowQuery } from '../functions/stream/enrich-slow-queries/enrich.js';
import { recordKey } from '../functions/stream/record-key.js';
import { SqsFifoSink } from '../functions/stream/sinks.js';
import { startBroker } from '../local/kafka/broker.js';
import { ensureTopics } from '../local/kafka/kafka-lane.js';
import { startDynalite, startSqs } from '../local/servers.js';
import { createIdempotencyTable, startStreamLane } from '../test/support/stream-lane.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 600);
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const dir = mkdtempSync(join(tmpdir(), 'bench-etl-'));
const broker = await startBroker({ dataDir: dir });
const dynamo = await startDynalite();
const sqs = await startSqs();
const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));

async function topicWithRecords(name: string): Promise<string> {
  await ensureTopics(broker.bootstrap, [name], 2);
  const producer = new Producer({ clientId: 'bench', bootstrapBrokers: [broker.bootstrap] });
  for (let i = 0; i < RECORDS; i += 500) {
    await producer.send({ messages: Array.from({ length: Math.min(500, RECORDS - i) }, (_, j) => ({
      topic: name, partition: (i + j) % 2,
      value: Buffer.from(JSON.stringify({ host: 'db1', db: 'shop', user: 'app', query_time: 2.5, rows_examined: i + j, sql: `SELECT * FROM orders WHERE id = ${i + j}`, ts: i + j })),
    })) });
  }
  await producer.close();
  return name;
}

async function consumeAll(topic: string, each: (m: { topic: string; partition: number; offset: bigint; value: Buffer }) => Promise<void>): Promise<number> {
  const consumer = new Consumer({ clientId: 'bench-hand', groupId: `hand-${topic}`, bootstrapBrokers: [broker.bootstrap] });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 100 });
  let seen = 0;
  let started = 0;
  for await (const m of stream) {
    // Timed from the first record: group join and setup are not the work being compared.
    if (seen === 0) started = performance.now();
    await each(m);
    if (++seen % 100 === 0 || seen === RECORDS) await m.commit();
    if (seen >= RECORDS) break;
  }
  const ms = performance.now() - started;
  await stream.close();
  await consumer.close(true);
  return ms;
}

try {
  // Raw consume: the ceiling.
  const rawMs = await consumeAll(await topicWithRecords('bench-raw'), async () => undefined);

  // Hand-written consumer: same operator, idempotency and sink writes, no mapping, no Lambda service.
  const handSink = (await sqs.client.send(new CreateQueueCommand({ QueueName: 'bench-hand.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl as string;
  const sink = new SqsFifoSink(sqs.client, handSink);
  const persistence = new DynamoDBPersistenceLayer({ tableName: await createIdempotencyTable(dynamo), awsSdkV3Client: dynamo.client });
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'key' });
  config.registerLambdaContext({ getRemainingTimeInMillis: () => 60_000 } as Context);
  const once = makeIdempotent(async (input: { key: string; run: () => Promise<number> }) => input.run(), { persistenceStore: persistence, config });
  const handMs = await consumeAll(await topicWithRecords('bench-hand'), async (m) => {
    const key = recordKey(m.topic, m.partition, m.offset);
    await once({ key, run: async () => { await sink.write([{ key, group: `${m.topic}-${m.partition}`, body: enrichSlowQuery(JSON.parse(m.value.toString())) }]); return 1; } });
  });

  // The lane.
  const laneTopic = await topicWithRecords('bench-lane');
  const lane = await startStreamLane({ bootstrap: broker.bootstrap, topic: laneTopic, dynamo, sqs, operator: (v) => enrichSlowQuery(v), mapping: { batchSize: 100 } });
  while (lane.mapping.stats.recordsIn === 0) await new Promise((r) => setTimeout(r, 5));
  const started = performance.now();
  while (lane.mapping.stats.recordsIn < RECORDS || (await lane.mapping.lag().then((l) => Object.values(l).some((n) => n > 0)))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const laneMs = performance.now() - started;
  await lane.stop();

  console.log(`records: ${RECORDS} (2 partitions), broker start ${broker.startMs} ms, broker RSS ${Math.round((broker.rssBytes() ?? 0) / 2 ** 20)} MB`);
  console.log(`raw consume (ceiling)      ${rate(RECORDS, rawMs)} records/s`);
  console.log(`hand-written consumer      ${rate(RECORDS, handMs)} records/s`);
  console.log(`lane (mapping → operator)  ${rate(RECORDS, laneMs)} records/s`);
  console.log(`ratio lane / hand-written: ${(handMs / laneMs).toFixed(2)} (target >= 0.8)`);
} finally {
  await sqs.close();
  await dynamo.close();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
