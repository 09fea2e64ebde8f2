// Picks the Node Kafka client by measurement: produce N records and consume them back through a consumer group,
// once with @platformatic/kafka and once with kafkajs, on the same broker. Prints records/s and the RSS growth.
// Usage: tsx bench/kafka-clients.ts [records]   (starts its own broker unless KAFKA_BOOTSTRAP is set)
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type BrokerHandle } from '../local/kafka/broker.js';

const total = Number(process.argv[2] ?? 50_000);
const batch = 500;
const value = Buffer.from(JSON.stringify({ host: 'db1', db: 'shop', query_time: 2.5, sql: 'SELECT * FROM orders WHERE id = 42' }));

async function createTopic(bootstrap: string, topic: string): Promise<void> {
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [bootstrap] });
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
  await admin.close();
}

async function platformatic(bootstrap: string, topic: string): Promise<[number, number]> {
  const producer = new Producer({ clientId: 'bench-p', bootstrapBrokers: [bootstrap] });
  let t = performance.now();
  for (let i = 0; i < total; i += batch) {
    const messages = Array.from({ length: Math.min(batch, total - i) }, (_, j) => ({ topic, key: Buffer.from(`k${i + j}`), value }));
    await producer.send({ messages });
  }
  const produced = total / ((performance.now() - t) / 1000);
  await producer.close();
  const consumer = new Consumer({ clientId: 'bench-c', groupId: `g-${topic}`, bootstrapBrokers: [bootstrap] });
  t = performance.now();
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 100 });
  let seen = 0;
  for await (const _ of stream) { if (++seen >= total) break; }
  const consumed = total / ((performance.now() - t) / 1000);
  await stream.close();
  await consumer.close(true);
  return [produced, consumed];
}

async function kafkajs(bootstrap: string, topic: string): Promise<[number, number]> {
  const kafka = new Kafka({ clientId: 'bench-js', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  let t = performance.now();
  for (let i = 0; i < total; i += batch) {
    const messages = Array.from({ length: Math.min(batch, total - i) }, (_, j) => ({ key: `k${i + j}`, value }));
    await producer.send({ topic, messages });
  }
  const produced = total / ((performance.now() - t) / 1000);
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `g-${topic}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  t = performance.now();
  let seen = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({ autoCommit: false, eachBatch: async ({ batch: b }) => { seen += b.messages.length; if (seen >= total) resolve(); } });
  });
  const consumed = total / ((performance.now() - t) / 1000);
  await consumer.disconnect();
  return [produced, consumed];
}

let broker: BrokerHandle | undefined;
let dir: string | undefined;
let bootstrap = process.env.KAFKA_BOOTSTRAP;
if (!bootstrap) {
  dir = mkdtempSync(join(tmpdir(), 'bench-kafka-'));
  broker = await startBroker({ dataDir: dir });
  bootstrap = broker.bootstrap;
}
try {
  for (const [name, run] of [['@platformatic/kafka', platformatic], ['kafkajs', kafkajs]] as const) {
    const topic = `bench-${name.replace(/\W/g, '')}-${Date.now()}`;
    await createTopic(bootstrap, topic);
    const rss = process.memoryUsage().rss;
    const [p, c] = await run(bootstrap, topic);
    const grown = (process.memoryUsage().rss - rss) / 2 ** 20;
    console.log(`${name.padEnd(20)} produce ${Math.round(p)} rec/s  consume ${Math.round(c)} rec/s  rss +${grown.toFixed(0)} MB`);
  }
} finally {
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
