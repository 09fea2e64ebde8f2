// Where the embedded platform's ECS tasks keep their disk: one scratch directory per running task under the
// data directory (Fargate's ephemeral storage), and beside it the environment the task's container was given,
// which `stask exec ID --run` reads to run a command as the container would. Both go when the task ends.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ENV } from '../../functions/core/facts.js';

/** The folder of the scratch directories, in the data directory. */
export const ECS_SCRATCH_DIR = 'ecs-scratch';

/** The scratch directory of the ECS task `ecsTaskId` (the last part of its ARN). */
export function scratchDirOf(scratchRoot: string, ecsTaskId: string): string {
  return join(scratchRoot, ecsTaskId);
}

/** The environment file of the ECS task `ecsTaskId`: JSON, name → value, what the platform gave the container. */
export function workerEnvFileOf(scratchRoot: string, ecsTaskId: string): string {
  return join(scratchRoot, `${ecsTaskId}${ENV_FILE_SUFFIX}`);
}

const ENV_FILE_SUFFIX = '.env.json';

/** The environment the platform gave an ECS task's container, or undefined when it has ended (file gone or torn). */
export function readWorkerEnv(file: string): Record<string, string> | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return undefined;
  }
}

/**
 * The ECS task IDs running for task `taskId` (by the TASK_ID their container was given), oldest file first:
 * the embedded engine's history has no TaskSubmitted event to name them (a segmented transcode may run several).
 */
export function ecsTasksOf(scratchRoot: string, taskId: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(scratchRoot).filter((name) => name.endsWith(ENV_FILE_SUFFIX));
  } catch {
    return [];
  }
  return entries
    .map((name) => ({ id: name.slice(0, -ENV_FILE_SUFFIX.length), file: join(scratchRoot, name) }))
    .filter(({ file }) => readWorkerEnv(file)?.[ENV.taskId] === taskId)
    .map(({ id, file }) => ({ id, at: statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => a.at - b.at)
    .map(({ id }) => id);
}
