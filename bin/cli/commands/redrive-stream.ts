// `stask redrive --dlq` for the stream lane: a DLQ record of an operator holds the Kafka record itself
// (requestPayload: topic, partition, offset, key, value, headers — bytes as base64 / byte arrays); redriving it
// produces the same key, value and headers to the source topic again, where the fixed operator gets it anew.
// The record is read by functions/stream/dlq-record.ts, which also writes it.
import { Producer } from '@platformatic/kafka';
import type { StreamDlqRecord } from '../../../functions/stream/dlq-record.js';

export async function replayToTopic(bootstrap: string, record: StreamDlqRecord): Promise<void> {
  const producer = new Producer({ clientId: 'stask-redrive', bootstrapBrokers: [bootstrap], acks: -1 });
  try {
    await producer.send({ messages: [{ topic: record.topic, value: record.value, headers: record.headers, ...(record.key ? { key: record.key } : {}) }] });
  } finally {
    await producer.close();
  }
}
