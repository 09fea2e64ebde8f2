// A record the operator could not process, as one DLQ message in the common destination format:
// requestPayload = the record (topic, partition, offset, timestamp, key, value, headers), responsePayload = the error.
// python/stask_runtime/stream_records.py builds the identical record for Python operators (test/functions/stream/dlq-record-languages.test.ts).
import { buildDestinationRecord, toErrorLike, type DestinationRecord } from '../core/destination-record.js';
import { recordKey } from './record-key.js';

export interface FailedKafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  /** base64, as in the MSK event (absent for a null key). */
  readonly key?: string;
  /** base64, as in the MSK event: the bytes are kept even when they are not JSON. */
  readonly value: string;
  readonly headers: readonly Record<string, number[]>[];
}

export interface DlqRecordInput {
  readonly record: FailedKafkaRecord;
  readonly error: unknown;
  readonly taskId: string;
  /** The operator (its task records' `function`): `stask redrive --dlq --function` selects by it. */
  readonly function: string;
  readonly requestId: string;
  readonly functionArn: string;
  readonly attempts: number;
  /** Retryable failures that used their attempts: RetriesExhausted; bad records fail at once. */
  readonly retryable: boolean;
  /** @default now */
  readonly timestamp?: Date;
}

export function buildDlqRecord(input: DlqRecordInput): DestinationRecord & { readonly function: string; readonly recordKey: string; readonly retryable: boolean } {
  const record = buildDestinationRecord({
    taskId: input.taskId,
    requestId: input.requestId,
    functionArn: input.functionArn,
    condition: 'RetriesExhausted',
    approximateInvokeCount: input.attempts,
    requestPayload: input.record,
    response: { error: toErrorLike(input.error) },
    functionError: 'Handled',
    ...(input.timestamp ? { timestamp: input.timestamp } : {}),
  });
  return { ...record, function: input.function, recordKey: recordKey(input.record.topic, input.record.partition, input.record.offset), retryable: input.retryable };
}

/** A DLQ record of an operator read back: the Kafka record to produce to its topic again. */
export interface StreamDlqRecord {
  readonly recordKey: string;
  readonly function?: string;
  readonly topic: string;
  readonly key?: Buffer;
  readonly value: Buffer;
  readonly headers: Map<Buffer, Buffer>;
}

/** The Kafka record in a DLQ message of an operator, or undefined for any other failure record. */
export function streamRecordOf(body: string | undefined): StreamDlqRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
  const r = parsed as { recordKey?: unknown; function?: unknown; requestPayload?: { topic?: unknown; key?: unknown; value?: unknown; headers?: unknown } } | null;
  const p = r?.requestPayload;
  if (typeof r?.recordKey !== 'string' || typeof p?.topic !== 'string' || typeof p.value !== 'string') return undefined;
  const headers = new Map<Buffer, Buffer>();
  for (const h of Array.isArray(p.headers) ? (p.headers as Record<string, number[]>[]) : []) {
    for (const [k, v] of Object.entries(h)) headers.set(Buffer.from(k), Buffer.from(v));
  }
  return {
    recordKey: r.recordKey,
    ...(typeof r.function === 'string' ? { function: r.function } : {}),
    topic: p.topic,
    ...(typeof p.key === 'string' ? { key: Buffer.from(p.key, 'base64') } : {}),
    value: Buffer.from(p.value, 'base64'),
    headers,
  };
}
