// The listing of every function and status (bare `stask ls`): the most recent tasks, newest first, in a time
// window, with Queries on the byCreatedDay index, one UTC day bucket after the other — never a Scan.
//
// The index is keys only (see lib/constructs/task-registry.ts): a page's keys come from the Queries, its records
// from BatchGetItem, in the order of the keys. A record deleted in between (TTL) is left out of its page.
//
// Page token: the index's LastEvaluatedKey (`taskId`, `createdDay`, `createdAt`) when a page ends inside a day
// bucket, or `{ createdDay }` alone when it ends with one: the next page starts at the top of that older day.
//
// Records created before the registry wrote `createdDay` have none, so they are absent from this listing (they
// still list by status, by function and by ID prefix) and leave the table with their TTL (30 days by default).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidListQueryError } from './errors.js';
import { checkedToken, decodeToken, encodeToken, OTHER_LISTING_TOKEN } from './registry-page-token.js';
import { createdDayOf, CREATED_DAY_ATTRIBUTE, TASK_TABLE_INDEXES } from './registry-schema.js';
import type { TaskRecord } from './task-record.js';

/** The default window of the listing: the last day. */
export const RECENT_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Day buckets one listing may span: each is at least one Query, and an empty window costs them all. */
export const MAX_RECENT_DAYS = 400;

/** BatchGetItem reads at most 100 keys. */
const BATCH_GET_MAX = 100;

export interface RecentQuery {
  readonly limit: number;
  /** ISO-8601 (normalized). @default until - 1 day */
  readonly since: string | undefined;
  /** ISO-8601 (normalized). @default now */
  readonly until: string | undefined;
  readonly nextToken: string | undefined;
}

type Key = Record<string, unknown>;

/** Lists the most recent tasks of every function and status, newest first, a page at a time. */
export async function listRecent(doc: DynamoDBDocumentClient, tableName: string, query: RecentQuery, now: Date): Promise<{ tasks: TaskRecord[]; nextToken?: string }> {
  const until = query.until ?? now.toISOString();
  const since = query.since ?? new Date(new Date(until).getTime() - RECENT_WINDOW_MS).toISOString();
  if (since > until) throw new InvalidListQueryError(`since (${since}) is after until (${until})`);
  const days = daysDescending(since, until);

  const token = checkedToken(decodeToken(query.nextToken), TASK_TABLE_INDEXES.byCreatedDay, [[CREATED_DAY_ATTRIBUTE]]);
  let dayIndex = 0;
  let startKey: Key | undefined;
  if (token) {
    dayIndex = days.indexOf(String(token[CREATED_DAY_ATTRIBUTE]));
    if (dayIndex < 0) throw new InvalidListQueryError(OTHER_LISTING_TOKEN);
    startKey = Object.keys(token).length > 1 ? token : undefined;
  }

  const keys: Key[] = [];
  let nextToken: Key | undefined;
  while (dayIndex < days.length) {
    const out = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: TASK_TABLE_INDEXES.byCreatedDay,
        KeyConditionExpression: '#day = :day AND createdAt BETWEEN :since AND :until',
        ExpressionAttributeNames: { '#day': CREATED_DAY_ATTRIBUTE },
        ExpressionAttributeValues: { ':day': days[dayIndex], ':since': since, ':until': until },
        ScanIndexForward: false,
        Limit: query.limit - keys.length,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    keys.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
    if (!startKey) dayIndex += 1;
    if (keys.length >= query.limit) {
      const nextDay = days[dayIndex];
      nextToken = startKey ?? (nextDay === undefined ? undefined : { [CREATED_DAY_ATTRIBUTE]: nextDay });
      break;
    }
  }
  const tasks = await recordsOf(doc, tableName, keys);
  return { tasks, ...(nextToken ? { nextToken: encodeToken(nextToken) } : {}) };
}

/** The UTC days from until's down to since's (the buckets, newest first). */
function daysDescending(since: string, until: string): string[] {
  const first = createdDayOf(since);
  const days: string[] = [];
  for (let day = new Date(`${createdDayOf(until)}T00:00:00.000Z`); createdDayOf(day.toISOString()) >= first; day = new Date(day.getTime() - RECENT_WINDOW_MS)) {
    days.push(createdDayOf(day.toISOString()));
    if (days.length > MAX_RECENT_DAYS) {
      throw new InvalidListQueryError(
        `a listing of every function spans at most ${MAX_RECENT_DAYS} days (one query per day): narrow the window, or list by status, function or prefix`,
      );
    }
  }
  return days;
}

/** The records of `keys`, in their order (BatchGetItem answers in any order, and may leave keys unprocessed). */
async function recordsOf(doc: DynamoDBDocumentClient, tableName: string, keys: readonly Key[]): Promise<TaskRecord[]> {
  const found = new Map<string, TaskRecord>();
  for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
    let pending: Key[] = keys.slice(i, i + BATCH_GET_MAX).map((k) => ({ taskId: k.taskId }));
    for (let round = 0; pending.length > 0; round++) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** round)));
      const out = await doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }));
      for (const item of out.Responses?.[tableName] ?? []) found.set(String(item.taskId), item as TaskRecord);
      pending = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
      if (round >= 8 && pending.length > 0) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${round + 1} rounds`);
    }
  }
  return keys.map((k) => found.get(String(k.taskId))).filter((r): r is TaskRecord => r !== undefined);
}
