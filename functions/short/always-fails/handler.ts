/**
 * Demo task for the tour: it always fails, so every attempt shows up as a retry and the task
 * ends FAILED with a failure destination record in the dead-letter queue.
 */
import { taskHandler } from '../../core/task-runtime.js';

export const ALWAYS_FAILS_MESSAGE =
  'always-fails: this task fails on purpose to show retries and the dead-letter queue';

export const handler = taskHandler({ parsePayload: (raw) => raw }, async () => {
  throw new Error(ALWAYS_FAILS_MESSAGE);
});
