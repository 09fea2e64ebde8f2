import { Logger } from '@aws-lambda-powertools/logger';
import { dynamoDocument } from '../core/clients.js';
import { optionalIntEnv, requireEnv } from '../core/env.js';
import { DEFAULTS, ENV } from '../core/facts.js';
import { TaskRegistry } from '../core/registry.js';
import { sweepTasks } from '../core/sweeper.js';

// SDK clients at module scope: built during the function's init, reused across warm invocations.
const dynamo = dynamoDocument();
const logger = new Logger({ serviceName: 'task-sweeper' });

/** Runs on a schedule (EventBridge): resolves tasks whose attempts died without a word. */
export const handler = async (): Promise<unknown> => {
  const registry = new TaskRegistry(dynamo, requireEnv(ENV.taskTableName));
  const result = await sweepTasks(registry, {
    heartbeatMs: optionalIntEnv(ENV.heartbeatSeconds, DEFAULTS.heartbeatSeconds) * 1000,
    retryWindowMs: optionalIntEnv(ENV.retryWindowSeconds, DEFAULTS.retryWindowSeconds) * 1000,
    queuedExpiryMs: optionalIntEnv(ENV.queuedExpirySeconds, DEFAULTS.queuedExpirySeconds) * 1000,
  });
  const changed = Object.values(result).reduce((n, ids) => n + ids.length, 0);
  if (changed) logger.info('swept tasks', { ...result });
  return result;
};
