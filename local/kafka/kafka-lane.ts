// The embedded platform's Kafka side: the broker (state under the data directory), the topics the template's
// mappings read, and one mapping emulator each, invoking the local Lambda service synchronously.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { KafkaMappingSpec } from '../provision/kafka-mapping.js';
import { startBroker, type BrokerHandle } from './broker.js';
import { KafkaEventSourceMapping, type InvokeOutcome } from './event-source-mapping.js';

export interface KafkaLaneHost {
  readonly broker: BrokerHandle;
  readonly mappings: readonly KafkaEventSourceMapping[];
  close(): Promise<void>;
}

/** Partitions of a topic the platform creates for a mapping. */
export const LOCAL_TOPIC_PARTITIONS = 3;

export async function ensureTopics(bootstrap: string, topics: readonly string[], partitions = LOCAL_TOPIC_PARTITIONS): Promise<void> {
  const admin = new Admin({ clientId: 'stask-topics', bootstrapBrokers: [bootstrap] });
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length) await admin.createTopics({ topics: missing, partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

export async function startKafkaLane(options: {
  readonly dataDir?: string;
  readonly mappings: readonly KafkaMappingSpec[];
  readonly invoke: (functionName: string, payload: unknown) => Promise<InvokeOutcome>;
  readonly sqs: SQSClient;
  readonly log?: (line: string) => void;
}): Promise<KafkaLaneHost> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'stask-kafka-')));
  const broker = await startBroker({ dataDir });
  options.log?.(`kafka: broker ${broker.bootstrap} ready in ${broker.startMs} ms`);
  const mappings: KafkaEventSourceMapping[] = [];
  try {
    await ensureTopics(broker.bootstrap, options.mappings.map((m) => m.topic));
    for (const spec of options.mappings) {
      const mapping = new KafkaEventSourceMapping(spec, {
        bootstrap: broker.bootstrap,
        invoke: (payload) => options.invoke(spec.functionName, payload),
        ...(spec.onFailureQueueUrl ? { onFailure: async (record: Record<string, unknown>) => { await options.sqs.send(new SendMessageCommand({ QueueUrl: spec.onFailureQueueUrl, MessageBody: JSON.stringify(record) })); } } : {}),
        ...(options.log ? { log: options.log } : {}),
      });
      await mapping.start();
      mappings.push(mapping);
    }
  } catch (error) {
    await Promise.all(mappings.map((m) => m.stop()));
    await broker.stop();
    throw error;
  }
  return {
    broker,
    mappings,
    close: async () => {
      await Promise.all(mappings.map((m) => m.stop()));
      await broker.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
