import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { DEFAULTS, ENV } from '../../functions/core/facts.js';
import { acknowledgeNag, iam5ResourceFinding } from './nag.js';
import { TaskFunction } from './task-function.js';

export interface TaskSweeperProps {
  /** The task registry table. */
  readonly table: dynamodb.ITable;
  /**
   * How often the sweeper runs.
   *
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /**
   * The task runtime's heartbeat interval; an attempt that misses two beats is considered gone.
   *
   * @default Duration.seconds(DEFAULTS.heartbeatSeconds)
   */
  readonly heartbeat?: Duration;
  /**
   * How long a RETRYING task waits for Lambda's retry before it is FAILED (retry delays of 1 and 2 minutes
   * plus the longest function timeout and a margin).
   *
   * @default Duration.seconds(DEFAULTS.retryWindowSeconds) - 20 minutes
   */
  readonly retryWindow?: Duration;
  /**
   * How long a QUEUED task may wait to start before it is EXPIRED (the longest maximum event age plus a margin).
   *
   * @default Duration.seconds(DEFAULTS.queuedExpirySeconds) - 6 hours and 15 minutes
   */
  readonly queuedExpiry?: Duration;
}

/**
 * Resolves tasks whose worker can no longer speak for them (crash, out of memory, timeout, lost retry,
 * unacknowledged stop, never started) on a schedule, so no task stays RUNNING forever.
 */
export class TaskSweeper extends Construct {
  public readonly taskFunction: TaskFunction;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: TaskSweeperProps) {
    super(scope, id);
    this.taskFunction = new TaskFunction(this, 'Function', {
      entry: 'functions/maintenance/sweeper-handler.ts',
      serviceName: 'task-sweeper',
      timeout: Duration.minutes(1),
      memorySize: 512,
      // One sweep at a time: two would only race each other's conditional writes.
      reservedConcurrentExecutions: 1,
      description: 'Resolves tasks whose attempts died without recording an outcome',
      environment: {
        [ENV.taskTableName]: props.table.tableName,
        [ENV.heartbeatSeconds]: String((props.heartbeat ?? Duration.seconds(DEFAULTS.heartbeatSeconds)).toSeconds()),
        [ENV.retryWindowSeconds]: String((props.retryWindow ?? Duration.seconds(DEFAULTS.retryWindowSeconds)).toSeconds()),
        [ENV.queuedExpirySeconds]: String((props.queuedExpiry ?? Duration.seconds(DEFAULTS.queuedExpirySeconds)).toSeconds()),
      },
    });
    props.table.grantReadWriteData(this.taskFunction.function);
    this.rule = new events.Rule(this, 'Schedule', {
      schedule: events.Schedule.rate(props.interval ?? Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.taskFunction.function, { retryAttempts: 0 })],
    });
    acknowledgeNag(
      this.taskFunction.role,
      iam5ResourceFinding(this, props.table.tableArn, '/index/*'),
      'grantReadWriteData on the task table: the sweeper queries the status index of this one table.',
    );
  }
}
