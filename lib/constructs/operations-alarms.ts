import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { pascalCase } from '../../functions/core/facts.js';
import { failureRatePercent, kafkaOffsetLag, sweeperResolvedTasks, type MonitoredTask } from './task-metrics.js';

/** `-c alarmEmail=ops@example.com` subscribes that address to the alarm topic. */
export const ALARM_CONTEXT = { email: 'alarmEmail' } as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface OperationsAlarmsProps {
  /** The tasks with a failure-rate alarm each. */
  readonly tasks: readonly MonitoredTask[];
  /** Existing alarms that notify the topic too (e.g. the task dead-letter queue's depth). */
  readonly alarms?: readonly cloudwatch.Alarm[];
  /**
   * Stream operators, each with an alarm on its Kafka event source mapping's offset lag.
   *
   * @default - none (no Kafka lane)
   */
  readonly kafkaOperators?: readonly lambda.IFunction[];
  /**
   * An e-mail address subscribed to the topic (it must confirm the subscription).
   *
   * @default - no subscription
   */
  readonly email?: string;
  /**
   * Failed tasks, in percent of the tasks of one task name that ended in 5 minutes, at which its alarm fires.
   *
   * @default 20
   */
  readonly failureRatePercent?: number;
  /**
   * Records an operator is behind (offset lag) at which its alarm fires, after 15 minutes above it.
   *
   * @default 1000
   */
  readonly kafkaLagRecords?: number;
}

/**
 * Every alarm of the stack → one SNS topic (KMS-encrypted with its own key, TLS only), with an optional e-mail
 * subscription: a failure rate per task (failed / (succeeded + failed)), the offset lag of each stream operator,
 * tasks the sweeper had to resolve, and the alarms passed in.
 */
export class OperationsAlarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly key: kms.Key;
  public readonly failureRateAlarms: ReadonlyMap<string, cloudwatch.Alarm>;
  public readonly kafkaLagAlarms: readonly cloudwatch.Alarm[];
  public readonly sweeperAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    const rate = props.failureRatePercent ?? 20;
    if (!(rate > 0 && rate <= 100)) throw new Error(`OperationsAlarms: failureRatePercent must be above 0 and at most 100, got ${rate}`);
    const lag = props.kafkaLagRecords ?? 1000;
    if (!Number.isInteger(lag) || lag < 1) throw new Error(`OperationsAlarms: kafkaLagRecords must be an integer >= 1, got ${lag}`);
    if (props.email !== undefined && !EMAIL.test(props.email)) {
      throw new Error(`OperationsAlarms: the alarm e-mail (-c ${ALARM_CONTEXT.email}=...) must be an e-mail address, got '${props.email}'`);
    }

    this.key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the alarm notifications topic',
      enableKeyRotation: true,
    });
    // CloudWatch publishes alarm notifications to the encrypted topic: it needs the key (for this account's alarms only).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.key.stack.account } },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', { masterKey: this.key, enforceSSL: true, displayName: 'Serverless Task alarms' });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    const notify = new actions.SnsAction(this.topic);

    const failureRateAlarms = new Map<string, cloudwatch.Alarm>();
    for (const task of props.tasks) {
      const alarm = new cloudwatch.Alarm(this, `FailureRate${pascalCase(task.taskName)}`, {
        alarmDescription: `More than ${rate}% of the ${task.taskName} tasks that ended in 5 minutes failed (stask ls --status FAILED --function ${task.taskName}).`,
        metric: failureRatePercent(task),
        threshold: rate,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      failureRateAlarms.set(task.taskName, alarm);
    }
    this.failureRateAlarms = failureRateAlarms;

    this.kafkaLagAlarms = (props.kafkaOperators ?? []).map((operator, index) => {
      const alarm = new cloudwatch.Alarm(this, `KafkaLag${index}`, {
        alarmDescription: `A stream operator is more than ${lag} records behind its topic for 15 minutes (stask streams).`,
        metric: kafkaOffsetLag(operator),
        threshold: lag,
        // Three 5-minute periods: a burst the operator catches up with stays quiet.
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      return alarm;
    });

    this.sweeperAlarm = new cloudwatch.Alarm(this, 'SweeperResolved', {
      alarmDescription:
        'The sweeper resolved tasks whose worker could not (lapsed heartbeats, unacknowledged stops, lost retries, never started): ' +
        'workers crash or are killed (stask get <id> tells why).',
      metric: sweeperResolvedTasks(),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.sweeperAlarm.addAlarmAction(notify);

    for (const alarm of props.alarms ?? []) alarm.addAlarmAction(notify);
  }
}
