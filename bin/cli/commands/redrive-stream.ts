// `stask redrive --dlq` for the stream lane: a DLQ record of an operator holds the Kafka record itself
// (requestPayload: topic, partition, offset, key, value, headers — bytes as base64 / byte arrays); redriving it
// produces the same key, value and headers to the source topic again, where the fixed operator gets it anew.
import { Producer } from '@platformatic/kafka';

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

export async function replayToTopic(bootstrap: string, record: StreamDlqRecord): Promise<void> {
  const producer = new Producer({ clientId: 'stask-redrive', bootstrapBrokers: [bootstrap], acks: -1 });
  try {
    await producer.send({ messages: [{ topic: record.topic, value: record.value, headers: record.headers, ...(record.key ? { key: record.key } : {}) }] });
  } finally {
    await producer.close();
  }
}
