// Dead-letter redrive (functions/core/dead-letter.ts) against the embedded SQS server: what is redriven is
// deleted, what is not stays in the queue, visible again, and is reported with its reason.
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redriveDeadLetters } from '../../../functions/core/dead-letter.js';
import { buildDestinationRecord } from '../../../functions/core/destination-record.js';
import { startSqs, type EmbeddedSqs } from '../../support/embedded-servers.js';

let sqs: EmbeddedSqs;
let queues = 0;

beforeAll(async () => {
  sqs = await startSqs();
});

afterAll(async () => {
  await sqs.close();
});

function failureRecord(taskId: string, task: string, errorType = 'Error'): string {
  return JSON.stringify(
    buildDestinationRecord({
      taskId,
      requestId: `req-${taskId}`,
      functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${task}`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
      requestPayload: { taskId, task, payload: {} },
      response: { error: { errorType, errorMessage: 'boom' } },
    }),
  );
}

async function queueWith(bodies: string[]): Promise<string> {
  const url = await sqs.createQueue(`dlq-${process.pid}-${++queues}`);
  for (const body of bodies) await sqs.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
  return url;
}

async function remaining(url: string): Promise<string[]> {
  const out = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  return (out.Messages ?? []).map((m) => m.Body ?? '');
}

describe('redriveDeadLetters', () => {
  it('retries each failed task once, deletes its records, and leaves stopped, refused and foreign records', async () => {
    // Prepare
    const stopped = failureRecord('t_stopped', 'work', 'TaskStopped');
    const refused = failureRecord('t_refused', 'work');
    const other = failureRecord('t_other', 'other-function');
    const url = await queueWith([failureRecord('t_a', 'work'), failureRecord('t_a', 'work'), stopped, refused, other, 'not json']);
    const retried: string[] = [];
    // Act
    const report = await redriveDeadLetters({
      sqs: sqs.client,
      queueUrl: url,
      function: 'work',
      startedAt: Date.now() + 60_000,
      retry: async (taskId) => {
        if (taskId === 't_refused') throw new Error('task is RUNNING');
        retried.push(taskId);
      },
      explain: (taskId, error) => `${taskId}: ${(error as Error).message}`,
    });
    // Assess
    expect(retried).toEqual(['t_a']);
    expect(report.redriven).toEqual(['t_a']);
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        { taskId: 't_stopped', reason: 'it was stopped on request; to run it again: stask retry t_stopped' },
        { taskId: 't_refused', reason: 't_refused: task is RUNNING' },
        { taskId: null, reason: expect.stringMatching(/^the message is not JSON \(message /) as unknown as string },
      ]),
    );
    expect(report.skipped).toHaveLength(3);
    expect((await remaining(url)).sort()).toEqual([stopped, refused, other, 'not json'].sort());
  });

  it('leaves records sent after it started for the next run', async () => {
    // Prepare
    const record = failureRecord('t_late', 'work');
    const url = await queueWith([record]);
    // Act
    const report = await redriveDeadLetters({ sqs: sqs.client, queueUrl: url, startedAt: 0, retry: () => Promise.resolve() });
    // Assess
    expect(report).toEqual({ redriven: [], skipped: [] });
    expect(await remaining(url)).toEqual([record]);
  });
});
