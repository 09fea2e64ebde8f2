import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvalidTransitionError, TaskConflictError, TaskNotFoundError } from './errors.js';
import { listTasks, type ListPage, type ListQuery } from './registry-list.js';
import { createdDayOf } from './registry-schema.js';
import { expiresAtOf, TASK_CONTRACT, type TransitionName, type ValueExpression } from './task-contract.js';
import type {
  ExpireInput,
  FailInput,
  RedriveInput,
  ResolveInput,
  RetryingInput,
  StartInput,
  SucceedInput,
  TransitionInput,
} from './registry-inputs.js';
import type { ObjectRef, TaskRecord } from './task-record.js';
import { renderTransition, transitionOf, type ValueEncoder } from './transition-expression.js';

export type { ListPage, ListQuery } from './registry-list.js';
export type * from './registry-inputs.js';

export interface RegistryOptions {
  /** How long a record is kept after its last terminal transition (TTL). @default 30 days */
  readonly retentionDays?: number;
  /** Injected clock, for tests. */
  readonly now?: () => Date;
}

export interface CreateTaskInput {
  readonly taskId: string;
  readonly function: string;
  readonly payload?: unknown;
  readonly payloadRef?: ObjectRef;
  readonly payloadHash: string;
  readonly payloadSizeBytes: number;
  readonly maxAttempts: number;
}

export interface CreateTaskResult {
  readonly task: TaskRecord;
  /** false when a task with this ID and the same payload already existed (a deduplicated submission). */
  readonly created: boolean;
}

/** The task registry: create-with-dedup, conditional transitions, heartbeats and index queries over DynamoDB. */
export class TaskRegistry {
  private readonly retentionDays: number;
  private readonly now: () => Date;

  constructor(
    /** The table's document client (the concurrency slots of long tasks share the table: admission.ts). */
    readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    options: RegistryOptions = {},
  ) {
    this.retentionDays = options.retentionDays ?? TASK_CONTRACT.retentionDays;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Creates the task unless its ID exists. One conditional PutItem: of any number of concurrent
   * submissions of one ID exactly one is created; the others get the existing task back (same
   * payload) or a TaskConflictError (different payload or function).
   */
  async create(input: CreateTaskInput): Promise<CreateTaskResult> {
    const at = this.now();
    const iso = at.toISOString();
    const record: TaskRecord = {
      taskId: input.taskId,
      function: input.function,
      status: 'QUEUED',
      events: [{ status: 'QUEUED', at: iso }],
      attempts: 0,
      maxAttempts: input.maxAttempts,
      createdAt: iso,
      updatedAt: iso,
      ...(input.payloadRef ? { payloadRef: input.payloadRef } : { payload: input.payload }),
      payloadHash: input.payloadHash,
      payloadSizeBytes: input.payloadSizeBytes,
      expiresAt: this.expiresAt(at),
      idHead: input.taskId.charAt(0),
      createdDay: createdDayOf(iso),
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
          ConditionExpression: 'attribute_not_exists(taskId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { task: record, created: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = (error.Item ? unmarshalled(error.Item) : undefined) ?? (await this.find(input.taskId));
      if (!existing) throw error; // deleted between the two calls (TTL): surface the original failure
      if (existing.payloadHash !== input.payloadHash || existing.function !== input.function) {
        throw new TaskConflictError(input.taskId, existing);
      }
      return { task: existing, created: false };
    }
  }

  async find(taskId: string): Promise<TaskRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { taskId }, ConsistentRead: true }));
    return out.Item as TaskRecord | undefined;
  }

  async get(taskId: string): Promise<TaskRecord> {
    const record = await this.find(taskId);
    if (!record) throw new TaskNotFoundError(taskId);
    return record;
  }

  /** The TTL of a record whose retention starts at `at` (epoch seconds). */
  expiresAt(at: Date = this.now()): number {
    return expiresAtOf(at, this.retentionDays);
  }

  /** QUEUED or RETRYING (or RUNNING of a dead or the same attempt) → RUNNING, owned by `executionRef`. */
  start(taskId: string, input: StartInput): Promise<TaskRecord> {
    return this.execute(taskId, 'start', input);
  }

  /** A terminal task → RUNNING again under the same execution (a Step Functions redrive). */
  redrive(taskId: string, input: RedriveInput): Promise<TaskRecord> {
    return this.execute(taskId, 'redrive', input);
  }

  /** RUNNING under `executionRef` → SUCCEEDED with its result. */
  succeed(taskId: string, input: SucceedInput): Promise<TaskRecord> {
    return this.execute(taskId, 'succeed', input);
  }

  /** RUNNING → RETRYING: the attempt failed and another comes. */
  retrying(taskId: string, input: RetryingInput): Promise<TaskRecord> {
    return this.execute(taskId, 'retrying', input);
  }

  /** RUNNING, QUEUED or RETRYING → FAILED. */
  fail(taskId: string, input: FailInput): Promise<TaskRecord> {
    return this.execute(taskId, 'fail', input);
  }

  /** RUNNING → STOPPING: the attempt stops at its next heartbeat (or its execution is stopped). */
  requestStop(taskId: string, input: TransitionInput = {}): Promise<TaskRecord> {
    return this.execute(taskId, 'requestStop', input);
  }

  /** STOPPING (or a task not yet running, or RUNNING under `executionRef`) → STOPPED. */
  stopped(taskId: string, input: ResolveInput = {}): Promise<TaskRecord> {
    return this.execute(taskId, 'stopped', input);
  }

  /** QUEUED or RETRYING → EXPIRED: it did not start within its maximum event age. */
  expire(taskId: string, input: ExpireInput = {}): Promise<TaskRecord> {
    return this.execute(taskId, 'expire', input);
  }

  /** FAILED, STOPPED or EXPIRED → QUEUED: the retry, without the fields of the attempts before it. */
  requeue(taskId: string, input: TransitionInput = {}): Promise<TaskRecord> {
    return this.execute(taskId, 'requeue', input);
  }

  /**
   * Executes one transition of the task contract as one conditional UpdateItem (the current status
   * must be one of its sources, with its requirements); throws InvalidTransitionError otherwise.
   */
  private async execute(taskId: string, name: TransitionName, input: TransitionInput): Promise<TaskRecord> {
    const at = this.now();
    const inputs = input as Readonly<Record<string, unknown>>;
    const rendered = renderTransition(name, plainEncoder(inputs, at.toISOString(), this.expiresAt(at)), input.from ? { from: input.from } : {});
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { taskId },
          UpdateExpression: rendered.updateExpression,
          ConditionExpression: rendered.conditionExpression,
          ExpressionAttributeNames: rendered.names,
          ExpressionAttributeValues: rendered.values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return out.Attributes as TaskRecord;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = (error.Item ? unmarshalled(error.Item) : undefined) ?? (await this.find(taskId));
      if (!current) throw new TaskNotFoundError(taskId);
      throw new InvalidTransitionError(taskId, current.status, transitionOf(name).to);
    }
  }

  /**
   * Records that the attempt `executionRef` is alive (and its progress). Returns the record, so the
   * caller sees a STOPPING request; returns undefined when the attempt no longer owns the task.
   */
  async heartbeat(
    taskId: string,
    executionRef: string,
    progress?: { percent: number; message?: string },
  ): Promise<TaskRecord | undefined> {
    const iso = this.now().toISOString();
    const values: Record<string, unknown> = { ':now': iso, ':ref': executionRef, ':running': 'RUNNING', ':stopping': 'STOPPING' };
    let update = 'SET heartbeatAt = :now';
    if (progress) {
      update += ', progress = :progress';
      values[':progress'] = { percent: progress.percent, at: iso, ...(progress.message ? { message: progress.message } : {}) };
    }
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { taskId },
          UpdateExpression: update,
          ConditionExpression: '#status IN (:running, :stopping) AND executionRef = :ref',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes as TaskRecord;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Sets fields on the record (a worker's result, error or plan) without changing its status, which
   * the orchestrator owns. Only the attempt `executionRef` may, and only while RUNNING or STOPPING.
   * Returns false when the attempt no longer owns the task.
   */
  async annotate(taskId: string, executionRef: string, fields: Readonly<Record<string, unknown>>): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':ref': executionRef, ':running': 'RUNNING', ':stopping': 'STOPPING', ':now': this.now().toISOString() };
    const sets = ['updatedAt = :now'];
    Object.entries(fields).forEach(([key, value], i) => {
      names[`#f${i}`] = key;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { taskId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#status IN (:running, :stopping) AND executionRef = :ref',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Records that the task's work was handed to its lane (`dispatchedAt`), once: a conditional write on a
   * QUEUED task without the mark. false when it was marked already or has left QUEUED. See dispatch.ts.
   */
  async markDispatched(taskId: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { taskId },
          UpdateExpression: 'SET dispatchedAt = :now',
          ConditionExpression: '#status = :queued AND attribute_not_exists(dispatchedAt)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':queued': 'QUEUED', ':now': this.now().toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Lists tasks with queries on the indexes (never a scan), newest first, a page at a time. */
  list(query: ListQuery): Promise<ListPage> {
    return listTasks(this.doc, this.tableName, query, this.now());
  }
}

/** The document client leaves ALL_OLD of a failed condition in DynamoDB JSON. */
function unmarshalled(item: Record<string, AttributeValue>): TaskRecord {
  return unmarshall(item) as TaskRecord;
}

/** Plain values for the document client: `$now` is the write's time, `$input.<name>` the caller's value. */
function plainEncoder(inputs: Readonly<Record<string, unknown>>, now: string, expiresAt: number): ValueEncoder<unknown> {
  const evaluate = (expression: ValueExpression): unknown => {
    if (expression === '$now') return now;
    if (typeof expression === 'string' && expression.startsWith('$input.')) return inputs[expression.slice('$input.'.length)];
    if (Array.isArray(expression)) return expression.map(evaluate);
    if (expression && typeof expression === 'object') {
      return Object.fromEntries(
        Object.entries(expression)
          .map(([key, value]) => [key, evaluate(value)] as const)
          .filter(([, value]) => value !== undefined),
      );
    }
    return expression;
  };
  return { has: (name) => inputs[name] !== undefined, encode: evaluate, expiresAt: () => expiresAt };
}
