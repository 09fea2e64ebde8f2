import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { dynamoDocument, sfnClient } from '../core/clients.js';
import { Admission } from '../core/admission.js';
import { requireEnv } from '../core/env.js';
import { ADMITTER_SERVICE_NAME, ENV, TaskFunctionsSchema } from '../core/facts.js';
import { limitedTaskOf } from '../core/limited-tasks.js';
import { TaskRegistry } from '../core/registry.js';

// SDK clients at module scope: built during the function's init, reused across warm invocations.
const dynamo = dynamoDocument();
const sfn = sfnClient();
const logger = new Logger({ serviceName: ADMITTER_SERVICE_NAME });

/** The part of Step Functions' "Execution Status Change" event the admitter reads. */
const StatusChangeSchema = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({ stateMachineArn: z.string().min(1), name: z.string().min(1), status: z.string().min(1), input: z.string().nullish() }),
});

/**
 * EventBridge "Step Functions Execution Status Change" (an execution of a long task with a concurrency limit
 * ended): its slot is released and the oldest waiting tasks of that task take the free slots. A lost event is
 * made up for by the sweeper (functions/core/slot-reconcile.ts).
 */
export const handler = async (event: unknown): Promise<unknown> => {
  const { detail } = StatusChangeSchema.parse(event);
  const targets = TaskFunctionsSchema.parse(JSON.parse(process.env[ENV.taskTargets] || '{}'));
  const task = limitedTaskOf(targets, detail.stateMachineArn);
  if (!task || detail.status === 'RUNNING') {
    logger.warn('not an end of an execution with a concurrency limit', { ...detail });
    return { admitted: [] };
  }
  const admission = new Admission({ registry: new TaskRegistry(dynamo, requireEnv(ENV.taskTableName)), sfn });
  const admitted = await admission.ended(task, detail.name, taskIdOf(detail.input));
  logger.info('execution ended', { task: task.taskName, execution: detail.name, status: detail.status, admitted });
  return { admitted };
};

/** The task ID of the execution input (absent when Step Functions left the input out of the event: too large). */
function taskIdOf(input: string | null | undefined): string | undefined {
  try {
    const taskId = (JSON.parse(input ?? 'null') as { taskId?: unknown } | null)?.taskId;
    return typeof taskId === 'string' ? taskId : undefined;
  } catch {
    return undefined;
  }
}
