// The console's view of the dead-letter queue: its records read without taking them (visibility timeout 0,
// so they stay available to `stask redrive --dlq`), each read as redrive reads it.
import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parseDlqRecord } from '../../../functions/core/dead-letter.js';
import { streamRecordOf } from '../../../functions/stream/dlq-record.js';

export interface DlqView {
  /** The queue's own count (approximate, as SQS says). */
  readonly depth: number;
  readonly records: readonly DlqRow[];
}

export interface DlqRow {
  readonly messageId: string;
  readonly sentAt?: string;
  readonly taskId?: string;
  readonly function?: string;
  /** A stream operator's Kafka record (`topic-partition-offset`), redriven to its topic. */
  readonly streamRecord?: string;
  readonly stopped?: boolean;
  readonly invalid?: string;
  readonly condition?: string;
  readonly error?: string;
}

/** Up to `max` records of the queue, newest first. */
export async function peekDlq(sqs: SQSClient, queueUrl: string, max = 100): Promise<DlqView> {
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  const depth = Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0);
  const rows = new Map<string, DlqRow>();
  // A receive returns a sample of the queue: a few rounds, until one brings nothing new.
  for (let round = 0; round < 10 && rows.size < Math.min(max, depth); round++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['SentTimestamp'],
        AttributeNames: ['All'],
      }),
    );
    const before = rows.size;
    for (const message of out.Messages ?? []) {
      const id = message.MessageId ?? '';
      if (id === '' || rows.has(id)) continue;
      rows.set(id, rowOf(id, message.Body, Number(message.Attributes?.SentTimestamp)));
    }
    if (rows.size === before) break;
  }
  const records = [...rows.values()].sort((a, b) => (b.sentAt ?? '').localeCompare(a.sentAt ?? '')).slice(0, max);
  return { depth, records };
}

function rowOf(messageId: string, body: string | undefined, sentMs: number): DlqRow {
  const sentAt = Number.isFinite(sentMs) && sentMs > 0 ? { sentAt: new Date(sentMs).toISOString() } : {};
  const stream = streamRecordOf(body);
  if (stream) return { messageId, ...sentAt, streamRecord: stream.recordKey, ...(stream.function !== undefined ? { function: stream.function } : {}) };
  const entry = parseDlqRecord(body);
  if ('invalid' in entry) return { messageId, ...sentAt, invalid: entry.invalid };
  const raw = safeJson(body) as { requestContext?: { condition?: unknown }; responsePayload?: { errorMessage?: unknown } } | undefined;
  const condition = typeof raw?.requestContext?.condition === 'string' ? raw.requestContext.condition : undefined;
  const error = typeof raw?.responsePayload?.errorMessage === 'string' ? raw.responsePayload.errorMessage : undefined;
  return {
    messageId,
    ...sentAt,
    taskId: entry.taskId,
    ...(entry.task !== undefined ? { function: entry.task } : {}),
    stopped: entry.stopped,
    ...(condition !== undefined ? { condition } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
