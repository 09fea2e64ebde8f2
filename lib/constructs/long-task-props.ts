// The long lane's props: what `Run the work` runs (Lambda, Fargate or a branch of states) and how the
// construct is configured. The construct is ./long-task.ts, which re-exports these.
import type { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { PayloadJsonSchema } from '../../functions/core/payload-schema.js';
import type { TaskUsage } from '../../functions/core/usage.js';
import type { FargateWork } from './ecs-run-task.js';

/** Lambda work: one synchronous invocation with the execution input as its event. */
export interface LambdaWork {
  readonly lambda: lambda.IFunction;
}

/**
 * Work of several states (e.g. plan, fan out, join), run as the single branch of `Run the work`, a Parallel
 * state: its Catch covers every state of the branch. The branch's task states carry their own Retry and
 * TimeoutSeconds (see `fargateRunTask`); a Parallel state has no TimeoutSeconds: the state machine's bounds it.
 */
export interface BranchWork {
  readonly branch: sfn.IChainable;
}

/** What `Run the work` runs: exactly one of `lambda`, `fargate` or `branch`. */
export type LongTaskWork = LambdaWork | { readonly fargate: FargateWork } | BranchWork;

export interface LongTaskProps {
  /**
   * How long the work may take to start before its first heartbeat is due (container placement and
   * image pull on Fargate); the TaskSweeper leaves the task alone for that long.
   *
   * @default Duration.minutes(10)
   */
  readonly startAllowance?: Duration;
  /** Task name, `^[a-z][a-z0-9-]{0,62}$` (the execution input's `task`, the record's `function`). */
  readonly taskName: string;

  /** The task registry table: the state machine moves the record through RUNNING to SUCCEEDED or FAILED. */
  readonly table: dynamodb.ITable;

  /** Receives the `Success` destination record. */
  readonly successQueue: sqs.IQueue;

  /** Receives the `RetriesExhausted` destination record (the task dead-letter queue). */
  readonly failureQueue: sqs.IQueue;

  /** What runs the task's work. */
  readonly work: LongTaskWork;

  /**
   * The JSON Schema of the task's payload, published as the stack output `PayloadSchema<Task>` and checked by
   * the TaskClient at submit (exit 2, nothing created), as for ShortTask.
   *
   * @default - none: every JSON payload is accepted at submit and the work validates it
   */
  readonly payloadSchema?: PayloadJsonSchema;

  /**
   * Executions of this task that run at a time. The others wait QUEUED and start as these end, in submission
   * order (a LongTaskAdmitter releases the slot of each ended execution; the TaskSweeper reconciles the slots).
   *
   * @default DEFAULTS.longTaskMaxConcurrency (10; see functions/core/facts.ts for why)
   */
  readonly maxConcurrency?: number;

  /**
   * How long the task may run, at most Step Functions Standard's one year (MAX_LONG_TASK_TIMEOUT). It is
   * `Run the work`'s `TimeoutSeconds` (Lambda or Fargate work fails with `States.Timeout`, the ECS task or
   * invocation is stopped, and the Catch records FAILED) and, with STATE_MACHINE_TIMEOUT_MARGIN for the
   * bookkeeping states, the state machine's `TimeoutSeconds` (capped at one year): that bounds branch work too,
   * whose Parallel state has no TimeoutSeconds (its Fargate states get this timeout each).
   *
   * @default - DEFAULTS.longTaskTimeoutSeconds (24 hours) for Fargate and branch work; the function's timeout
   * for Lambda work (15 minutes if unknown)
   */
  readonly timeout?: Duration;

  /**
   * Retention of the execution log group.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Whether execution logs carry the states' input and output (the task payload and results).
   *
   * @default false - payloads stay in the task record (which has a TTL and is read through IAM), not in
   * CloudWatch Logs, where they would outlive the record and reach everyone who can read logs
   */
  readonly includeExecutionData?: boolean;

  /**
   * What runs the work, recorded in the task record when it starts (`usage`, for `stask cost`; work may record its own over it).
   *
   * @default - the task definition's size for Fargate work; nothing recorded for Lambda or branch work
   */
  readonly usage?: TaskUsage;
}
