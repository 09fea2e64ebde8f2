import { Logger } from '@aws-lambda-powertools/logger';
import { parse } from '@aws-lambda-powertools/parser';
import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { dynamoDocument, lambdaClient, sfnClient, sqsClient } from '../core/clients.js';
import { createTaskClient } from '../core/create-task-client.js';
import { optionalIntEnv, requireEnv } from '../core/env.js';
import { DEFAULTS, ENV } from '../core/facts.js';
import { TaskRegistry } from '../core/registry.js';
import { startTasksForUpload } from './upload-trigger.js';

// SDK clients at module scope: built during the function's init, reused across warm invocations.
const dynamo = dynamoDocument();
const sfn = sfnClient();
const sqs = sqsClient();
const logger = new Logger({ serviceName: 'upload-trigger' });

/** EventBridge "Object Created" (S3) → one transcode task per configured output format. */
export const handler = async (event: unknown): Promise<unknown> => {
  const { detail } = parse(event, undefined, S3EventNotificationEventBridgeSchema);
  const registry = new TaskRegistry(dynamo, requireEnv(ENV.taskTableName));
  const taskName = requireEnv(ENV.triggerTaskName);
  // The real invokers, as the CLI's: the trigger only submits, so it needs no failure queue (that is for stop).
  const client = createTaskClient({
    registry,
    lambda: lambdaClient, // never called: the trigger's task runs on Step Functions
    sfn: () => sfn,
    sqs: () => sqs,
    tasks: {
      [taskName]: {
        kind: 'stepfunctions',
        stateMachineArn: requireEnv(ENV.triggerStateMachineArn),
        maxAttempts: optionalIntEnv(ENV.maxAttempts, DEFAULTS.longTaskMaxAttempts),
        ...(process.env[ENV.maxConcurrency] ? { maxConcurrency: optionalIntEnv(ENV.maxConcurrency, DEFAULTS.longTaskMaxConcurrency) } : {}),
      },
    },
  });
  const started = await startTasksForUpload(
    client,
    {
      taskName,
      outputFormats: requireEnv(ENV.triggerOutputFormats).split(',').map((f) => f.trim()).filter(Boolean),
      outputDir: requireEnv(ENV.triggerOutputDir),
      prefix: requireEnv(ENV.triggerPrefix),
    },
    {
      bucket: detail.bucket.name,
      key: detail.object.key,
      ...(detail.object['version-id'] ? { versionId: detail.object['version-id'] } : {}),
      ...(detail.object.etag ? { etag: detail.object.etag } : {}),
    },
  );
  logger.info('upload started tasks', { bucket: detail.bucket.name, key: detail.object.key, started });
  return { started };
};
