import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_PERIOD, kafkaOffsetLag, runningFargateTasks, sweeperResolvedTasks, taskMetrics, type MonitoredTask } from './task-metrics.js';

export interface OperationsDashboardProps {
  /** The tasks with a row each: submitted / succeeded / failed, and duration p50 / p95. */
  readonly tasks: readonly MonitoredTask[];
  /** The task dead-letter queue (its depth). */
  readonly failureQueue: sqs.IQueue;
  /** The cluster the long lane's Fargate tasks run in (its running tasks). */
  readonly cluster: ecs.ICluster;
  /**
   * Stream operators, each with its Kafka event source mapping's offset lag.
   *
   * @default - none (no Kafka lane)
   */
  readonly kafkaOperators?: readonly lambda.IFunction[];
}

/**
 * The stack's CloudWatch dashboard: a row per task (submitted / succeeded / failed, duration p50 / p95), then
 * the task dead-letter queue's depth, the running Fargate tasks, the tasks the sweeper resolved and, with the
 * Kafka lane, each operator's offset lag. The metrics are those of ./task-metrics.ts, which the alarms watch.
 */
export class OperationsDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard');

    for (const task of props.tasks) {
      const metrics = taskMetrics(task);
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${task.taskName}: tasks per ${METRIC_PERIOD.toMinutes()} min`,
          left: [metrics.submitted, metrics.succeeded, metrics.failed],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: `${task.taskName}: duration (ms)`,
          left: [metrics.durationP50, metrics.durationP95],
          width: 12,
        }),
      );
    }

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Task dead-letter queue: failure records waiting',
        left: [props.failureQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: METRIC_PERIOD, label: 'DLQ depth' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'Fargate tasks running', left: [runningFargateTasks(props.cluster)], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Tasks the sweeper had to resolve', left: [sweeperResolvedTasks()], width: 8 }),
    );
    const operators = props.kafkaOperators ?? [];
    if (operators.length) {
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({ title: 'Kafka offset lag (records)', left: operators.map((operator) => kafkaOffsetLag(operator)), width: 24 }),
      );
    }
  }
}
