/** The task API's Powertools service name (its logs); the construct sets it, the handler logs under it. */
export const TASK_API_SERVICE_NAME = 'task-api';
