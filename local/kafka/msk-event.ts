// Lambda's Amazon MSK event, its partial-batch response and its on-failure record, as AWS documents them.
// The event: `records` keyed `topic-partition`, key and value base64 (key absent for a null key), headers as
// an array of one-entry objects whose value is the header's bytes as a number array.
import { randomUUID } from 'node:crypto';

/** One record as the mapping read it from the broker. */
export interface PolledRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [Buffer, Buffer])[];
}

export interface MskEventRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: 'CREATE_TIME';
  readonly key?: string;
  readonly value: string;
  readonly headers: readonly Record<string, number[]>[];
}

export interface MskEvent {
  readonly eventSource: 'aws:kafka';
  readonly eventSourceArn: string;
  readonly bootstrapServers: string;
  readonly records: Readonly<Record<string, readonly MskEventRecord[]>>;
}

export const topicPartition = (r: { topic: string; partition: number }): string => `${r.topic}-${r.partition}`;

export function toMskRecord(r: PolledRecord): MskEventRecord {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: Number(r.offset),
    timestamp: Number(r.timestamp),
    timestampType: 'CREATE_TIME',
    ...(r.key === null ? {} : { key: r.key.toString('base64') }),
    value: (r.value ?? Buffer.alloc(0)).toString('base64'),
    headers: r.headers.map(([k, v]) => ({ [k.toString('utf8')]: [...v] })),
  };
}

export function buildMskEvent(records: readonly PolledRecord[], eventSourceArn: string, bootstrapServers: string): MskEvent {
  const grouped: Record<string, MskEventRecord[]> = {};
  for (const r of records) (grouped[topicPartition(r)] ??= []).push(toMskRecord(r));
  return { eventSource: 'aws:kafka', eventSourceArn, bootstrapServers, records: grouped };
}

/** A failed item: the partition key (`topic-partition`) and the offset Lambda resumes from. */
export interface ItemFailure {
  readonly topicPartition: string;
  readonly offset: bigint;
}

/**
 * `batchItemFailures` of a function's response. Both spellings seen in the wild are read: AWS's Kafka form
 * `{ itemIdentifier: { partition: "topic-0", offset: 15 } }` and a string `"topic-0@15"` / `"topic-0:15"` /
 * `"topic-0-15"`. Returns undefined for a response that reports nothing (success); throws on an identifier it
 * cannot read, which Lambda treats as a failure of the whole batch.
 */
export function parseItemFailures(response: unknown, topics: readonly string[]): ItemFailure[] | undefined {
  if (response === null || typeof response !== 'object') return undefined;
  const list = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw new Error('batchItemFailures is not an array');
  if (list.length === 0) return undefined;
  return list.map((item: unknown) => {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (id !== null && typeof id === 'object') {
      const { partition, offset, topic } = id as { partition?: unknown; offset?: unknown; topic?: unknown };
      const tp = typeof partition === 'number' && typeof topic === 'string' ? `${topic}-${partition}` : partition;
      if (typeof tp === 'string' && (typeof offset === 'number' || (typeof offset === 'string' && /^\d+$/.test(offset)))) {
        return { topicPartition: tp, offset: BigInt(offset) };
      }
    }
    if (typeof id === 'string') {
      const match = /^(.+-\d+)[@:-](\d+)$/.exec(id);
      if (match?.[1] && match[2] && topics.some((t) => match[1]?.startsWith(`${t}-`))) {
        return { topicPartition: match[1], offset: BigInt(match[2]) };
      }
    }
    throw new Error(`unreadable batchItemFailures itemIdentifier: ${JSON.stringify(id)}`);
  });
}

export type OnFailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface OnFailureInput {
  readonly functionArn: string;
  readonly condition: OnFailureCondition;
  readonly approximateInvokeCount: number;
  readonly eventSourceArn: string;
  readonly bootstrapServers: string;
  readonly records: readonly PolledRecord[];
  readonly now?: Date;
}

/** The record an SQS/SNS on-failure destination receives for a discarded batch (metadata, not the records). */
export function buildOnFailureRecord(input: OnFailureInput): Record<string, unknown> {
  const recordsInfo: Record<string, Record<string, string>> = {};
  for (const r of input.records) {
    const key = topicPartition(r);
    const info = recordsInfo[key];
    const at = new Date(Number(r.timestamp)).toISOString();
    if (!info) recordsInfo[key] = { firstRecordOffset: String(r.offset), lastRecordOffset: String(r.offset), firstRecordTimestamp: at, lastRecordTimestamp: at };
    else Object.assign(info, { lastRecordOffset: String(r.offset), lastRecordTimestamp: at });
  }
  const payloadSize = Buffer.byteLength(JSON.stringify(buildMskEvent(input.records, input.eventSourceArn, input.bootstrapServers)));
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    responseContext: input.condition === 'RecordAgeExceeded' ? null : {
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: 'Unhandled',
    },
    version: '1.0',
    timestamp: (input.now ?? new Date()).toISOString(),
    KafkaBatchInfo: {
      batchSize: input.records.length,
      eventSourceArn: input.eventSourceArn,
      bootstrapServers: input.bootstrapServers,
      payloadSize,
      recordsInfo,
    },
  };
}
