// What the registry's named transitions take: the `$input` values of the task contract's transitions.
import type { ObjectRef, TaskFailure, TaskStatus } from './task-record.js';
import type { TaskUsage } from './usage.js';

/** What every transition may carry: the event's detail, and a narrower `from` when the caller knows the status. */
export interface TransitionInput {
  readonly detail?: string;
  /** A subset of the contract's `from` for this transition. */
  readonly from?: readonly TaskStatus[];
}

export interface StartInput extends TransitionInput {
  /** The attempt that takes the task (request ID / execution ARN). */
  readonly executionRef: string;
  /** Also take it from a RUNNING attempt whose heartbeat is older than this ISO time (that attempt died). */
  readonly staleBefore?: string;
  /** Also take it from RUNNING when its executionRef is this: Lambda's retry of the same request. */
  readonly retryOf?: string;
  readonly maxAttempts?: number;
  readonly startAllowanceSeconds?: number;
  /** What runs the attempt: recorded at start, so that a task that is then stopped or swept still says. */
  readonly usage?: TaskUsage;
}

export interface RedriveInput extends TransitionInput {
  readonly executionRef: string;
}

export interface SucceedInput extends TransitionInput {
  readonly executionRef: string;
  readonly result?: unknown;
  readonly resultRef?: ObjectRef;
  /** What ran the task (the runner's size); left out by writers that did not run it. */
  readonly usage?: TaskUsage;
}

/** A status change by an attempt (`executionRef`) or by the sweeper (`lapsedBefore`: the heartbeat lapsed). */
export interface ResolveInput extends TransitionInput {
  readonly executionRef?: string;
  /** Only when the heartbeat is older than this ISO time, or absent. */
  readonly lapsedBefore?: string;
}

export interface FailInput extends ResolveInput {
  /** Kept when the record already has an error (a worker's more precise one). */
  readonly error: TaskFailure;
  readonly usage?: TaskUsage;
}

export interface RetryingInput extends ResolveInput {
  readonly error: TaskFailure;
}

export interface ExpireInput extends TransitionInput {
  readonly error?: TaskFailure;
}
