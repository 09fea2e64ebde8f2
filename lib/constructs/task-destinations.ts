import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag.js';

export interface TaskDestinationsProps {
  /**
   * How long every queue keeps a record nobody has consumed.
   *
   * @default Duration.days(14) - the SQS maximum
   */
  readonly retentionPeriod?: Duration;

  /**
   * Number of visible failure records at which the failure-queue alarm fires.
   *
   * @default 1 - any failed, expired or stopped task
   */
  readonly failureAlarmThreshold?: number;

  /**
   * Actions (e.g. an SNS topic) run when the failure-queue alarm fires.
   *
   * @default - no action; the alarm is visible in CloudWatch only
   */
  readonly failureAlarmActions?: cloudwatch.IAlarmAction[];

  /**
   * Receives after which a success record that a consumer keeps failing to process moves to
   * `successDeadLetterQueue`.
   *
   * @default 5
   */
  readonly successMaxReceiveCount?: number;
}

/**
 * Where destination records go: the success queue (on-success destination) and the failure queue
 * (on-failure destination, i.e. the dead-letter queue of tasks: retries exhausted, event age exceeded,
 * stopped), plus an alarm on the failure queue.
 */
export class TaskDestinations extends Construct {
  /** Receives a destination record for every task that succeeded. */
  public readonly successQueue: sqs.Queue;
  /**
   * Redrive target of `successQueue`: success records a consumer failed to process `successMaxReceiveCount`
   * times. Distinct from `failureQueue`, which holds failed *tasks*.
   */
  public readonly successDeadLetterQueue: sqs.Queue;
  /** The task dead-letter queue: a destination record for every task that failed, expired or was stopped. */
  public readonly failureQueue: sqs.Queue;
  /** Fires when `failureQueue` holds at least `failureAlarmThreshold` visible records. */
  public readonly failureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: TaskDestinationsProps = {}) {
    super(scope, id);

    const threshold = props.failureAlarmThreshold ?? 1;
    if (!Number.isInteger(threshold) || threshold < 1) {
      throw new Error(`TaskDestinations: failureAlarmThreshold must be an integer >= 1, got ${threshold}`);
    }
    const maxReceiveCount = props.successMaxReceiveCount ?? 5;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(
        `TaskDestinations: successMaxReceiveCount must be an integer from 1 to 1000, got ${maxReceiveCount}`,
      );
    }

    const queueDefaults: sqs.QueueProps = {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    };

    // The failure queue is the dead-letter queue of the tasks (Lambda's on-failure destination), so it has
    // no dead-letter queue of its own: cdk-nag SQS3 only recognises redrive policies and Lambda
    // DeadLetterConfig as "used as a DLQ", not EventInvokeConfig destinations.
    this.failureQueue = new sqs.Queue(this, 'FailureQueue', queueDefaults);
    acknowledgeNag(
      this.failureQueue,
      'AwsSolutions-SQS3',
      'This queue IS the dead-letter queue of the task functions (EventInvokeConfig on-failure destination); ' +
        'cdk-nag only recognises RedrivePolicy/DeadLetterConfig as DLQ usage. A DLQ of the DLQ would only move ' +
        'failure records that `stask redrive --dlq` reads from here.',
    );

    // The success queue gets its own redrive DLQ rather than a suppression: its consumers are outside this
    // stack, and a success record one of them cannot process should not cycle until retention expires.
    // It is deliberately not the failure queue, whose records all mean "a task failed".
    this.successDeadLetterQueue = new sqs.Queue(this, 'SuccessDeadLetterQueue', queueDefaults);
    this.successQueue = new sqs.Queue(this, 'SuccessQueue', {
      ...queueDefaults,
      deadLetterQueue: { queue: this.successDeadLetterQueue, maxReceiveCount },
    });

    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureQueueAlarm', {
      alarmDescription: 'Tasks failed, expired or were stopped: failure records are waiting in the task dead-letter queue.',
      metric: this.failureQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const action of props.failureAlarmActions ?? []) this.failureAlarm.addAlarmAction(action);
  }
}
