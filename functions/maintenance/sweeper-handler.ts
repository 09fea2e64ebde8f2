import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { dynamoDocument, lambdaClient, sfnClient, sqsClient } from '../core/clients.js';
import { createTaskClient } from '../core/create-task-client.js';
import { optionalIntEnv, requireEnv } from '../core/env.js';
import { DEFAULTS, ENV, METRICS, METRICS_NAMESPACE, SWEEPER_SERVICE_NAME, TaskFunctionsSchema } from '../core/facts.js';
import { probeInit } from '../core/init-probe.js';
import { limitedTasksOf } from '../core/limited-tasks.js';
import { reconcileSlots } from '../core/slot-reconcile.js';
import { TaskRegistry } from '../core/registry.js';
import { failureRecordSender } from '../core/sweeper-records.js';
import { sweepTasks } from '../core/sweeper.js';

// SDK clients at module scope: built during the function's init, reused across warm invocations.
const dynamo = dynamoDocument();
const sqs = sqsClient();
const lambda = lambdaClient();
const sfn = sfnClient();
const logger = new Logger({ serviceName: SWEEPER_SERVICE_NAME });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SWEEPER_SERVICE_NAME });

/** Runs on a schedule (EventBridge): resolves tasks whose attempts died without a word. */
export const handler = async (): Promise<unknown> => {
  const registry = new TaskRegistry(dynamo, requireEnv(ENV.taskTableName));
  const failureQueueUrl = process.env[ENV.failureQueueUrl];
  const targets = TaskFunctionsSchema.parse(JSON.parse(process.env[ENV.taskTargets] || '{}'));
  const client = createTaskClient({
    registry,
    tasks: targets,
    lambda: lambdaClient,
    sfn: () => sfn,
    sqs: () => sqs,
    ...(failureQueueUrl ? { failureQueueUrl: () => failureQueueUrl } : {}),
  });
  const result = await sweepTasks(registry, {
    heartbeatMs: optionalIntEnv(ENV.heartbeatSeconds, DEFAULTS.heartbeatSeconds) * 1000,
    retryWindowMs: optionalIntEnv(ENV.retryWindowSeconds, DEFAULTS.retryWindowSeconds) * 1000,
    queuedExpiryMs: optionalIntEnv(ENV.queuedExpirySeconds, DEFAULTS.queuedExpirySeconds) * 1000,
    ...(failureQueueUrl ? { onTerminal: failureRecordSender(sqs, failureQueueUrl) } : {}),
    // A short task never attempted long after its dispatch: does its function initialize? (init-probe.ts)
    probeInit: (task) => {
      const target = Object.hasOwn(targets, task.function) ? targets[task.function] : undefined;
      return target?.kind !== 'stepfunctions' && target?.functionName ? probeInit(lambda, target.functionName) : Promise.resolve(undefined);
    },
    // Tasks of names it cannot dispatch are left to their expiry.
    redispatch: (task) => (Object.hasOwn(targets, task.function) ? client.redispatch(task) : Promise.resolve(false)),
  });
  // The concurrency slots of long tasks: slots of ended executions released, waiting tasks admitted.
  // One task's failure (a throttled call) leaves the others' and the metrics below to this sweep, and itself to the next.
  for (const task of limitedTasksOf(targets)) {
    try {
      const slots = await reconcileSlots({ registry, sfn }, task);
      if (slots.released.length || slots.started.length) logger.info('reconciled concurrency slots', { task: task.taskName, ...slots });
    } catch (error) {
      logger.error('could not reconcile concurrency slots', { task: task.taskName, error: error as Error });
    }
  }
  const changed = Object.values(result).reduce((n, ids) => n + ids.length, 0);
  if (changed) logger.info('swept tasks', { ...result });
  // Every sweep reports, zero included: the alarm on resolved tasks sees data, not gaps.
  const resolved = result.retrying.length + result.failed.length + result.stopped.length + result.expired.length;
  metrics.addMetric(METRICS.sweeperResolvedTasks, MetricUnit.Count, resolved);
  metrics.addMetric(METRICS.sweeperRedispatchedTasks, MetricUnit.Count, result.redispatched?.length ?? 0);
  metrics.publishStoredMetrics();
  return result;
};
