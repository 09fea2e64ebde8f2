// stask produce / stask streams on a real broker (endpoints.json as `stask dev` writes it), and their bad input.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consumer } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cli/main.js';
import { streamRecordOf } from '../../functions/stream/dlq-record.js';
import { buildDlqRecord } from '../../functions/stream/dlq-record.js';
import { createTopic, useBroker } from '../support/kafka.js';
import { fakeIO } from './fake-io.js';

const broker = useBroker();
let dataDir: string;
let topic: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'stask-streams-'));
  topic = await createTopic(broker().bootstrap, 'cli');
  writeFileSync(join(dataDir, 'endpoints.json'), JSON.stringify({
    region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, endpoints: {}, outputs: {}, pid: process.pid,
    streams: [{ id: 'Esm', functionName: 'enrich-slow-queries', topic, groupId: 'g', bootstrap: broker().bootstrap }],
  }));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function readTopic(name: string, count: number): Promise<string[]> {
  const consumer = new Consumer({ clientId: 't', groupId: `read-${name}-${Date.now()}`, bootstrapBrokers: [broker().bootstrap] });
  const stream = await consumer.consume({ topics: [name], mode: 'earliest', autocommit: false, maxWaitTime: 100 });
  const values: string[] = [];
  for await (const m of stream) { values.push(m.value.toString()); if (values.length >= count) break; }
  await stream.close();
  await consumer.close(true);
  return values;
}

describe('stask produce', () => {
  it('sends one --value, or one record per line of a JSONL file', async () => {
    const file = join(dataDir, 'events.jsonl');
    writeFileSync(file, '{"a":1}\n\n{"a":2}\n');
    const io = fakeIO();
    expect(await main(['produce', topic, '--value', '{"a":0}', '--key', 'k', '--data-dir', dataDir], io)).toBe(0);
    expect(await main(['produce', topic, '--file', file, '--data-dir', dataDir], io)).toBe(0);
    expect(io.out()).toContain('produced 2 record(s)');
    expect(await readTopic(topic, 3)).toEqual(['{"a":0}', '{"a":1}', '{"a":2}']);
  });

  it.each([
    [['produce', 'nope-topic', '--value', 'x'], /topic 'nope-topic' does not exist/],
    [['produce', 'x'], /exactly one of --value V or --file F.jsonl/],
    [['produce', 'x', '--value', 'a', '--file', 'f'], /exactly one of/],
    [['produce', 'x', '--file', '/no/such/file.jsonl'], /cannot read/],
    [['produce', 'x', '--value', 'y'.repeat(1_048_589)], /accepts at most 1048588. Nothing was sent/],
  ])('refuses %j with a clear error (exit 2)', async (argv, message) => {
    const io = fakeIO();
    expect(await main([...argv, '--data-dir', dataDir], io)).toBe(2);
    expect(io.err()).toMatch(message);
  });

  it('says why it cannot reach a deployed stack, and when no platform runs', async () => {
    const io = fakeIO();
    expect(await main(['produce', 't', '--value', 'v', '--stack', 'ServerlessTask'], io)).toBe(1);
    expect(io.err()).toMatch(/MSK IAM auth/);
    const none = fakeIO();
    expect(await main(['produce', 't', '--value', 'v', '--data-dir', join(dataDir, 'absent')], none)).toBe(1);
    expect(none.err()).toMatch(/stask dev/);
  });
});

describe('redrive of a stream DLQ record', () => {
  it('reads the Kafka record back out of the destination record (key, value bytes, headers)', () => {
    const body = JSON.stringify(buildDlqRecord({
      record: { topic: 'slow', partition: 1, offset: 7, timestamp: 1, key: Buffer.from('k1').toString('base64'), value: Buffer.from([0xff, 0x00]).toString('base64'), headers: [{ h: [104, 105] }] },
      error: new Error('bad'), taskId: 'kafka_slow-1-0', function: 'enrich-slow-queries', requestId: 'r', functionArn: 'arn', attempts: 1, retryable: false,
    }));
    const r = streamRecordOf(body);
    expect(r?.recordKey).toBe('slow-1-7');
    expect(r?.function).toBe('enrich-slow-queries');
    expect(r?.key?.toString()).toBe('k1');
    expect([...(r?.value ?? [])]).toEqual([0xff, 0x00]);
    expect([...(r?.headers ?? new Map()).entries()].map(([k, v]) => [k.toString(), v.toString()])).toEqual([['h', 'hi']]);
    expect(streamRecordOf(JSON.stringify({ taskId: 'x', requestPayload: { taskId: 'x' } }))).toBeUndefined();
  });
});
