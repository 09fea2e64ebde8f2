// The routes of the task API, in one list: the CDK construct (lib/constructs/task-api.ts) creates one HTTP API
// route per entry, the route core (task-api.ts) dispatches on them, the OpenAPI document is tested against them.
// No CDK or SDK imports: the Lambda bundle carries this file.

/** Operation IDs (as in docs/task-api.openapi.json). */
export type TaskApiOperation = 'submitTask' | 'getTask' | 'listTasks' | 'stopTask' | 'retryTask' | 'getTaskLogs';

export interface TaskApiRoute {
  readonly method: 'GET' | 'POST';
  /**
   * The path with `{param}` segments. The second segment is `{ref}` in every route: API Gateway (and OpenAPI)
   * refuse two names for one segment, and it is the task name (the function) for submit, the task ID elsewhere.
   */
  readonly path: string;
  readonly operation: TaskApiOperation;
}

export const TASK_API_ROUTES: readonly TaskApiRoute[] = [
  { method: 'POST', path: '/tasks/{ref}', operation: 'submitTask' },
  { method: 'GET', path: '/tasks/{ref}', operation: 'getTask' },
  { method: 'GET', path: '/tasks', operation: 'listTasks' },
  { method: 'POST', path: '/tasks/{ref}/stop', operation: 'stopTask' },
  { method: 'POST', path: '/tasks/{ref}/retry', operation: 'retryTask' },
  { method: 'GET', path: '/tasks/{ref}/logs', operation: 'getTaskLogs' },
];

/** `POST /tasks/{ref}`: API Gateway's route key of a route. */
export function routeKeyOf(route: Pick<TaskApiRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** The route of a route key, if it is one of the task API's. */
export function routeOf(routeKey: string): TaskApiRoute | undefined {
  return TASK_API_ROUTES.find((route) => routeKeyOf(route) === routeKey);
}
