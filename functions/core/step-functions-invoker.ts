import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { buildDestinationRecord } from './destination-record.js';
import { executionNameOf } from './execution-name.js';
import type { TaskRegistry } from './registry.js';
import type { TaskInvoker, TaskTarget } from './task-client.js';
import { FIELDS_CLEARED_BY_RETRY, type TaskInvocationEvent, type TaskRecord } from './task-record.js';

export interface StepFunctionsInvokerConfig {
  readonly sfn: SFNClient;
  readonly registry: TaskRegistry;
  /** Where a stopped task's `Stopped` failure record goes (the state machine cannot send it once stopped). */
  readonly sqs: SQSClient;
  readonly failureQueueUrl: string;
}

/**
 * The long lane: one Step Functions Standard execution per attempt, named after the task ID so that a
 * duplicate start is the same execution. Stop stops the execution (and with it its ECS task) and sends
 * the `Stopped` record; retry redrives the execution where AWS allows it, else starts a new one.
 */
export class StepFunctionsInvoker implements TaskInvoker {
  constructor(private readonly config: StepFunctionsInvokerConfig) {}

  async invoke(target: TaskTarget, event: TaskInvocationEvent, attempt = 0): Promise<{ executionRef: string }> {
    const stateMachineArn = stateMachineOf(target, event.task);
    const name = executionNameOf(event.taskId, attempt);
    try {
      const out = await this.config.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(event) }));
      return { executionRef: out.executionArn ?? '' };
    } catch (error) {
      // Started already (a duplicate that got past the registry): it is the same execution.
      if (error instanceof ExecutionAlreadyExists) return { executionRef: executionArnOf(stateMachineArn, name) };
      throw error;
    }
  }

  async stop(target: TaskTarget, task: TaskRecord): Promise<void> {
    const executionArn = task.executionRef ?? executionArnOf(stateMachineOf(target, task.function), executionNameOf(task.taskId));
    await this.config.sfn.send(new StopExecutionCommand({ executionArn, error: 'TaskStopped', cause: 'stopped by request' }));
    const record = buildDestinationRecord({
      taskId: task.taskId,
      requestId: executionArn,
      functionArn: stateMachineOf(target, task.function),
      condition: 'Stopped',
      approximateInvokeCount: Math.max(1, task.attempts),
      requestPayload: { taskId: task.taskId, task: task.function, ...(task.payloadRef ? { payloadRef: task.payloadRef } : { payload: task.payload }) },
      response: { error: { errorType: 'TaskStopped', errorMessage: 'stopped by request' } },
    });
    await this.config.sqs.send(new SendMessageCommand({ QueueUrl: this.config.failureQueueUrl, MessageBody: JSON.stringify(record) }));
  }

  async retry(target: TaskTarget, task: TaskRecord, event: TaskInvocationEvent): Promise<TaskRecord> {
    const executionArn = task.executionRef;
    const status = executionArn ? (await this.config.sfn.send(new DescribeExecutionCommand({ executionArn }))).status : undefined;
    // Redrive resumes at the state that did not finish: for a stopped or timed-out execution that is the
    // work itself. A failure that went through the Catch path ended in a Fail state, where a redrive would
    // only fail again: that takes a new execution.
    if (executionArn && (status === 'ABORTED' || status === 'TIMED_OUT')) {
      const running = await this.config.registry.transition(task.taskId, 'RUNNING', {
        from: [task.status],
        incrementAttempts: true,
        appendAttemptRef: executionArn,
        set: { executionRef: executionArn },
        remove: ['error', 'endedAt'],
        detail: `redrive of execution ${executionArn}`,
      });
      try {
        await this.config.sfn.send(new RedriveExecutionCommand({ executionArn }));
        return running;
      } catch (error) {
        await this.config.registry.transition(task.taskId, task.status, {
          from: ['RUNNING'],
          detail: `redrive refused: ${(error as Error).message}; run retry again for a new execution`,
        });
        throw error;
      }
    }
    const queued = await this.config.registry.transition(task.taskId, 'QUEUED', {
      from: ['FAILED', 'STOPPED', 'EXPIRED'],
      detail: `retry requested after ${task.status}: a new execution`,
      remove: [...FIELDS_CLEARED_BY_RETRY, 'plan'],
    });
    await this.invoke(target, event, (task.attemptRefs?.length ?? task.attempts) || 1);
    return queued;
  }
}

function stateMachineOf(target: TaskTarget, task: string): string {
  if (target.kind !== 'stepfunctions') throw new Error(`task '${task}' has no state machine`);
  return target.stateMachineArn;
}

/** arn:aws:states:r:a:stateMachine:NAME → arn:aws:states:r:a:execution:NAME:EXECUTION */
function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
