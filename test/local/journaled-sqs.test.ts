import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteMessageBatchCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../local/servers.js';
import { startJournaledSqs } from '../../local/sqs/journaled-sqs.js';

const dir = mkdtempSync(join(tmpdir(), 'sqs-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const options = { journalFile: join(dir, 'sqs.journal'), region: 'us-east-1', accountId: '000000000000', credentials: LOCAL_CREDENTIALS };

async function bodies(client: SQSClient, url: string): Promise<string[]> {
  const out = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
  return (out.Messages ?? []).map((m) => m.Body ?? '').sort();
}

describe('journaled SQS', () => {
  it('brings back, after a restart, exactly the messages that were sent and not deleted', async () => {
    // Prepare: five messages sent (one batch), two of them deleted (one batch), one queue purged.
    const first = await startJournaledSqs(options);
    const url = (await first.client.send(new CreateQueueCommand({ QueueName: 'records' }))).QueueUrl ?? '';
    const other = (await first.client.send(new CreateQueueCommand({ QueueName: 'other' }))).QueueUrl ?? '';
    await first.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'm1' }));
    await first.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'm2' }));
    await first.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'm3' }, { Id: 'b', MessageBody: 'm4' }, { Id: 'c', MessageBody: 'm5' }] }));
    await first.client.send(new SendMessageCommand({ QueueUrl: other, MessageBody: 'x' }));
    const received = await first.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    const byBody = new Map((received.Messages ?? []).map((m) => [m.Body, m.ReceiptHandle]));
    await first.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: byBody.get('m2') }));
    await first.client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'd', ReceiptHandle: byBody.get('m4') }] }));
    await first.close(); // as abrupt as kill -9 for the journal: nothing is flushed at close

    // Act
    const second = await startJournaledSqs(options);
    const url2 = (await second.client.send(new CreateQueueCommand({ QueueName: 'records' }))).QueueUrl ?? '';
    const other2 = (await second.client.send(new CreateQueueCommand({ QueueName: 'other' }))).QueueUrl ?? '';
    const restored = await second.restore();

    // Assess
    expect(restored).toBe(4);
    expect(await bodies(second.client, url2)).toEqual(['m1', 'm3', 'm5']);
    expect(await bodies(second.client, other2)).toEqual(['x']);
    await second.close();

    // A third start restores the same messages again (they were journaled anew by the restore).
    const third = await startJournaledSqs(options);
    const url3 = (await third.client.send(new CreateQueueCommand({ QueueName: 'records' }))).QueueUrl ?? '';
    await third.client.send(new CreateQueueCommand({ QueueName: 'other' }));
    expect(await third.restore()).toBe(4);
    expect(await bodies(third.client, url3)).toEqual(['m1', 'm3', 'm5']);
    await third.close();
  });

  it('restores a FIFO queue in its order with group, deduplication ID and attributes, and thousands of messages at once', async () => {
    // Prepare: 30 FIFO messages of one group, and 2,500 messages left in a standard queue (what 2,500 finished
    // tasks' destination records leave); the restore puts them straight into the queues.
    const fifoOptions = { ...options, journalFile: join(dir, 'fifo.journal') };
    const first = await startJournaledSqs(fifoOptions);
    const fifo = (await first.client.send(new CreateQueueCommand({ QueueName: 'sink.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl ?? '';
    const many = (await first.client.send(new CreateQueueCommand({ QueueName: 'many' }))).QueueUrl ?? '';
    for (let i = 0; i < 30; i++) {
      await first.client.send(
        new SendMessageCommand({ QueueUrl: fifo, MessageBody: `f${i}`, MessageGroupId: 'g', MessageDeduplicationId: `d${i}`, MessageAttributes: { n: { DataType: 'Number', StringValue: String(i) } } }),
      );
    }
    for (let i = 0; i < 2500; i += 10) {
      await first.client.send(new SendMessageBatchCommand({ QueueUrl: many, Entries: Array.from({ length: 10 }, (_, j) => ({ Id: `e${j}`, MessageBody: `m${i + j}` })) }));
    }
    await first.close();

    // Act
    const second = await startJournaledSqs(fifoOptions);
    const fifo2 = (await second.client.send(new CreateQueueCommand({ QueueName: 'sink.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl ?? '';
    const many2 = (await second.client.send(new CreateQueueCommand({ QueueName: 'many' }))).QueueUrl ?? '';
    const restored = await second.restore();
    const order: string[] = [];
    for (let round = 0; round < 10 && order.length < 30; round++) {
      const out = await second.client.send(new ReceiveMessageCommand({ QueueUrl: fifo2, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], AttributeNames: ['All'] }));
      for (const m of out.Messages ?? []) {
        expect(m.Attributes?.MessageGroupId).toBe('g');
        expect(m.MessageAttributes?.n?.StringValue).toBe(m.Body?.slice(1));
        order.push(m.Body ?? '');
        await second.client.send(new DeleteMessageCommand({ QueueUrl: fifo2, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    const seen = new Set<string>();
    for (let round = 0; round < 400 && seen.size < 2500; round++) {
      const out = await second.client.send(new ReceiveMessageCommand({ QueueUrl: many2, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
      for (const m of out.Messages ?? []) seen.add(m.Body ?? '');
    }

    // Assess
    expect(restored).toBe(2530);
    expect(order).toEqual(Array.from({ length: 30 }, (_, i) => `f${i}`));
    expect(seen.size).toBe(2500);
    await second.close();
  });
});
