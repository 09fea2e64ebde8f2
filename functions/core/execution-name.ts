import { createHash } from 'node:crypto';

/** Step Functions execution names are at most 80 characters. */
export const MAX_EXECUTION_NAME_LENGTH = 80;

/**
 * The execution name of a task's attempt, derived from its ID alone, so that a duplicate start of the
 * same task is the same execution even if it got past the registry (StartExecution is idempotent on
 * the name). Task IDs use only characters Step Functions allows; IDs over 80 characters keep their
 * first 63 and add a hash of the whole ID. A retry that cannot redrive gets its own suffix.
 */
export function executionNameOf(taskId: string, retry = 0): string {
  const suffix = retry > 0 ? `-r${retry}` : '';
  if (taskId.length + suffix.length <= MAX_EXECUTION_NAME_LENGTH) return `${taskId}${suffix}`;
  const hash = createHash('sha256').update(taskId).digest('hex').slice(0, 16);
  return `${taskId.slice(0, MAX_EXECUTION_NAME_LENGTH - 17 - suffix.length)}-${hash}${suffix}`;
}
