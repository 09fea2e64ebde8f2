// The long lane's `usage` input of its terminal registry writes (functions/core/usage.ts): the size of its
// Fargate work, known when the stack is synthesized, and the state transitions of the execution's path.
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { fargateUsage, type TaskUsage } from '../../functions/core/usage.js';
import type { FargateWork } from './ecs-run-task.js';

/**
 * State transitions of one execution of a LongTask whose work is one state (Lambda or Fargate), either way:
 * MarkRunning, RunTheWork, MarkSucceeded, SendSuccess, Done — or MarkRunning, RunTheWork, MarkFailed,
 * SendFailure, Failed. Retries of a state are more transitions; they are rare and not counted.
 */
export const LONG_TASK_PATH_TRANSITIONS = 5;

/** The usage of Fargate work, from its task definition. */
export function fargateWorkUsage(work: FargateWork): TaskUsage {
  const def = work.taskDefinition;
  return fargateUsage(def.cpu, def.memoryMiB, def.ephemeralStorageGiB, LONG_TASK_PATH_TRANSITIONS);
}

/** A usage as the DynamoDB map attribute the registry states write. */
export function usageAttribute(usage: TaskUsage): tasks.DynamoAttributeValue {
  const members: Record<string, tasks.DynamoAttributeValue> = {
    compute: tasks.DynamoAttributeValue.fromString(usage.compute),
    memoryMb: tasks.DynamoAttributeValue.fromNumber(usage.memoryMb),
    vcpu: tasks.DynamoAttributeValue.fromNumber(usage.vcpu),
    stateTransitions: tasks.DynamoAttributeValue.fromNumber(usage.stateTransitions),
  };
  if (usage.ephemeralStorageGb !== undefined) members['ephemeralStorageGb'] = tasks.DynamoAttributeValue.fromNumber(usage.ephemeralStorageGb);
  return tasks.DynamoAttributeValue.fromMap(members);
}

/**
 * The usage of segmented transcoding (lib/constructs/segmented-transcode.ts), an upper bound: `maxConcurrency`
 * segment tasks of the task definition's size for the whole execution (the plan and join passes run alone), and
 * the path's transitions: the LongTask's five, plan, read plan, choice, list, map, join, one per segment.
 */
export function segmentedWorkUsage(work: FargateWork, segments: number, maxConcurrency: number): TaskUsage {
  const def = work.taskDefinition;
  const n = Math.min(segments, maxConcurrency);
  return fargateUsage(def.cpu * n, def.memoryMiB * n, (def.ephemeralStorageGiB ?? 20) * n, LONG_TASK_PATH_TRANSITIONS + 6 + segments);
}
