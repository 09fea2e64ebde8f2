// The stream lane end to end on the real broker: mapping → operator (enrich-slow-queries) → idempotency →
// SQS FIFO sink, bad records to the DLQ, each batch a task in the registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrichSlowQuery } from '../../../functions/stream/enrich-slow-queries/enrich.js';
import type { RecordContext } from '../../../functions/stream/operator.js';
import { startDynalite, startSqs, type EmbeddedDynamo, type EmbeddedSqs } from '../../support/embedded-servers.js';
import { createTopic, produce, useBroker, waitFor } from '../../support/kafka.js';
import { drainQueue, drainRemaining, startStreamLane, type StreamLane } from '../../support/stream-lane.js';

const broker = useBroker();
let dynamo: EmbeddedDynamo;
let sqs: EmbeddedSqs;
const lanes: StreamLane[] = [];

beforeAll(async () => {
  dynamo = await startDynalite();
  sqs = await startSqs();
});
afterAll(async () => {
  await Promise.all(lanes.map((l) => l.stop()));
  await sqs?.close();
  await dynamo?.close();
});

const event = (i: number) => JSON.stringify({ host: `db${i % 3}`, db: 'shop', user: 'app', query_time: 1 + (i % 7) / 10, rows_examined: i * 10, sql: `SELECT * FROM orders WHERE id = ${i}`, ts: `2026-12-01T10:00:${String(i % 60).padStart(2, '0')}Z`, seq: i });

type Sunk = { seq: number; fingerprint: string; masked_sql: string; class: string; host: string };
type DlqBody = { requestPayload: { topic: string; partition: number; offset: number; value: string }; responsePayload: { errorType: string; errorMessage: string }; requestContext: { condition: string }; taskId: string };

describe('stream operator on the real broker', () => {
  it('1,000 records with one poison: 999 in the sink in partition order, the poison in the DLQ with its reason, lag 0', async () => {
    const topic = await createTopic(broker().bootstrap, 'slow', 2);
    const records = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: i === 500 ? '{"host": "db1", not json' : event(i), partition: i % 2 }));
    await produce(broker().bootstrap, topic, records);
    const lane = await startStreamLane({ bootstrap: broker().bootstrap, topic, dynamo, sqs, operator: (v) => enrichSlowQuery(v), mapping: { batchSize: 100 } });
    lanes.push(lane);
    const sunk = (await drainQueue(sqs, lane.sinkUrl, (b) => b.length >= 999)) as Sunk[];
    const dlq = (await drainQueue(sqs, lane.dlqUrl, (b) => b.length >= 1)) as DlqBody[];
    expect(sunk).toHaveLength(999);
    expect(new Set(sunk.map((s) => s.seq)).size).toBe(999);
    expect(sunk.find((s) => s.seq === 500)).toBeUndefined();
    expect(sunk[0]).toMatchObject({ fingerprint: 'select * from orders where id = ?', masked_sql: 'SELECT * FROM orders WHERE id = ?', class: 'select-star' });
    for (const p of [0, 1]) {
      const seqs = sunk.filter((s) => s.seq % 2 === p).map((s) => s.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    expect(dlq).toHaveLength(1);
    const [poison] = dlq;
    expect(poison?.requestPayload).toMatchObject({ topic, partition: 0, offset: 250 });
    expect(Buffer.from(poison?.requestPayload.value ?? '', 'base64').toString()).toBe('{"host": "db1", not json');
    expect(poison?.responsePayload).toMatchObject({ errorType: 'InvalidJsonError', errorMessage: expect.stringMatching(/^the record's value is not JSON/) });
    expect(poison?.taskId).toMatch(new RegExp(`^kafka_${topic.replace(/[^A-Za-z0-9_-]/g, '_')}-0-\\d+$`));
    await lane.mapping.idle();
    const lag = await waitFor(async () => {
      const l = await lane.mapping.lag();
      return Object.values(l).every((n) => n === 0) ? l : undefined;
    }, 30_000, 'lag 0');
    expect(lag).toEqual({ [`${topic}-0`]: 0, [`${topic}-1`]: 0 });
    const tasks = await lane.deps.registry.list({ function: 'enrich-slow-queries', limit: 100 });
    const counted = tasks.tasks.filter((t) => t.taskId.includes(topic.replace(/[^A-Za-z0-9_-]/g, '_')));
    expect(counted.length).toBeGreaterThanOrEqual(10);
    expect(counted.every((t) => t.status === 'SUCCEEDED')).toBe(true);
    const totals = counted.reduce((a, t) => { const r = t.result as { recordsIn: number; recordsOut: number; recordsFailed: number }; return { in: a.in + r.recordsIn, out: a.out + r.recordsOut, failed: a.failed + r.recordsFailed }; }, { in: 0, out: 0, failed: 0 });
    expect(totals).toEqual({ in: 1000, out: 999, failed: 1 });
  }, 180_000);

  it('a retryable failure that succeeds on the third attempt gives one sink message, no duplicate', async () => {
    const topic = await createTopic(broker().bootstrap, 'retry');
    await produce(broker().bootstrap, topic, Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: event(i) })));
    const attempts = new Map<number, number>();
    const operator = (value: unknown, record: RecordContext) => {
      const n = (attempts.get(record.offset) ?? 0) + 1;
      attempts.set(record.offset, n);
      if (record.offset === 2 && n < 3) throw new Error(`database busy (attempt ${n})`);
      return enrichSlowQuery(value);
    };
    const lane = await startStreamLane({ bootstrap: broker().bootstrap, topic, dynamo, sqs, operator, retryAttempts: 2 });
    lanes.push(lane);
    const sunk = (await drainQueue(sqs, lane.sinkUrl, (b) => b.length >= 5)) as Sunk[];
    await lane.mapping.idle();
    expect(sunk.map((s) => s.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(attempts.get(2)).toBe(3);
    expect(attempts.get(0)).toBe(1);
    const retried = await lane.deps.registry.get(`kafka_${topic.replace(/[^A-Za-z0-9_-]/g, '_')}-0-2`);
    expect(retried.status).toBe('SUCCEEDED');
    expect(retried.attempts).toBe(2);
  });

  it('a retryable failure that never succeeds ends in the DLQ after the retry attempts, and the partition goes on', async () => {
    const topic = await createTopic(broker().bootstrap, 'exhaust');
    await produce(broker().bootstrap, topic, Array.from({ length: 3 }, (_, i) => ({ value: event(i) })));
    const lane = await startStreamLane({
      bootstrap: broker().bootstrap, topic, dynamo, sqs, retryAttempts: 1,
      operator: (v, r) => { if (r.offset === 1) throw new Error('downstream timeout'); return enrichSlowQuery(v); },
    });
    lanes.push(lane);
    const sunk = (await drainQueue(sqs, lane.sinkUrl, (b) => b.length >= 2)) as Sunk[];
    const dlq = (await drainQueue(sqs, lane.dlqUrl, (b) => b.length >= 1)) as DlqBody[];
    expect(sunk.map((s) => s.seq)).toEqual([0, 2]);
    expect(dlq[0]).toMatchObject({ requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 }, responsePayload: { errorMessage: 'downstream timeout' }, retryable: true });
  });

  it('a redelivered batch is not applied twice: every record is skipped as a duplicate', async () => {
    const topic = await createTopic(broker().bootstrap, 'redeliver');
    await produce(broker().bootstrap, topic, Array.from({ length: 20 }, (_, i) => ({ value: event(i) })));
    const first = await startStreamLane({ bootstrap: broker().bootstrap, topic, dynamo, sqs, operator: (v) => enrichSlowQuery(v), mapping: { consumerGroupId: `g1-${topic}` } });
    lanes.push(first);
    await drainQueue(sqs, first.sinkUrl, (b) => b.length >= 20);
    await first.mapping.idle();
    // A second group replays the topic from the start: the redelivery a crash before the commit causes.
    const replay = await startStreamLane({ bootstrap: broker().bootstrap, topic, dynamo, sqs, reuse: first, operator: (v) => enrichSlowQuery(v), mapping: { consumerGroupId: `g2-${topic}` } });
    lanes.push(replay);
    await waitFor(() => (replay.mapping.stats.recordsIn >= 20 ? true : undefined), 30_000, 'the replay');
    await replay.mapping.idle();
    const again = await drainRemaining(sqs, first.sinkUrl);
    expect(again).toEqual([]);
    const tasks = await first.deps.registry.list({ function: 'enrich-slow-queries', limit: 200 });
    const mine = tasks.tasks.filter((t) => t.taskId.includes(topic.replace(/[^A-Za-z0-9_-]/g, '_')));
    expect(mine.reduce((n, t) => n + ((t.result as { recordsOut: number }).recordsOut), 0)).toBe(20);
  });

  it('bad input: garbage bytes and a record missing fields go to the DLQ with the reason, nothing lost', async () => {
    const topic = await createTopic(broker().bootstrap, 'bad');
    await produce(broker().bootstrap, topic, [
      { value: Buffer.from([0xff, 0xfe, 0x00, 0x81]) },
      { value: JSON.stringify({ host: 'db1', sql: 'select 1' }) },
      { value: event(7) },
    ]);
    const lane = await startStreamLane({ bootstrap: broker().bootstrap, topic, dynamo, sqs, operator: (v) => enrichSlowQuery(v) });
    lanes.push(lane);
    const dlq = (await drainQueue(sqs, lane.dlqUrl, (b) => b.length >= 2)) as DlqBody[];
    const sunk = (await drainQueue(sqs, lane.sinkUrl, (b) => b.length >= 1)) as Sunk[];
    expect(sunk.map((s) => s.seq)).toEqual([7]);
    const byOffset = new Map(dlq.map((d) => [d.requestPayload.offset, d]));
    expect(byOffset.get(0)?.responsePayload.errorType).toBe('InvalidJsonError');
    expect([...Buffer.from(byOffset.get(0)?.requestPayload.value ?? '', 'base64')]).toEqual([0xff, 0xfe, 0x00, 0x81]);
    expect(byOffset.get(1)?.responsePayload).toMatchObject({ errorType: 'NonRetryableError' });
    expect(byOffset.get(1)?.responsePayload.errorMessage).toMatch(/db: .*query_time: .*rows_examined/);
  });
});
