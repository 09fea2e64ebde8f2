// A submitted task is always dispatched. Submitting is two steps — the registry write, then the lane's
// invoke / StartExecution — and a submitter can die between them (a CLI killed, a trigger timed out, the
// embedded platform killed). The task then stays QUEUED with nothing on its way. So the invoke is
// followed by a mark (`dispatchedAt`), and a QUEUED task without the mark, older than a grace period that
// covers a live submitter's two steps, is dispatched again: by a resubmission of the same ID and payload
// and by the sweeper. The re-dispatcher claims the task with the mark first (one conditional write), so of
// many concurrent re-dispatchers one invokes. Dispatching twice (the submitter died after its invoke but
// before its mark) still runs the work once: the short lane's runtime claims the task once per attempt
// (a second delivery finds it RUNNING or done), and the long lane's execution name is derived from the
// task ID, so a second StartExecution is the same execution.
import { DEFAULTS } from './facts.js';
import type { TaskRecord } from './task-record.js';

/** How long a QUEUED task without the dispatch mark is left to its submitter (DEFAULTS.dispatchGraceSeconds). */
export const DEFAULT_DISPATCH_GRACE_MS = DEFAULTS.dispatchGraceSeconds * 1000;

export function isUndispatched(task: TaskRecord, now: Date, graceMs: number): boolean {
  return task.status === 'QUEUED' && task.dispatchedAt === undefined && Date.parse(task.createdAt) <= now.getTime() - graceMs;
}
