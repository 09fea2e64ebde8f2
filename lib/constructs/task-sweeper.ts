import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULTS, ENV, SWEEPER_SERVICE_NAME, type TaskFunctionEntry } from '../../functions/core/facts.js';
import { grantAdmission } from './long-task-admitter.js';
import { acknowledgeNag, iam5ResourceFinding } from './nag.js';
import { TaskFunction } from './task-function.js';

export interface TaskSweeperProps {
  /** The task registry table. */
  readonly table: dynamodb.ITable;
  /**
   * Where the failure record of each task the sweeper ends (FAILED, STOPPED, EXPIRED) goes.
   *
   * @default no records (the tasks are still ended)
   */
  readonly failureQueue?: sqs.IQueue;
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
  private readonly targets: Record<string, TaskFunctionEntry> = {};

  constructor(scope: Construct, id: string, props: TaskSweeperProps) {
    super(scope, id);
    this.taskFunction = new TaskFunction(this, 'Function', {
      entry: 'functions/maintenance/sweeper-handler.ts',
      serviceName: SWEEPER_SERVICE_NAME,
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
        ...(props.failureQueue ? { [ENV.failureQueueUrl]: props.failureQueue.queueUrl } : {}),
        // Task name → where it runs, for dispatching QUEUED tasks whose submitter died (see functions/core/dispatch.ts).
        [ENV.taskTargets]: Lazy.string({ produce: () => Stack.of(this).toJsonString(this.targets) }),
      },
    });
    props.failureQueue?.grantSendMessages(this.taskFunction.function);
    props.table.grantReadWriteData(this.taskFunction.function);
    this.rule = new events.Rule(this, 'Schedule', {
      schedule: events.Schedule.rate(props.interval ?? Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.taskFunction.function, { retryAttempts: 0 })],
    });
    acknowledgeNag(
      this.taskFunction.role,
      iam5ResourceFinding(this, props.table.tableArn, '/index/*'),
      'grantReadWriteData on the task table: the sweeper queries the status index of this one table and moves records with conditional UpdateItem calls (the grant also holds PutItem and DeleteItem, which it never calls; the table is its only resource).',
    );
  }

  /**
   * Lets the sweeper dispatch QUEUED tasks of this name whose submitter died before dispatching them; for a long
   * task with `maxConcurrency`, also reconcile its concurrency slots and admit its waiting tasks.
   */
  dispatches(
    taskName: string,
    target: { readonly function: lambda.IFunction; readonly maxAttempts: number } | { readonly stateMachine: sfn.IStateMachine; readonly maxAttempts: number; readonly maxConcurrency?: number },
  ): void {
    if ('function' in target) {
      target.function.grantInvoke(this.taskFunction.function);
      acknowledgeNag(
        this.taskFunction.role,
        iam5ResourceFinding(this, target.function.functionArn, ':*'),
        `grantInvoke on the ${taskName} function (its versions and aliases): the sweeper dispatches that task's QUEUED tasks whose submitter died.`,
      );
      this.targets[taskName] = { kind: 'lambda', functionName: target.function.functionName, maxAttempts: target.maxAttempts };
    } else if (target.maxConcurrency === undefined) {
      target.stateMachine.grantStartExecution(this.taskFunction.function);
      this.targets[taskName] = { kind: 'stepfunctions', stateMachineArn: target.stateMachine.stateMachineArn, maxAttempts: target.maxAttempts };
    } else {
      grantAdmission(this.taskFunction.role, target.stateMachine, taskName);
      this.targets[taskName] = { kind: 'stepfunctions', stateMachineArn: target.stateMachine.stateMachineArn, maxAttempts: target.maxAttempts, maxConcurrency: target.maxConcurrency };
    }
  }
}
