import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Admission, executionArnOf, type LimitedTask } from './admission.js';
import { buildDestinationRecord } from './destination-record.js';
import { executionNameOf } from './execution-name.js';
import type { TaskRegistry } from './registry.js';
import type { StepFunctionsTaskTarget, TaskInvoker, TaskTarget } from './task-client.js';
import type { TaskInvocationEvent, TaskRecord } from './task-record.js';

export interface StepFunctionsInvokerConfig {
  readonly sfn: SFNClient;
  readonly registry: TaskRegistry;
  /** Where a stopped task's `Stopped` failure record goes (the state machine cannot send it once stopped). */
  readonly sqs: SQSClient;
  readonly failureQueueUrl: string;
}

/** A long-lane execution's input: the invocation event, and the TTL its terminal states write (epoch seconds). */
export interface LongTaskInput extends TaskInvocationEvent {
  readonly expiresAt: number;
}

/**
 * The long lane: one Step Functions Standard execution per attempt, named after the task ID so that a
 * duplicate start is the same execution. Stop stops the execution (and with it its ECS task) and sends
 * the `Stopped` record; retry redrives the execution where AWS allows it, else starts a new one.
 */
export class StepFunctionsInvoker implements TaskInvoker {
  private readonly admission: Admission;

  constructor(private readonly config: StepFunctionsInvokerConfig) {
    this.admission = new Admission({ registry: config.registry, sfn: config.sfn });
  }

  async invoke(target: TaskTarget, event: TaskInvocationEvent, attempt = 0): Promise<{ executionRef: string }> {
    const stateMachineArn = stateMachineOf(target, event.task);
    const name = executionNameOf(event.taskId, attempt);
    const limited = limitedOf(target, event.task);
    if (limited) {
      // Under a concurrency limit: the task waits QUEUED for its execution, and admission starts the oldest
      // waiting ones while slots are free (this one too, when its turn has come). A task that left QUEUED
      // meanwhile (stopped) is not started.
      if (await this.admission.markWaiting(event.taskId, name)) await this.admission.admit(limited, { event, name });
      return { executionRef: executionArnOf(stateMachineArn, name) };
    }
    try {
      // expiresAt: the TTL the execution's terminal registry states write (lib/constructs/registry-states.ts,
      // EXPIRES_AT_PATH): Step Functions has no epoch-seconds clock of its own.
      const input: LongTaskInput = { ...event, expiresAt: this.config.registry.expiresAt() };
      const out = await this.config.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
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
    await this.sendStopped(target, task, executionArn);
  }

  /**
   * A task stopped while QUEUED (waiting for a slot, or before its execution marked it RUNNING): no execution
   * will send its record, so the `Stopped` record is sent here. An execution started meanwhile finds the task
   * STOPPED and ends without running the work.
   */
  async stoppedBeforeStart(target: TaskTarget, task: TaskRecord): Promise<void> {
    await this.sendStopped(target, task, executionArnOf(stateMachineOf(target, task.function), task.waitingExecution ?? executionNameOf(task.taskId)));
  }

  private async sendStopped(target: TaskTarget, task: TaskRecord, executionArn: string): Promise<void> {
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
    // Under a concurrency limit a redrive needs a slot too; without a free one the retry waits as a new execution.
    const limited = limitedOf(target, task.function);
    const slot = executionArn && limited ? executionArn.slice(executionArn.lastIndexOf(':') + 1) : undefined;
    const redrivable = executionArn && (status === 'ABORTED' || status === 'TIMED_OUT');
    const slotFree = !redrivable || !limited || !slot || (await this.admission.slots.take(limited.taskName, slot, limited.maxConcurrency)) !== 'full';
    if (executionArn && redrivable && slotFree) {
      const running = await this.config.registry.redrive(task.taskId, {
        from: [task.status],
        executionRef: executionArn,
        detail: `redrive of execution ${executionArn}`,
      });
      try {
        await this.config.sfn.send(new RedriveExecutionCommand({ executionArn }));
        return running;
      } catch (error) {
        if (limited && slot) await this.admission.slots.release(limited.taskName, slot);
        // Back to where it was: the same terminal transition again, with the error it had.
        const detail = `redrive refused: ${(error as Error).message}; run retry again for a new execution`;
        const back = { from: ['RUNNING'] as const, executionRef: executionArn, detail };
        if (task.status === 'STOPPED') await this.config.registry.stopped(task.taskId, back);
        else await this.config.registry.fail(task.taskId, { ...back, error: task.error ?? { type: 'RedriveRefused', message: detail } });
        throw error;
      }
    }
    const queued = await this.config.registry.requeue(task.taskId, { detail: `retry requested after ${task.status}: a new execution` });
    await this.invoke(target, event, (task.attemptRefs?.length ?? task.attempts) || 1);
    // Dispatched (the TaskClient marks submissions): a re-dispatch would start the first attempt's name again.
    await this.config.registry.markDispatched(task.taskId).catch(() => false);
    return queued;
  }
}

/** The target's concurrency limit, when it has one. */
function limitedOf(target: TaskTarget, task: string): LimitedTask | undefined {
  const { maxConcurrency, stateMachineArn } = target as StepFunctionsTaskTarget;
  return target.kind === 'stepfunctions' && maxConcurrency !== undefined ? { taskName: task, stateMachineArn, maxConcurrency } : undefined;
}

function stateMachineOf(target: TaskTarget, task: string): string {
  if (target.kind !== 'stepfunctions') throw new Error(`task '${task}' has no state machine`);
  return target.stateMachineArn;
}
