import { createHash } from 'node:crypto';

/** A record's identity: `topic-partition-offset` (the idempotency key and the FIFO deduplication ID). */
export function recordKey(topic: string, partition: number, offset: number | bigint | string): string {
  return `${topic}-${partition}-${offset}`;
}

/** SQS deduplication IDs are at most 128 characters: longer keys are hashed. */
export function deduplicationId(key: string): string {
  return key.length <= 128 ? key : createHash('sha256').update(key).digest('hex');
}

/**
 * The task ID of a batch: one task per topic-partition of an invocation, named after its first offset
 * (task IDs allow letters, digits, `_` and `-`: other characters of a topic name become `_`).
 */
export function batchTaskId(topic: string, partition: number, firstOffset: number | bigint): string {
  const safe = topic.replace(/[^A-Za-z0-9_-]/g, '_');
  const id = `kafka_${safe}-${partition}-${firstOffset}`;
  return id.length <= 128 ? id : `kafka_${createHash('sha256').update(id).digest('hex').slice(0, 40)}-${partition}-${firstOffset}`;
}
