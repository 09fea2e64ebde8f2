// The task API's route core: an API Gateway HTTP API request (payload format 2.0) → a TaskClient call → a
// response. Pure of AWS wiring: the handler (task-api-handler.ts) and the tests give it a TaskClient.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { InvalidListQueryError } from '../core/errors.js';
import type { TaskFunctions } from '../core/facts.js';
import { OTHER_LISTING_TOKEN } from '../core/registry-page-token.js';
import type { TaskClient } from '../core/task-client.js';
import { readTaskLogs } from '../core/task-logs.js';
import { validateTaskId } from '../core/task-id.js';
import { ApiError, errorResponse, jsonResponse } from './api-errors.js';
import { jsonBody, listQueryOf, onlyParameters, submittedTaskId } from './request.js';
import { routeOf, TASK_API_ROUTES, type TaskApiOperation, type TaskApiRoute } from './routes.js';

export interface TaskApiDeps {
  readonly client: TaskClient;
  /** Task name → where it runs and logs (the TaskFunctions output). */
  readonly tasks: TaskFunctions;
  /** CloudWatch Logs, for GET /tasks/{id}/logs (built on first use). */
  readonly logs: () => CloudWatchLogsClient;
  /** Told about every error that is not the caller's (answered 500 without its details). */
  readonly onInternalError?: (error: unknown) => void;
}

/** The fields of a payload-2.0 event the API reads. */
export type TaskApiEvent = Pick<APIGatewayProxyEventV2, 'routeKey' | 'rawPath' | 'headers' | 'queryStringParameters' | 'pathParameters' | 'body' | 'isBase64Encoded'> & {
  readonly requestContext?: { readonly http?: { readonly method?: string } };
};

type Operation = (event: TaskApiEvent, ref: string, deps: TaskApiDeps) => Promise<APIGatewayProxyStructuredResultV2>;

const OPERATIONS: Readonly<Record<TaskApiOperation, Operation>> = {
  submitTask: async (event, ref, { client }) => {
    const id = submittedTaskId(event);
    const payload = jsonBody(event);
    const { task, deduplicated } = await client.submit({ task: ref, payload, ...(id !== undefined ? { id } : {}) });
    return jsonResponse(deduplicated ? 200 : 201, { task, deduplicated }, { location: `/tasks/${encodeURIComponent(task.taskId)}` });
  },
  getTask: async (event, ref, { client }) => {
    onlyParameters(event.queryStringParameters, []);
    return jsonResponse(200, { task: await client.get(ref) });
  },
  listTasks: async (event, _ref, { client }) => {
    const query = listQueryOf(event.queryStringParameters);
    const page = await client.list(query).catch((error: unknown) => {
      // A token of another listing names a key of another index (the CLI says the same).
      if (query.nextToken !== undefined && (error as Error).name === 'ValidationException') throw new InvalidListQueryError(OTHER_LISTING_TOKEN);
      throw error;
    });
    return jsonResponse(200, { tasks: page.tasks, nextToken: page.nextToken ?? null });
  },
  stopTask: async (event, ref, { client }) => {
    onlyParameters(event.queryStringParameters, []);
    return jsonResponse(200, { task: await client.stop(ref) });
  },
  retryTask: async (event, ref, { client }) => {
    onlyParameters(event.queryStringParameters, []);
    return jsonResponse(200, { task: await client.retry(ref) });
  },
  getTaskLogs: async (event, ref, { client, tasks, logs }) => {
    onlyParameters(event.queryStringParameters, []);
    const task = await client.get(ref);
    const entry = Object.hasOwn(tasks, task.function) ? tasks[task.function] : undefined;
    const events = entry?.logGroupName ? await readTaskLogs(logs(), entry.logGroupName, task, { longLane: entry.kind === 'stepfunctions' }) : [];
    return jsonResponse(200, {
      taskId: task.taskId,
      status: task.status,
      events: events.map((e) => ({ timestamp: new Date(e.timestamp ?? 0).toISOString(), message: (e.message ?? '').replace(/\r?\n$/, '') })),
    });
  },
};

/** Answers one request; never throws (every error is a response in the API's error shape). */
export async function handleTaskApi(event: TaskApiEvent, deps: TaskApiDeps): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    const { route, ref } = matchRoute(event);
    if (route.operation !== 'submitTask' && route.operation !== 'listTasks') validateTaskId(ref);
    return await OPERATIONS[route.operation](event, ref, deps);
  } catch (error) {
    return errorResponse(error, deps.onInternalError ?? (() => undefined));
  }
}

/** The route by API Gateway's routeKey; by method and path when the function is invoked another way ($default). */
function matchRoute(event: TaskApiEvent): { route: TaskApiRoute; ref: string } {
  const byKey = routeOf(event.routeKey);
  if (byKey) return { route: byKey, ref: event.pathParameters?.ref ?? '' };
  const method = event.requestContext?.http?.method ?? event.routeKey.split(' ')[0] ?? '';
  const segments = (event.rawPath ?? '').split('/').slice(1);
  for (const route of TASK_API_ROUTES) {
    const parts = route.path.split('/').slice(1);
    if (route.method !== method || parts.length !== segments.length) continue;
    if (parts.every((part, i) => part === '{ref}' || part === segments[i])) {
      const at = parts.indexOf('{ref}');
      return { route, ref: at < 0 ? '' : safeDecode(segments[at] ?? '') };
    }
  }
  throw new ApiError('RouteNotFound', `no route ${method.slice(0, 16)} ${(event.rawPath ?? '').slice(0, 200)}; the task API serves ${TASK_API_ROUTES.map((r) => `${r.method} ${r.path}`).join(', ')}`);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError('BadRequest', 'malformed percent-encoding in the request path');
  }
}
