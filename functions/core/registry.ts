import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { InvalidListQueryError, InvalidTransitionError, TaskConflictError, TaskNotFoundError } from './errors.js';
import { TASK_TABLE_INDEXES, TTL_ATTRIBUTE } from './registry-schema.js';
import { isTerminal, sourcesOf, type ObjectRef, type TaskRecord, type TaskStatus } from './task-record.js';

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

export interface TransitionOptions {
  /** Allowed current statuses. @default every status from which `to` may be reached */
  readonly from?: readonly TaskStatus[];
  readonly detail?: string;
  /** Extra attributes to set with the transition (result, error, progress, executionRef...). */
  readonly set?: Readonly<Record<string, unknown>>;
  /** Attributes to remove with the transition (a retry clears the last error). */
  readonly remove?: readonly string[];
  /** Only when the record's executionRef is this value: the attempt that owns the task. */
  readonly executionRef?: string;
  readonly incrementAttempts?: boolean;
  /** Appends to attemptRefs: the request IDs / execution ARNs of the task's attempts (for logs). */
  readonly appendAttemptRef?: string;
  /**
   * Also allow the transition from RUNNING when its heartbeat is older than this ISO time:
   * the previous attempt died (crash, timeout, out of memory) and cannot finish the task itself.
   */
  readonly orRunningWithHeartbeatBefore?: string;
  /**
   * Also allow the transition from RUNNING when the record's executionRef is this value: a retry of the
   * same invocation (Lambda retries keep the request ID and start only after the earlier attempt ended).
   */
  readonly orRunningWithExecutionRef?: string;
  /** Only when the last heartbeat is older than this ISO time (or absent): the attempt is not alive. */
  readonly onlyIfHeartbeatBefore?: string;
}

export interface ListQuery {
  readonly status?: TaskStatus;
  readonly function?: string;
  readonly prefix?: string;
  /** ISO-8601 lower bound of createdAt, inclusive. */
  readonly since?: string;
  /** ISO-8601 upper bound of createdAt, inclusive. */
  readonly until?: string;
  /** @default 50, at most 1000 */
  readonly limit?: number;
  readonly nextToken?: string;
}

export interface ListPage {
  readonly tasks: TaskRecord[];
  readonly nextToken?: string;
}

const DAY_SECONDS = 24 * 3600;

/** The task registry: create-with-dedup, conditional transitions, heartbeats and index queries over DynamoDB. */
export class TaskRegistry {
  private readonly retentionSeconds: number;
  private readonly now: () => Date;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    options: RegistryOptions = {},
  ) {
    this.retentionSeconds = (options.retentionDays ?? 30) * DAY_SECONDS;
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
      expiresAt: Math.floor(at.getTime() / 1000) + this.retentionSeconds,
      idHead: input.taskId.charAt(0),
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

  /**
   * Moves the task to `to` if, and only if, its current status allows it (one conditional
   * UpdateItem); appends the transition to events[]. Throws InvalidTransitionError otherwise.
   */
  async transition(taskId: string, to: TaskStatus, options: TransitionOptions = {}): Promise<TaskRecord> {
    const at = this.now();
    const iso = at.toISOString();
    const from = options.from ?? sourcesOf(to);
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ':to': to,
      ':now': iso,
      ':event': [{ status: to, at: iso, ...(options.detail ? { detail: options.detail } : {}) }],
      ':empty': [],
    };
    const sets = ['#status = :to', 'updatedAt = :now', 'events = list_append(if_not_exists(events, :empty), :event)'];
    if (to === 'RUNNING') sets.push('startedAt = :now', 'heartbeatAt = :now');
    if (isTerminal(to)) {
      sets.push('endedAt = :now', `${TTL_ATTRIBUTE} = :expires`);
      values[':expires'] = Math.floor(at.getTime() / 1000) + this.retentionSeconds;
    }
    if (options.incrementAttempts) {
      sets.push('attempts = if_not_exists(attempts, :zero) + :one');
      values[':zero'] = 0;
      values[':one'] = 1;
    }
    if (options.appendAttemptRef !== undefined) {
      sets.push('attemptRefs = list_append(if_not_exists(attemptRefs, :empty), :attemptRef)');
      values[':attemptRef'] = [options.appendAttemptRef];
    }
    Object.entries(options.set ?? {}).forEach(([key, value], i) => {
      names[`#s${i}`] = key;
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
    });
    const removes = (options.remove ?? []).map((key, i) => {
      names[`#r${i}`] = key;
      return `#r${i}`;
    });

    const fromList = from.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    let condition = from.length ? `#status IN (${fromList.join(', ')})` : 'attribute_not_exists(taskId)';
    if (options.executionRef !== undefined) {
      condition = `(${condition}) AND executionRef = :ref`;
      values[':ref'] = options.executionRef;
    }
    if (options.orRunningWithHeartbeatBefore !== undefined) {
      condition = `(${condition}) OR (#status = :running AND heartbeatAt < :stale)`;
      values[':running'] = 'RUNNING';
      values[':stale'] = options.orRunningWithHeartbeatBefore;
    }
    if (options.onlyIfHeartbeatBefore !== undefined) {
      condition = `(${condition}) AND (attribute_not_exists(heartbeatAt) OR heartbeatAt < :lapsedBefore)`;
      values[':lapsedBefore'] = options.onlyIfHeartbeatBefore;
    }
    if (options.orRunningWithExecutionRef !== undefined) {
      condition = `(${condition}) OR (#status = :running AND executionRef = :sameRef)`;
      values[':running'] = 'RUNNING';
      values[':sameRef'] = options.orRunningWithExecutionRef;
    }
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { taskId },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: `attribute_exists(taskId) AND (${condition})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return out.Attributes as TaskRecord;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = (error.Item ? unmarshalled(error.Item) : undefined) ?? (await this.find(taskId));
      if (!current) throw new TaskNotFoundError(taskId);
      throw new InvalidTransitionError(taskId, current.status, to);
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

  /** Lists tasks with queries on the indexes (never a scan), newest first, a page at a time. */
  async list(query: ListQuery): Promise<ListPage> {
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new InvalidListQueryError(`limit must be an integer from 1 to 1000, got ${limit}`);
    }
    const since = query.since === undefined ? undefined : isoTime(query.since, 'since');
    const until = query.until === undefined ? undefined : isoTime(query.until, 'until');
    if (since && until && since > until) throw new InvalidListQueryError(`since (${since}) is after until (${until})`);

    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const filters: string[] = [];
    let input: Omit<QueryCommandInput, 'TableName'>;
    const timeKey = (): string => {
      if (since && until) {
        values[':since'] = since;
        values[':until'] = until;
        return ' AND createdAt BETWEEN :since AND :until';
      }
      if (since) {
        values[':since'] = since;
        return ' AND createdAt >= :since';
      }
      if (until) {
        values[':until'] = until;
        return ' AND createdAt <= :until';
      }
      return '';
    };

    if (query.status !== undefined) {
      names['#status'] = 'status';
      values[':status'] = query.status;
      input = { IndexName: TASK_TABLE_INDEXES.byStatus, KeyConditionExpression: `#status = :status${timeKey()}` };
      if (query.function !== undefined) {
        names['#function'] = 'function';
        values[':function'] = query.function;
        filters.push('#function = :function');
      }
      if (query.prefix !== undefined) {
        values[':prefix'] = checkedPrefix(query.prefix);
        filters.push('begins_with(taskId, :prefix)');
      }
    } else if (query.function !== undefined) {
      names['#function'] = 'function';
      values[':function'] = query.function;
      input = { IndexName: TASK_TABLE_INDEXES.byFunction, KeyConditionExpression: `#function = :function${timeKey()}` };
      if (query.prefix !== undefined) {
        values[':prefix'] = checkedPrefix(query.prefix);
        filters.push('begins_with(taskId, :prefix)');
      }
    } else if (query.prefix !== undefined) {
      const prefix = checkedPrefix(query.prefix);
      values[':head'] = prefix.charAt(0);
      values[':prefix'] = prefix;
      input = {
        IndexName: TASK_TABLE_INDEXES.byIdPrefix,
        KeyConditionExpression: 'idHead = :head AND begins_with(taskId, :prefix)',
        ScanIndexForward: true,
      };
      const window = timeKey();
      if (window) filters.push(window.replace(/^ AND /, ''));
    } else {
      throw new InvalidListQueryError('give a status, a function or an ID prefix to list by (listing never scans the table)');
    }

    const tasks: TaskRecord[] = [];
    let startKey = decodeToken(query.nextToken);
    // DynamoDB applies Limit before the filter: keep querying until the page is full or the index ends.
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          ScanIndexForward: false,
          ...input,
          ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          Limit: limit - tasks.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      tasks.push(...((out.Items ?? []) as TaskRecord[]));
      startKey = out.LastEvaluatedKey;
    } while (startKey && tasks.length < limit);
    return { tasks, ...(startKey ? { nextToken: encodeToken(startKey) } : {}) };
  }
}

/** The document client leaves ALL_OLD of a failed condition in DynamoDB JSON. */
function unmarshalled(item: Record<string, AttributeValue>): TaskRecord {
  return unmarshall(item) as TaskRecord;
}

function isoTime(value: string, name: string): string {
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new InvalidListQueryError(`${name} is not a time: '${value}'`);
  return parsed.toISOString();
}

function checkedPrefix(prefix: string): string {
  if (prefix.length === 0 || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(prefix)) {
    throw new InvalidListQueryError(`ID prefix '${prefix}' is not the start of a valid task ID`);
  }
  return prefix;
}

const TOKEN_KEYS = new Set(['taskId', 'status', 'function', 'createdAt', 'idHead']);

function encodeToken(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeToken(token: string | undefined): Record<string, unknown> | undefined {
  if (token === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidListQueryError('nextToken is not a token returned by a previous list call');
  }
  if (
    !parsed ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    !Object.entries(parsed).every(([k, v]) => TOKEN_KEYS.has(k) && typeof v === 'string')
  ) {
    throw new InvalidListQueryError('nextToken is not a token returned by a previous list call');
  }
  return parsed as Record<string, unknown>;
}
