import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DEFAULT_DISPATCH_GRACE_MS, isUndispatched } from './dispatch.js';
import { InvalidPayloadError, InvalidTransitionError, TaskConflictError, UnknownTaskError } from './errors.js';
import { DEFAULT_MAX_ATTEMPTS } from './facts.js';
import type { PayloadJsonSchema, PayloadSchemas } from './payload-schema.js';
import { checkPayloadSize, DEFAULT_PAYLOAD_LIMITS, encodePayload, type PayloadLimits, type PayloadStore } from './payload.js';
import type { ListPage, ListQuery, TaskRegistry } from './registry.js';
import { generateTaskId, validateTaskId } from './task-id.js';
import type { TaskInvocationEvent, TaskRecord } from './task-record.js';

/** The lane a task runs in: a Lambda function (short) or a Step Functions state machine (long). */
export type TaskLane = 'lambda' | 'stepfunctions';

/** A short-lane task: one asynchronous Lambda invocation per attempt. */
export interface LambdaTaskTarget {
  /** @default 'lambda' */
  readonly kind?: 'lambda';
  readonly functionName: string;
  /** 1 + the function's retry attempts. @default DEFAULT_MAX_ATTEMPTS (Lambda's default of two retries) */
  readonly maxAttempts?: number;
}

/** A long-lane task: one Step Functions Standard execution per attempt. */
export interface StepFunctionsTaskTarget {
  readonly kind: 'stepfunctions';
  readonly stateMachineArn: string;
  /** @default DEFAULT_MAX_ATTEMPTS */
  readonly maxAttempts?: number;
  /** Executions that may run at a time; the others wait QUEUED (functions/core/admission.ts). @default no limit */
  readonly maxConcurrency?: number;
}

/** Where a task name runs, by lane. */
export type TaskTarget = LambdaTaskTarget | StepFunctionsTaskTarget;

/** Starts the work of a task; a lane may also stop it for real and start a retry its own way. */
export interface TaskInvoker {
  invoke(target: TaskTarget, event: TaskInvocationEvent): Promise<{ readonly executionRef?: string }>;
  /** Stops the running work itself (the long lane: StopExecution, which also stops its ECS task). */
  stop?(target: TaskTarget, task: TaskRecord): Promise<void>;
  /** Sends the record of a task stopped before it ran, when the lane has one to send (the long lane: `Stopped`). */
  stoppedBeforeStart?(target: TaskTarget, task: TaskRecord): Promise<void>;
  /** A retry the lane performs itself (the long lane: RedriveExecution where AWS allows it). */
  retry?(target: TaskTarget, task: TaskRecord, event: TaskInvocationEvent): Promise<TaskRecord>;
}

export class LambdaEventInvoker implements TaskInvoker {
  constructor(private readonly lambda: LambdaClient) {}

  async invoke(target: TaskTarget, event: TaskInvocationEvent): Promise<{ executionRef?: string }> {
    if (target.kind === 'stepfunctions') throw new Error(`task '${event.task}' runs on Step Functions, not on a Lambda function`);
    const out = await this.lambda.send(
      new InvokeCommand({
        FunctionName: target.functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
    const requestId = out.$metadata.requestId;
    return requestId ? { executionRef: requestId } : {};
  }
}

export interface TaskClientConfig {
  readonly registry: TaskRegistry;
  /** The short lane's invoker (Lambda). */
  readonly invoker: TaskInvoker;
  /** Invokers of other lanes, by target kind. */
  readonly invokers?: Partial<Record<TaskLane, TaskInvoker>>;
  /** Task name → where it runs. */
  readonly tasks: Readonly<Record<string, TaskTarget>>;
  /** Needed for payloads above limits.inlineMaxBytes (claim check). */
  readonly payloadStore?: PayloadStore;
  readonly limits?: PayloadLimits;
  /** How long a QUEUED task without its dispatch mark is left to its submitter (see dispatch.ts). @default 30 s */
  readonly dispatchGraceMs?: number;
  /** Task name → the JSON Schema of its payload (the PayloadSchema<Task> outputs): checked at submit. @default none */
  readonly payloadSchemas?: Readonly<Record<string, PayloadJsonSchema>>;
}

export interface SubmitInput {
  readonly task: string;
  readonly id?: string;
  readonly payload: unknown;
}

export interface SubmitResult {
  readonly task: TaskRecord;
  /** true when this ID was already submitted with the same payload: nothing new runs. */
  readonly deduplicated: boolean;
  /** true when that earlier submission had died before dispatching it: this one dispatched it. */
  readonly redispatched?: boolean;
}

/** Submit, inspect, list, stop and retry tasks: the API behind the CLI and the triggers. */
export class TaskClient {
  private readonly limits: PayloadLimits;
  private compiledSchemas?: Promise<PayloadSchemas>;

  constructor(private readonly config: TaskClientConfig) {
    this.limits = config.limits ?? DEFAULT_PAYLOAD_LIMITS;
  }

  /**
   * Everything is validated before anything is written: an unknown task, a bad ID or payload
   * leaves the registry untouched. A duplicate ID returns the existing task and starts nothing.
   */
  async submit(input: SubmitInput): Promise<SubmitResult> {
    const target = this.targetOf(input.task);
    const taskId = input.id === undefined ? generateTaskId() : validateTaskId(input.id);
    const encoded = encodePayload(input.payload);
    checkPayloadSize(encoded, this.limits);
    // A task that declares its schema refuses a payload that does not match, before anything is stored or started.
    if (this.config.payloadSchemas?.[input.task]) (await this.payloadSchemas()).check(input.task, JSON.parse(encoded.json));

    const inline = encoded.sizeBytes <= this.limits.inlineMaxBytes && !encoded.notInline;
    // Long-lane workers read their payload from the execution input: no claim check there (yet).
    if (!inline && (!this.config.payloadStore || target.kind === 'stepfunctions')) {
      if (encoded.notInline) throw new InvalidPayloadError(`payload cannot be stored in the task record: ${encoded.notInline} (and this task has no claim check); send such values as strings`);
      checkPayloadSize(encoded, { ...this.limits, maxBytes: this.limits.inlineMaxBytes });
    }
    const payloadRef = inline ? undefined : await this.config.payloadStore?.put('payloads', taskId, encoded);
    const { task, created } = await this.config.registry
      .create({
        taskId,
        function: input.task,
        ...(payloadRef ? { payloadRef } : { payload: JSON.parse(encoded.json) as unknown }),
        payloadHash: encoded.sha256,
        payloadSizeBytes: encoded.sizeBytes,
        maxAttempts: target.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      })
      .catch(async (error: unknown) => {
        // A conflict (another payload under this ID) keeps nothing of this submission: not its stored payload either.
        // The existing task's own object has another key (content-addressed), so it stays.
        if (payloadRef && error instanceof TaskConflictError) await this.config.payloadStore?.delete(payloadRef).catch(() => undefined);
        throw error;
      });
    if (!created) {
      const redispatched = isUndispatched(task, new Date(), this.config.dispatchGraceMs ?? DEFAULT_DISPATCH_GRACE_MS) && (await this.redispatch(task));
      return { task, deduplicated: true, ...(redispatched ? { redispatched } : {}) };
    }
    return { task: await this.start(task, target, 'submitted'), deduplicated: false };
  }

  /** The schemas, compiled on the first submit that needs them (the validator is loaded then, not at start-up). */
  private payloadSchemas(): Promise<PayloadSchemas> {
    this.compiledSchemas ??= import('./payload-schema.js').then(({ PayloadSchemas }) => new PayloadSchemas(this.config.payloadSchemas));
    return this.compiledSchemas;
  }

  get(taskId: string): Promise<TaskRecord> {
    return this.config.registry.get(validateTaskId(taskId));
  }

  list(query: ListQuery): Promise<ListPage> {
    return this.config.registry.list(query);
  }

  /**
   * A task that has not started is STOPPED at once; a running one is asked to stop (STOPPING) and
   * its runtime aborts the work at the next heartbeat and records STOPPED.
   */
  async stop(taskId: string): Promise<TaskRecord> {
    const task = await this.get(taskId);
    switch (task.status) {
      case 'QUEUED':
      case 'RETRYING': {
        const stopped = await this.config.registry.stopped(task.taskId, { from: [task.status], detail: 'stopped by request before it ran' });
        const target = this.targetOf(task.function);
        await this.invokerOf(target).stoppedBeforeStart?.(target, stopped);
        return stopped;
      }
      case 'RUNNING': {
        const stopping = await this.config.registry.requestStop(task.taskId, { detail: 'stop requested' });
        const target = this.targetOf(task.function);
        const invoker = this.invokerOf(target);
        if (!invoker.stop) return stopping; // the runtime aborts the work at its next heartbeat
        await invoker.stop(target, stopping);
        return this.config.registry.stopped(task.taskId, { from: ['STOPPING'], detail: 'stopped by request: its execution was stopped' });
      }
      case 'STOPPING':
        return task;
      default:
        throw new InvalidTransitionError(task.taskId, task.status, 'STOPPED');
    }
  }

  /** A new attempt of a FAILED, STOPPED or EXPIRED task, with the same ID and payload. */
  async retry(taskId: string): Promise<TaskRecord> {
    const task = await this.get(taskId);
    const target = this.targetOf(task.function);
    const invoker = this.invokerOf(target);
    if (invoker.retry) {
      if (!['FAILED', 'STOPPED', 'EXPIRED'].includes(task.status)) throw new InvalidTransitionError(task.taskId, task.status, 'QUEUED');
      return invoker.retry(target, task, this.eventOf(task));
    }
    const queued = await this.config.registry.requeue(task.taskId, { detail: `retry requested after ${task.status}` });
    return this.start(queued, target, 'retried');
  }

  private eventOf(task: TaskRecord): TaskInvocationEvent {
    return {
      taskId: task.taskId,
      task: task.function,
      ...(task.payloadRef ? { payloadRef: task.payloadRef } : { payload: task.payload }),
    };
  }

  private invokerOf(target: TaskTarget): TaskInvoker {
    const kind = target.kind ?? 'lambda';
    const invoker = kind === 'lambda' ? (this.config.invokers?.lambda ?? this.config.invoker) : this.config.invokers?.[kind];
    if (!invoker) throw new Error(`no invoker is configured for ${kind} tasks`);
    return invoker;
  }

  /**
   * Dispatches a QUEUED task whose submitter died before dispatching it (see dispatch.ts). Claims the
   * task with its dispatch mark first: false when another dispatcher has it, or it is no longer QUEUED.
   */
  async redispatch(task: TaskRecord): Promise<boolean> {
    if (!(await this.config.registry.markDispatched(task.taskId))) return false;
    await this.start(task, this.targetOf(task.function), 'submitted (dispatched again: its submitter stopped before dispatching it)', false);
    return true;
  }

  private async start(task: TaskRecord, target: TaskTarget, why: string, mark = true): Promise<TaskRecord> {
    const event = this.eventOf(task);
    try {
      await this.invokerOf(target).invoke(target, event);
      // The mark only spares a re-dispatch; without it (a failed write) the work is dispatched twice, which runs it once.
      if (mark) await this.config.registry.markDispatched(task.taskId).catch(() => false);
      return task;
    } catch (error) {
      // The task exists but nothing will run it: say so in the record instead of leaving it QUEUED.
      await this.config.registry.fail(task.taskId, {
        from: ['QUEUED'],
        detail: `could not start after being ${why}`,
        error: { type: 'InvokeFailed', message: (error as Error).message },
      });
      throw error;
    }
  }

  private targetOf(taskName: string): TaskTarget {
    const target = Object.hasOwn(this.config.tasks, taskName) ? this.config.tasks[taskName] : undefined;
    if (!target) throw new UnknownTaskError(taskName, Object.keys(this.config.tasks));
    return target;
  }
}
