import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { dynamoDocument, lambdaClient, s3Client, sfnClient, sqsClient, tracer } from '../core/clients.js';
import { createTaskClient } from '../core/create-task-client.js';
import { requireEnv } from '../core/env.js';
import { ENV, TaskFunctionsSchema } from '../core/facts.js';
import type { PayloadJsonSchema } from '../core/payload-schema.js';
import { PayloadStore } from '../core/payload.js';
import { TaskRegistry } from '../core/registry.js';
import { errorResponse } from './api-errors.js';
import { TASK_API_SERVICE_NAME } from './names.js';
import { handleTaskApi, type TaskApiDeps } from './task-api.js';


const logger = new Logger({ serviceName: TASK_API_SERVICE_NAME });
let deps: TaskApiDeps | undefined;
let logs: CloudWatchLogsClient | undefined;

/** The TaskClient and what the routes need, built once per execution environment from its environment. */
function depsOf(): TaskApiDeps {
  if (deps) return deps;
  const tasks = TaskFunctionsSchema.parse(JSON.parse(requireEnv(ENV.taskTargets)));
  const schemas = JSON.parse(process.env[ENV.taskPayloadSchemas] || '{}') as Record<string, PayloadJsonSchema>;
  const failureQueueUrl = requireEnv(ENV.failureQueueUrl);
  const client = createTaskClient({
    registry: new TaskRegistry(dynamoDocument(), requireEnv(ENV.taskTableName)),
    tasks,
    lambda: lambdaClient,
    sfn: sfnClient,
    sqs: sqsClient,
    failureQueueUrl: () => failureQueueUrl,
    payloadStore: new PayloadStore(s3Client(), requireEnv(ENV.payloadBucketName)),
    payloadSchemas: schemas,
  });
  deps = {
    client,
    tasks,
    logs: () => (logs ??= tracer.captureAWSv3Client(new CloudWatchLogsClient({}))),
    onInternalError: (error) => logger.error('task API request failed', error as Error),
  };
  return deps;
}

/** API Gateway HTTP API (payload format 2.0, IAM authorization) → the task API. */
export const handler = async (event: APIGatewayProxyEventV2WithIAMAuthorizer, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
  if (context) logger.addContext(context);
  let response: APIGatewayProxyStructuredResultV2;
  try {
    response = await handleTaskApi(event, depsOf());
  } catch (error) {
    // Its configuration is missing or malformed: the error shape still, and the cause in the log.
    response = errorResponse(error, (e) => logger.error('task API is misconfigured', e as Error));
  }
  // The caller as IAM authorized it (absent when the function is invoked another way).
  const iam = (event.requestContext as Partial<typeof event.requestContext> | undefined)?.authorizer?.iam;
  logger.info('task API request', { routeKey: event.routeKey, status: response.statusCode, caller: iam?.userArn ?? iam?.callerId });
  return response;
};
