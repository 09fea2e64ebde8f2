import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { optionalIntEnv, requireEnv } from '../core/env.js';
import { TaskRegistry } from '../core/registry.js';
import { sweepTasks } from '../core/sweeper.js';

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
const logger = new Logger({ serviceName: 'task-sweeper' });

/** Runs on a schedule (EventBridge): resolves tasks whose attempts died without a word. */
export const handler = async (): Promise<unknown> => {
  const registry = new TaskRegistry(dynamo, requireEnv('TASK_TABLE_NAME'));
  const result = await sweepTasks(registry, {
    heartbeatMs: optionalIntEnv('TASK_HEARTBEAT_SECONDS', 10) * 1000,
    retryWindowMs: optionalIntEnv('TASK_RETRY_WINDOW_SECONDS', 20 * 60) * 1000,
    queuedExpiryMs: optionalIntEnv('TASK_QUEUED_EXPIRY_SECONDS', 6 * 3600 + 15 * 60) * 1000,
  });
  const changed = Object.values(result).reduce((n, ids) => n + ids.length, 0);
  if (changed) logger.info('swept tasks', { ...result });
  return result;
};
