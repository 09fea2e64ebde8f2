// Admission of a long task's executions under its concurrency limit (`maxConcurrency`). A submitted task is
// marked waiting (`waitingExecution`, the name of the execution it will start) and stays QUEUED; admission then
// starts the oldest waiting tasks (the byStatus index, QUEUED, createdAt order) while a slot is free
// (concurrency-slots.ts): a slot first, then StartExecution, whose name makes a repeated start the same
// execution. Admission runs after each submission, when an execution ends (the admitter, on Step Functions'
// status-change event) and in every sweep (slot-reconcile.ts, the backstop for a crash or a lost event).
import { DescribeExecutionCommand, ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidTransitionError } from './errors.js';
import { ConcurrencySlots } from './concurrency-slots.js';
import type { TaskRegistry } from './registry.js';
import { TASK_TABLE_INDEXES } from './registry-schema.js';
import type { TaskInvocationEvent, TaskRecord } from './task-record.js';

/** A long task with a concurrency limit. */
export interface LimitedTask {
  readonly taskName: string;
  readonly stateMachineArn: string;
  readonly maxConcurrency: number;
}

export interface AdmissionConfig {
  readonly registry: TaskRegistry;
  readonly sfn: SFNClient;
}

/** The submitter's own task: admitted after the older ones, or at once when the index does not show it yet. */
export interface OwnTask {
  readonly event: TaskInvocationEvent;
  readonly name: string;
}

/** arn:aws:states:r:a:stateMachine:NAME → arn:aws:states:r:a:execution:NAME:EXECUTION */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export class Admission {
  readonly slots: ConcurrencySlots;

  constructor(private readonly config: AdmissionConfig) {
    this.slots = new ConcurrencySlots(config.registry.doc, config.registry.tableName);
  }

  /** Marks a QUEUED task waiting for `name`; false when it is no longer QUEUED (stopped, or started already). */
  async markWaiting(taskId: string, name: string): Promise<boolean> {
    try {
      await this.config.registry.doc.send(
        new UpdateCommand({
          TableName: this.config.registry.tableName,
          Key: { taskId },
          UpdateExpression: 'SET waitingExecution = :name',
          ConditionExpression: '#status = :queued',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':name': name, ':queued': 'QUEUED' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The waiting tasks of `taskName`, oldest first, a page at a time. */
  async *waiting(taskName: string): AsyncGenerator<TaskRecord & { readonly waitingExecution: string }> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.config.registry.doc.send(
        new QueryCommand({
          TableName: this.config.registry.tableName,
          IndexName: TASK_TABLE_INDEXES.byStatus,
          KeyConditionExpression: '#status = :queued',
          FilterExpression: '#function = :function AND attribute_exists(waitingExecution)',
          ExpressionAttributeNames: { '#status': 'status', '#function': 'function' },
          ExpressionAttributeValues: { ':queued': 'QUEUED', ':function': taskName },
          ScanIndexForward: true,
          Limit: 100,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) yield item as TaskRecord & { waitingExecution: string };
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  /**
   * Starts waiting tasks of `task`, oldest first, while a slot is free; returns the execution names it started.
   * A start that fails releases its slot: for `own` the error is thrown (its submitter fails the task), for
   * another task admission stops there and leaves it waiting for the next admission.
   */
  async admit(task: LimitedTask, own?: OwnTask): Promise<string[]> {
    const started: string[] = [];
    const holders = await this.slots.holders(task.taskName);
    let free = task.maxConcurrency - holders.size;
    let ownSeen = false;
    if (free > 0) {
      for await (const waiting of this.waiting(task.taskName)) {
        const isOwn = waiting.taskId === own?.event.taskId;
        ownSeen ||= isOwn;
        if (holders.has(waiting.waitingExecution)) continue;
        const outcome = await this.takeAndStart(task, eventOf(waiting), waiting.waitingExecution, isOwn);
        if (outcome === 'full') return started;
        if (outcome === 'failed') return started;
        if (outcome === 'taken') started.push(waiting.waitingExecution);
        if (outcome !== 'held' && --free <= 0) break;
      }
    }
    if (own && !ownSeen && free > 0 && (await this.takeAndStart(task, own.event, own.name, true)) === 'taken') started.push(own.name);
    return started;
  }

  private async takeAndStart(task: LimitedTask, event: TaskInvocationEvent, name: string, isOwn: boolean): Promise<'taken' | 'held' | 'full' | 'failed'> {
    const outcome = await this.slots.take(task.taskName, name, task.maxConcurrency);
    if (outcome !== 'taken') return outcome;
    try {
      await this.start(task, event, name);
      return 'taken';
    } catch (error) {
      await this.slots.release(task.taskName, name);
      if (isOwn) throw error;
      return 'failed';
    }
  }

  /**
   * StartExecution of an admitted task. The same name again is the same execution (a repeated start); a name
   * whose execution has ended while the task is still QUEUED can never start it: the task is FAILED, its slot
   * released.
   */
  async start(task: LimitedTask, event: TaskInvocationEvent, name: string): Promise<void> {
    const input = JSON.stringify({ ...event, expiresAt: this.config.registry.expiresAt() });
    try {
      await this.config.sfn.send(new StartExecutionCommand({ stateMachineArn: task.stateMachineArn, name, input }));
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
      const executionArn = executionArnOf(task.stateMachineArn, name);
      const { status } = await this.config.sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (status === 'RUNNING') return;
      await this.slots.release(task.taskName, name);
      await this.config.registry
        .fail(event.taskId, {
          from: ['QUEUED'],
          detail: `could not start after waiting: execution ${name} exists and has ended (${status})`,
          error: { type: 'InvokeFailed', message: `execution ${name} exists already and has ended; run retry for a new execution` },
        })
        .catch((failure: unknown) => {
          if (!(failure instanceof InvalidTransitionError)) throw failure;
        });
    }
  }

  /**
   * An execution of `task` ended: its slot is released and the oldest waiting tasks take the free slots. An
   * execution that ended without recording its task's outcome (a killed platform, an execution timeout) keeps
   * its slot while the task is RUNNING: the limit counts RUNNING tasks too, and the sweeper, once it resolves
   * the task (its heartbeats lapse), releases the slot in the same sweep (slot-reconcile.ts).
   */
  async ended(task: LimitedTask, name: string, taskId?: string): Promise<string[]> {
    if (!(await this.ownsRunningTask(task, name, taskId))) await this.slots.release(task.taskName, name);
    return this.admit(task);
  }

  /**
   * Whether the execution `name` is the owner of a task that is still RUNNING. Its task is `taskId` when known
   * (the execution input), else the name itself or the name without its retry suffix (`<id>-r<N>`); the owner
   * is the one whose executionRef is this execution.
   */
  async ownsRunningTask(task: LimitedTask, name: string, taskId?: string): Promise<boolean> {
    const executionArn = executionArnOf(task.stateMachineArn, name);
    for (const id of new Set(taskId ? [taskId] : [name, name.replace(/-r\d+$/, '')])) {
      const record = await this.config.registry.find(id);
      if (record?.status === 'RUNNING' && record.executionRef === executionArn) return true;
    }
    return false;
  }
}

/** The invocation event of a task record (its execution input, without the TTL). */
export function eventOf(task: TaskRecord): TaskInvocationEvent {
  return { taskId: task.taskId, task: task.function, ...(task.payloadRef ? { payloadRef: task.payloadRef } : { payload: task.payload }) };
}
