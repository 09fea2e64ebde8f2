// The long tasks with a concurrency limit among a TaskFunctions map (the admitter's and the sweeper's
// TASK_TARGETS), and the one an execution's state machine belongs to.
import type { LimitedTask } from './admission.js';
import type { TaskFunctions } from './facts.js';

export function limitedTasksOf(targets: TaskFunctions): LimitedTask[] {
  return Object.entries(targets).flatMap(([taskName, entry]) =>
    entry.kind === 'stepfunctions' && entry.stateMachineArn && entry.maxConcurrency !== undefined
      ? [{ taskName, stateMachineArn: entry.stateMachineArn, maxConcurrency: entry.maxConcurrency }]
      : [],
  );
}

export function limitedTaskOf(targets: TaskFunctions, stateMachineArn: string): LimitedTask | undefined {
  return limitedTasksOf(targets).find((task) => task.stateMachineArn === stateMachineArn);
}
