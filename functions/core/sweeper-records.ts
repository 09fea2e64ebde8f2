// The failure record of a long-lane task the sweeper ended (its execution died with the platform, a stop
// nobody acknowledged, a retry that never came): every terminal failure sends one, in the destination
// format, to the failure queue — the state machine that would have sent it is gone. Short-lane tasks are
// left out: Lambda itself sends their record when the invocation that died is retried out or ages out.
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { buildDestinationRecord, type DestinationCondition, type DestinationRecord } from './destination-record.js';
import type { TaskRecord } from './task-record.js';

const CONDITIONS: Readonly<Partial<Record<TaskRecord['status'], DestinationCondition>>> = {
  FAILED: 'RetriesExhausted',
  STOPPED: 'Stopped',
  EXPIRED: 'EventAgeExceeded',
};

/** A long-lane task's executionRef is its execution ARN; its state machine is the record's functionArn, as in the state machine's own records. */
function stateMachineOf(task: TaskRecord): string | undefined {
  const execution = /^(arn:[^:]+:states:[^:]*:[^:]*):execution:([^:]+):/.exec(task.executionRef ?? '');
  return execution ? `${execution[1]}:stateMachine:${execution[2]}` : undefined;
}

export function sweptFailureRecord(task: TaskRecord, now = new Date()): DestinationRecord | undefined {
  const condition = CONDITIONS[task.status];
  const stateMachineArn = stateMachineOf(task);
  if (!condition || !stateMachineArn) return undefined;
  return buildDestinationRecord({
    taskId: task.taskId,
    requestId: task.executionRef ?? task.taskId,
    functionArn: stateMachineArn,
    condition,
    approximateInvokeCount: Math.max(task.attempts, condition === 'EventAgeExceeded' ? 0 : 1),
    requestPayload: { taskId: task.taskId, task: task.function, ...(task.payloadRef ? { payloadRef: task.payloadRef } : { payload: task.payload }) },
    response: { error: { errorType: task.error?.type ?? 'TaskFailed', errorMessage: task.error?.message ?? task.status } },
    timestamp: now,
  });
}

/** Sends the failure record of each task the sweeper ended to the failure queue. */
export function failureRecordSender(sqs: SQSClient, queueUrl: string): (task: TaskRecord) => Promise<void> {
  return async (task) => {
    const record = sweptFailureRecord(task);
    if (!record) return;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }));
  };
}
