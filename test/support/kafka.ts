// A real Kafka broker for the tests that need one: started once per test file (beforeAll), in a temporary
// data directory, stopped and removed afterwards. Topics are unique per test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Producer } from '@platformatic/kafka';
import { afterAll, beforeAll } from 'vitest';
import { startBroker, type BrokerHandle } from '../../local/kafka/broker.js';

export interface TestBroker {
  readonly bootstrap: string;
  readonly handle: BrokerHandle;
  readonly dataDir: string;
}

/** Registers beforeAll/afterAll hooks; the returned getter is valid inside tests. */
export function useBroker(): () => TestBroker {
  let broker: TestBroker | undefined;
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stask-kafka-test-'));
    const handle = await startBroker({ dataDir });
    broker = { bootstrap: handle.bootstrap, handle, dataDir };
  }, 120_000);
  afterAll(async () => {
    await broker?.handle.stop();
    if (broker) rmSync(broker.dataDir, { recursive: true, force: true });
  });
  return () => {
    if (!broker) throw new Error('the test broker is not started');
    return broker;
  };
}

let topicCounter = 0;

export async function createTopic(bootstrap: string, prefix = 't', partitions = 1): Promise<string> {
  const topic = `${prefix}-${process.pid}-${++topicCounter}`;
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
  return topic;
}

export interface TestRecord {
  readonly key?: string;
  readonly value: string | Buffer;
  readonly partition?: number;
  readonly headers?: Record<string, string>;
  readonly timestamp?: bigint;
}

export async function produce(bootstrap: string, topic: string, records: readonly TestRecord[]): Promise<void> {
  const producer = new Producer({ clientId: 'test-producer', bootstrapBrokers: [bootstrap] });
  try {
    for (let i = 0; i < records.length; i += 500) {
      await producer.send({
        messages: records.slice(i, i + 500).map((r) => ({
          topic,
          value: Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value),
          ...(r.key === undefined ? {} : { key: Buffer.from(r.key) }),
          ...(r.partition === undefined ? {} : { partition: r.partition }),
          ...(r.timestamp === undefined ? {} : { timestamp: r.timestamp }),
          ...(r.headers ? { headers: new Map(Object.entries(r.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) } : {}),
        })),
      });
    }
  } finally {
    await producer.close();
  }
}

/** Polls `check` until it returns a value (not undefined) or the bound passes. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
