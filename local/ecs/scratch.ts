// Where the embedded platform's ECS tasks keep their disk: one scratch directory per running task under the
// data directory (Fargate's ephemeral storage), and beside it the environment the task's container was given,
// which `stask exec ID --run` reads to run a command as the container would. Both go when the task ends.
import { join } from 'node:path';

/** The folder of the scratch directories, in the data directory. */
export const ECS_SCRATCH_DIR = 'ecs-scratch';

/** The scratch directory of the ECS task `ecsTaskId` (the last part of its ARN). */
export function scratchDirOf(scratchRoot: string, ecsTaskId: string): string {
  return join(scratchRoot, ecsTaskId);
}

/** The environment file of the ECS task `ecsTaskId`: JSON, name → value, what the platform gave the container. */
export function workerEnvFileOf(scratchRoot: string, ecsTaskId: string): string {
  return join(scratchRoot, `${ecsTaskId}.env.json`);
}
