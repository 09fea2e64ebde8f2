// The Kafka event source mapping emulator on the real broker: event shape, batching, commits, partial batch
// responses, retries, bisect, maximum record age and the on-failure record.
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaEventSourceMapping, type InvokeOutcome, type MappingConfig } from '../../../local/kafka/event-source-mapping.js';
import type { MskEvent, MskEventRecord } from '../../../local/kafka/msk-event.js';
import { createTopic, produce, useBroker, waitFor } from '../../support/kafka.js';

const broker = useBroker();
const CLUSTER_ARN = 'arn:aws:kafka:us-east-1:000000000000:cluster/local/11111111-2222-3333-4444-555555555555-1';
const mappings: KafkaEventSourceMapping[] = [];

afterEach(async () => {
  await Promise.all(mappings.splice(0).map((m) => m.stop()));
});

type Handler = (event: MskEvent) => Promise<unknown>;

function records(event: MskEvent): MskEventRecord[] {
  return Object.values(event.records).flat();
}

const valueOf = (r: MskEventRecord): string => Buffer.from(r.value, 'base64').toString();

async function startMapping(topic: string, handler: Handler, config: Partial<MappingConfig> = {}) {
  const failures: Record<string, unknown>[] = [];
  const events: MskEvent[] = [];
  const invoke = async (payload: unknown): Promise<InvokeOutcome> => {
    events.push(payload as MskEvent);
    try {
      return { ok: true, result: await handler(payload as MskEvent) };
    } catch (error) {
      return { ok: false, error: { errorType: (error as Error).name, errorMessage: (error as Error).message } };
    }
  };
  const mapping = new KafkaEventSourceMapping({
    id: `m-${topic}`,
    functionName: 'operator',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:operator',
    eventSourceArn: CLUSTER_ARN,
    topic,
    startingPosition: 'TRIM_HORIZON',
    batchingWindowMs: 100,
    retryDelayMs: 10,
    ...config,
  }, { bootstrap: broker().bootstrap, invoke, onFailure: async (r) => { failures.push(r); } });
  mappings.push(mapping);
  await mapping.start();
  return { mapping, failures, events };
}

describe('Kafka event source mapping', () => {
  it('sends the MSK event shape of AWS documented example, field by field', async () => {
    const topic = await createTopic(broker().bootstrap, 'shape');
    await produce(broker().bootstrap, topic, [{ key: 'recordKey', value: '{"key":"value"}', headers: { headerKey: 'headerValue' } }]);
    const { events } = await startMapping(topic, async () => ({}));
    const event = await waitFor(() => events[0], 30_000, 'the first invocation');
    // AWS's example: {"eventSource":"aws:kafka","eventSourceArn":"arn:aws:kafka:…","bootstrapServers":"b-2…:9092,b-1…:9092",
    // "records":{"mytopic-0":[{"topic":"mytopic","partition":0,"offset":15,"timestamp":1545084650987,
    // "timestampType":"CREATE_TIME","key":"cmVjb3JkS2V5","value":"eyJrZXkiOiJ2YWx1ZSJ9",
    // "headers":[{"headerKey":[104,101,97,100,101,114,86,97,108,117,101]}]}]}}
    expect(Object.keys(event)).toEqual(['eventSource', 'eventSourceArn', 'bootstrapServers', 'records']);
    expect(event.eventSource).toBe('aws:kafka');
    expect(event.eventSourceArn).toBe(CLUSTER_ARN);
    expect(event.bootstrapServers).toBe(broker().bootstrap);
    expect(Object.keys(event.records)).toEqual([`${topic}-0`]);
    const [record] = event.records[`${topic}-0`] ?? [];
    expect(Object.keys(record ?? {})).toEqual(['topic', 'partition', 'offset', 'timestamp', 'timestampType', 'key', 'value', 'headers']);
    expect(record).toMatchObject({ topic, partition: 0, offset: 0, timestampType: 'CREATE_TIME', key: 'cmVjb3JkS2V5', value: 'eyJrZXkiOiJ2YWx1ZSJ9' });
    expect(record?.headers).toEqual([{ headerKey: [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101] }]);
    expect(typeof record?.timestamp).toBe('number');
    expect(Math.abs((record?.timestamp ?? 0) - Date.now())).toBeLessThan(120_000);
  });

  it('batches by size, keeps partition order and commits: a new mapping on the group gets nothing again', async () => {
    const topic = await createTopic(broker().bootstrap, 'order', 2);
    await produce(broker().bootstrap, topic, Array.from({ length: 250 }, (_, i) => ({ key: `k${i}`, value: String(i), partition: i % 2 })));
    const seen: string[] = [];
    const first = await startMapping(topic, async (e) => { seen.push(...records(e).map((r) => `${r.partition}:${valueOf(r)}`)); return {}; }, { batchSize: 50 });
    await waitFor(() => (seen.length >= 250 ? true : undefined), 30_000, '250 records');
    await first.mapping.idle();
    expect(first.events.every((e) => records(e).length <= 50)).toBe(true);
    for (const p of [0, 1]) {
      const values = seen.filter((s) => s.startsWith(`${p}:`)).map((s) => Number(s.slice(2)));
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(values).toHaveLength(125);
    }
    await first.mapping.stop();
    mappings.splice(mappings.indexOf(first.mapping), 1);
    const again = await startMapping(topic, async (e) => { seen.push(...records(e).map(valueOf)); return {}; }, { batchSize: 50 });
    await produce(broker().bootstrap, topic, [{ value: 'after', partition: 0 }]);
    await waitFor(() => (again.events.length > 0 ? true : undefined), 30_000, 'the record produced after the restart');
    expect(again.events.flatMap(records).map(valueOf)).toEqual(['after']);
  });

  it.each([
    ['AWS Kafka form', (topic: string, offset: number) => ({ itemIdentifier: { partition: `${topic}-0`, offset } })],
    ['string form', (topic: string, offset: number) => ({ itemIdentifier: `${topic}-0@${offset}` })],
  ])('honours batchItemFailures (%s): retries from the failed offset, records before it are done', async (_name, failure) => {
    const topic = await createTopic(broker().bootstrap, 'partial');
    await produce(broker().bootstrap, topic, Array.from({ length: 10 }, (_, i) => ({ value: String(i) })));
    let failedOnce = false;
    const { events } = await startMapping(topic, async (e) => {
      const offsets = records(e).map((r) => r.offset);
      if (!failedOnce && offsets.includes(4)) { failedOnce = true; return { batchItemFailures: [failure(topic, 4)] }; }
      return { batchItemFailures: [] };
    }, { reportBatchItemFailures: true, maximumRetryAttempts: 2 });
    await waitFor(() => (events.length >= 2 ? true : undefined), 30_000, 'the retry');
    const second = records(events[1] as MskEvent).map((r) => r.offset);
    expect(second[0]).toBe(4);
    expect(records(events[0] as MskEvent).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(second).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('retries a failing batch, then discards it with the on-failure record (KafkaBatchInfo) and goes on', async () => {
    const topic = await createTopic(broker().bootstrap, 'exhaust');
    await produce(broker().bootstrap, topic, [{ value: 'bad' }]);
    const { events, failures } = await startMapping(topic, async (e) => {
      if (records(e).some((r) => valueOf(r) === 'bad')) throw new Error('boom');
      return {};
    }, { maximumRetryAttempts: 2 });
    const failure = await waitFor(() => failures[0], 30_000, 'the on-failure record');
    expect(events).toHaveLength(3);
    expect(failure).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:operator' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      KafkaBatchInfo: { batchSize: 1, eventSourceArn: CLUSTER_ARN, bootstrapServers: broker().bootstrap, recordsInfo: { [`${topic}-0`]: { firstRecordOffset: '0', lastRecordOffset: '0' } } },
    });
    await produce(broker().bootstrap, topic, [{ value: 'good' }]);
    await waitFor(() => (events.some((e) => records(e).some((r) => valueOf(r) === 'good')) ? true : undefined), 30_000, 'the next record');
  });

  it('bisects a failing batch down to the poison record', async () => {
    const topic = await createTopic(broker().bootstrap, 'bisect');
    await produce(broker().bootstrap, topic, Array.from({ length: 8 }, (_, i) => ({ value: i === 5 ? 'poison' : String(i) })));
    const done: string[] = [];
    const { failures, events } = await startMapping(topic, async (e) => {
      if (records(e).some((r) => valueOf(r) === 'poison')) throw new Error('poison');
      done.push(...records(e).map(valueOf));
      return {};
    }, { bisectBatchOnFunctionError: true, maximumRetryAttempts: 0, batchSize: 8, batchingWindowMs: 1000 });
    const failure = await waitFor(() => failures[0], 30_000, 'the on-failure record');
    expect(failure).toMatchObject({ KafkaBatchInfo: { batchSize: 1, recordsInfo: { [`${topic}-0`]: { firstRecordOffset: '5' } } } });
    await waitFor(() => (done.length >= 7 ? true : undefined), 30_000, 'the other records');
    expect(done).toEqual(['0', '1', '2', '3', '4', '6', '7']);
    expect(records(events[0] as MskEvent)).toHaveLength(8);
  });

  it('discards records older than the maximum record age without invoking', async () => {
    const topic = await createTopic(broker().bootstrap, 'age');
    const old = BigInt(Date.now() - 3_600_000);
    await produce(broker().bootstrap, topic, [{ value: 'old', timestamp: old }, { value: 'fresh' }]);
    const { failures, events } = await startMapping(topic, async () => ({}), { maximumRecordAgeSeconds: 60 });
    const failure = await waitFor(() => failures[0], 30_000, 'the on-failure record');
    expect(failure).toMatchObject({ requestContext: { condition: 'RecordAgeExceeded' }, KafkaBatchInfo: { batchSize: 1 } });
    await waitFor(() => (events.length > 0 ? true : undefined), 30_000, 'the fresh record');
    expect(events.flatMap(records).map(valueOf)).toEqual(['fresh']);
  });
});
