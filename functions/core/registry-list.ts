// Listing tasks: queries on the registry's indexes (never a scan), newest first, a page at a time.
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidListQueryError } from './errors.js';
import { TASK_TABLE_INDEXES } from './registry-schema.js';
import { checkedToken, decodeToken, encodeToken, type TOKEN_KEYS_OF_INDEX } from './registry-page-token.js';
import { listRecent } from './registry-recent.js';
import type { TaskRecord, TaskStatus } from './task-record.js';

export interface ListQuery {
  readonly status?: TaskStatus;
  readonly function?: string;
  readonly prefix?: string;
  /**
   * Neither status, function nor prefix: the most recent tasks of every function and status (the
   * byCreatedDay index, day bucket by day bucket). Its window defaults to the last day.
   */
  readonly all?: boolean;
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

/** Lists tasks with queries on the indexes (never a scan), newest first, a page at a time. */
export async function listTasks(doc: DynamoDBDocumentClient, tableName: string, query: ListQuery, now: Date = new Date()): Promise<ListPage> {
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidListQueryError(`limit must be an integer from 1 to 1000, got ${limit}`);
  }
  const since = query.since === undefined ? undefined : isoTime(query.since, 'since');
  const until = query.until === undefined ? undefined : isoTime(query.until, 'until');
  if (since && until && since > until) throw new InvalidListQueryError(`since (${since}) is after until (${until})`);
  if (query.all && query.status === undefined && query.function === undefined && query.prefix === undefined) {
    return listRecent(doc, tableName, { limit, since, until, nextToken: query.nextToken }, now);
  }

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
    throw new InvalidListQueryError('give a status, a function, an ID prefix or all to list by (listing never scans the table)');
  }

  const tasks: TaskRecord[] = [];
  const index = input.IndexName as keyof typeof TOKEN_KEYS_OF_INDEX;
  let startKey = checkedToken(decodeToken(query.nextToken), index);
  // DynamoDB applies Limit before the filter: keep querying until the page is full or the index ends.
  do {
    const out = await doc.send(
      new QueryCommand({
        TableName: tableName,
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
