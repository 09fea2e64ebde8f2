// The long lane's `usage` input of its start (functions/core/usage.ts): the size of its
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
 * The usage a segmented transcode records at start: one task of the task definition's size (the plan pass, and
 * the whole work when the plan finds one segment), and that path's transitions: the LongTask's five, plan, read
 * plan, choice and OnePass. When the plan makes segments, the worker records their usage instead
 * (functions/core/usage.ts `segmentedUsage`, from TASK_USAGE and SEGMENT_MAX_CONCURRENCY).
 */
export function segmentedOnePassUsage(def: FargateWork['taskDefinition']): TaskUsage {
  return fargateUsage(def.cpu, def.memoryMiB, def.ephemeralStorageGiB, LONG_TASK_PATH_TRANSITIONS + 4);
}
