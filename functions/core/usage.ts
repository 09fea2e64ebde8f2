// What a finished task used: the size of what ran it, written by the task contract's `succeed` and `fail`
// (`usage`, docs/task-contract.md). Its duration is not stored twice: the record's events say when each attempt
// started (RUNNING) and ended (functions/core/cost-model.ts reads them), and `attempts` counts them.

/** What ran the task's attempts; recorded by the runner that ends it. */
export interface TaskUsage {
  /** `lambda`: the short lane (and Python functions); `fargate`: a long task's Fargate work. */
  readonly compute: 'lambda' | 'fargate';
  /** Memory of the function or the Fargate task, MiB. */
  readonly memoryMb: number;
  /** vCPU of the Fargate task; for Lambda, the share its memory buys (1 vCPU per 1769 MB). */
  readonly vcpu: number;
  /** Ephemeral storage of the Fargate task, GiB (Fargate bills what is above 20 GiB). */
  readonly ephemeralStorageGb?: number;
  /** Step Functions Standard state transitions of one execution's path (0 outside the long lane). */
  readonly stateTransitions: number;
}

/** Lambda allocates one vCPU per 1,769 MB of memory (Lambda developer guide, "Configuring memory"). */
export const LAMBDA_MB_PER_VCPU = 1769;

/** The usage a Lambda runner records, from the environment Lambda gives it; undefined when it says nothing. */
export function lambdaUsage(env: NodeJS.ProcessEnv = process.env): TaskUsage | undefined {
  const memoryMb = Number(env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']);
  if (!Number.isInteger(memoryMb) || memoryMb <= 0) return undefined;
  return { compute: 'lambda', memoryMb, vcpu: Math.round((memoryMb / LAMBDA_MB_PER_VCPU) * 1000) / 1000, stateTransitions: 0 };
}

/** Fargate's ephemeral storage when the task definition asks for none extra (and the part Fargate does not bill). */
export const FARGATE_INCLUDED_STORAGE_GB = 20;

/** The usage of a Fargate task of this size (the long lane's registry states write it). */
export function fargateUsage(cpuUnits: number, memoryMb: number, ephemeralStorageGb: number | undefined, stateTransitions: number): TaskUsage {
  return {
    compute: 'fargate',
    memoryMb,
    vcpu: cpuUnits / 1024,
    ephemeralStorageGb: ephemeralStorageGb ?? FARGATE_INCLUDED_STORAGE_GB,
    stateTransitions,
  };
}

/**
 * The usage of a segmented transcode that planned `segments` segments: up to `maxConcurrency` segment tasks of
 * one task's size side by side for the whole execution (an upper bound: the plan and join passes run alone), and
 * the path's transitions: `onePass`'s but its OnePass state, then list, map and join, and one per segment. The
 * plan step records it over the one-pass usage written at start (lib/constructs/usage-states.ts), once it knows
 * the count.
 */
export function segmentedUsage(onePass: TaskUsage, segments: number, maxConcurrency: number): TaskUsage {
  const n = Math.max(1, Math.min(segments, maxConcurrency));
  return {
    ...onePass,
    memoryMb: onePass.memoryMb * n,
    vcpu: onePass.vcpu * n,
    ...(onePass.ephemeralStorageGb !== undefined ? { ephemeralStorageGb: onePass.ephemeralStorageGb * n } : {}),
    stateTransitions: onePass.stateTransitions - 1 + 3 + segments,
  };
}
