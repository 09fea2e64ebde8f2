// The task record: one DynamoDB item per task, shared by every lane (see DESIGN.md "Task record").

// Statuses and transitions are the task contract's (functions/core/task-contract.json).
import { TASK_CONTRACT, TASK_STATUSES, TERMINAL_STATUSES, type TaskStatus } from './task-contract.js';
import type { TaskUsage } from './usage.js';

export { TASK_STATUSES, TERMINAL_STATUSES, type TaskStatus };

/**
 * Allowed transitions, from the contract: every status change is a conditional write whose condition is
 * "current status is one of the transition's sources", so two racing writers cannot both win and a STOPPED
 * task can never become SUCCEEDED. Terminal states only leave through a retry (requeue, redrive).
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = Object.fromEntries(
  TASK_STATUSES.map((from) => [
    from,
    [
      ...new Set(
        Object.values(TASK_CONTRACT.transitions)
          .filter((t) => t.from.includes(from) || (t.alsoWhen ?? []).some((alt) => alt.status === from))
          .map((t) => t.to),
      ),
    ],
  ]),
) as Record<TaskStatus, TaskStatus[]>;

/** The statuses from which `to` may be reached. */
export function sourcesOf(to: TaskStatus): TaskStatus[] {
  return TASK_STATUSES.filter((from) => ALLOWED_TRANSITIONS[from].includes(to));
}

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function parseStatus(value: string): TaskStatus {
  const upper = value.toUpperCase();
  const found = TASK_STATUSES.find((s) => s === upper);
  if (!found) throw new Error(`unknown status '${value}'; one of ${TASK_STATUSES.join(', ')}`);
  return found;
}

export interface TaskEvent {
  readonly status: TaskStatus;
  readonly at: string;
  readonly detail?: string;
}

export interface TaskProgress {
  readonly percent: number;
  readonly message?: string;
  readonly at: string;
}

export interface TaskFailure {
  readonly type: string;
  readonly message: string;
}

/** Where a payload or result lives when it is too large to keep in the record (claim check). */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export interface TaskRecord {
  readonly taskId: string;
  readonly function: string;
  readonly status: TaskStatus;
  readonly events: TaskEvent[];
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly heartbeatAt?: string;
  /** Work that takes long to start (a Fargate task) gets this long before its first heartbeat is due. */
  readonly startAllowanceSeconds?: number;
  readonly progress?: TaskProgress;
  readonly payload?: unknown;
  readonly payloadRef?: ObjectRef;
  readonly payloadHash: string;
  readonly payloadSizeBytes: number;
  readonly result?: unknown;
  readonly resultRef?: ObjectRef;
  readonly error?: TaskFailure;
  readonly executionRef?: string;
  /** When the work was handed to its lane (invoke / StartExecution); absent on a QUEUED task whose submitter died before. */
  readonly dispatchedAt?: string;
  /**
   * A QUEUED long task waiting for one of its function's concurrency slots: the name of the execution it
   * starts once admitted (functions/core/admission.ts). Left on the record after it starts; a retry replaces it.
   */
  readonly waitingExecution?: string;
  /** Every attempt's execution reference, in order (Lambda retries repeat the request ID). */
  readonly attemptRefs?: string[];
  /** What ran it, written when it ended (the contract's `succeed` and `fail`). */
  readonly usage?: TaskUsage;
  /** TTL, epoch seconds: DynamoDB deletes the record some time after this. */
  readonly expiresAt: number;
  /** First character of the task ID: partition key of the ID-prefix index. */
  readonly idHead: string;
  /** UTC day of createdAt (`YYYY-MM-DD`): partition key of the index that lists every function (absent on older records). */
  readonly createdDay?: string;
}

/** The event a lane's worker receives: the task ID always travels with the payload (or its S3 pointer). */
export interface TaskInvocationEvent {
  readonly taskId: string;
  readonly task: string;
  readonly payload?: unknown;
  readonly payloadRef?: ObjectRef;
}

/** What a new attempt after a retry starts without: the outcome and timing of the attempts before it (`requeue`). */
export const FIELDS_CLEARED_BY_RETRY: readonly string[] = TASK_CONTRACT.transitions.requeue.remove ?? [];
