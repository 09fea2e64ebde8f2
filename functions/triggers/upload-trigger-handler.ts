import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { parse } from '@aws-lambda-powertools/parser';
import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { optionalIntEnv, requireEnv } from '../core/env.js';
import { TaskRegistry } from '../core/registry.js';
import { StepFunctionsInvoker } from '../core/step-functions-invoker.js';
import { TaskClient } from '../core/task-client.js';
import { startTasksForUpload } from './upload-trigger.js';

// SDK clients at module scope: reused across warm invocations.
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
const sfn = new SFNClient({});
const sqs = new SQSClient({});
const logger = new Logger({ serviceName: 'upload-trigger' });

/** EventBridge "Object Created" (S3) → one transcode task per configured output format. */
export const handler = async (event: unknown): Promise<unknown> => {
  const { detail } = parse(event, undefined, S3EventNotificationEventBridgeSchema);
  const registry = new TaskRegistry(dynamo, requireEnv('TASK_TABLE_NAME'));
  const taskName = requireEnv('TRIGGER_TASK_NAME');
  const client = new TaskClient({
    registry,
    invoker: { invoke: () => Promise.reject(new Error('the upload trigger starts state machines only')) },
    invokers: { stepfunctions: new StepFunctionsInvoker({ sfn, registry, sqs, failureQueueUrl: process.env.FAILURE_QUEUE_URL ?? '' }) },
    tasks: {
      [taskName]: { kind: 'stepfunctions', stateMachineArn: requireEnv('TRIGGER_STATE_MACHINE_ARN'), maxAttempts: optionalIntEnv('TASK_MAX_ATTEMPTS', 1) },
    },
  });
  const started = await startTasksForUpload(
    client,
    {
      taskName,
      outputFormats: requireEnv('TRIGGER_OUTPUT_FORMATS').split(',').map((f) => f.trim()).filter(Boolean),
      outputDir: process.env.TRIGGER_OUTPUT_DIR ?? 'transcoded',
      prefix: process.env.TRIGGER_PREFIX ?? '',
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
