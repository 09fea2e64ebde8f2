import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationRecord } from '../../../functions/core/destination-record.js';
import { TaskRegistry } from '../../../functions/core/registry.js';
import { failureRecordSender } from '../../../functions/core/sweeper-records.js';
import { sweepTasks } from '../../../functions/core/sweeper.js';
import { createTaskTable, startDynalite, startSqs, type EmbeddedDynamo, type EmbeddedSqs } from '../../support/embedded-servers.js';

let dynamo: EmbeddedDynamo;
let sqs: EmbeddedSqs;
beforeAll(async () => {
  [dynamo, sqs] = await Promise.all([startDynalite(), startSqs()]);
});
afterAll(async () => {
  await Promise.all([dynamo.close(), sqs.close()]);
});

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const STATE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:Transcode';
const executionOf = (taskId: string): string => `arn:aws:states:us-east-1:000000000000:execution:Transcode:${taskId}`;

async function received(url: string): Promise<DestinationRecord[]> {
  const out = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  return (out.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as DestinationRecord);
}

describe('failure records of the tasks the sweeper ends', () => {
  it('a long task cut by a platform crash ends FAILED with a RetriesExhausted record; a short one gets Lambda’s record, not a second one', async () => {
    // Prepare: two RUNNING tasks whose heartbeats stopped at 0 s, one long-lane (its executionRef an execution ARN), one short-lane.
    let now = at(0);
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo), { now: () => now });
    const queueUrl = await sqs.createQueue(`failures-${process.pid}`);
    for (const [taskId, ref] of [['long_cut', executionOf('long_cut')], ['short_cut', 'request-1']] as const) {
      await registry.create({ taskId, function: 'transcode', payload: { object: 'in/a b.mp4' }, payloadHash: taskId, payloadSizeBytes: 20, maxAttempts: 1 });
      await registry.start(taskId, { executionRef: ref });
    }
    now = at(30);

    // Act
    const result = await sweepTasks(registry, { heartbeatMs: 10_000, retryWindowMs: 60_000, queuedExpiryMs: 3_600_000, now, onTerminal: failureRecordSender(sqs.client, queueUrl) });
    const records = await received(queueUrl);

    // Assess
    expect(result.failed.sort()).toEqual(['long_cut', 'short_cut']);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      taskId: 'long_cut',
      requestContext: { requestId: executionOf('long_cut'), functionArn: STATE_MACHINE, condition: 'RetriesExhausted', approximateInvokeCount: 1 },
      requestPayload: { taskId: 'long_cut', task: 'transcode', payload: { object: 'in/a b.mp4' } },
      responseContext: { functionError: 'Unhandled' },
      responsePayload: { errorType: 'HeartbeatLapsed' },
    });
  });

  it('an unacknowledged stop of a long task ends STOPPED with a Stopped record', async () => {
    // Prepare
    let now = at(0);
    const registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo), { now: () => now });
    const queueUrl = await sqs.createQueue(`stops-${process.pid}`);
    await registry.create({ taskId: 'long_stop', function: 'transcode', payload: {}, payloadHash: 'h', payloadSizeBytes: 2, maxAttempts: 1 });
    await registry.start('long_stop', { executionRef: executionOf('long_stop') });
    await registry.requestStop('long_stop');
    now = at(30);

    // Act
    await sweepTasks(registry, { heartbeatMs: 10_000, retryWindowMs: 60_000, queuedExpiryMs: 3_600_000, now, onTerminal: failureRecordSender(sqs.client, queueUrl) });

    // Assess
    expect((await received(queueUrl)).map((r) => [r.taskId, r.requestContext.condition])).toEqual([['long_stop', 'Stopped']]);
  });
});
