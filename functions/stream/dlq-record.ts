// A record the operator could not process, as one DLQ message in the common destination format:
// requestPayload = the record (topic, partition, offset, timestamp, key, value, headers), responsePayload = the error.
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
  });
  return { ...record, function: input.function, recordKey: recordKey(input.record.topic, input.record.partition, input.record.offset), retryable: input.retryable };
}
