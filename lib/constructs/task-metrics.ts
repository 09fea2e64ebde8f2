// The CloudWatch metrics of a task, per lane: what the dashboard shows and the alarms watch. Metric names are
// the ones the platform emits (functions/core/facts.ts METRICS) or AWS's own (AWS/Lambda, AWS/States, ECS).
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { METRICS, METRICS_NAMESPACE, SWEEPER_SERVICE_NAME } from '../../functions/core/facts.js';

/** A task the dashboard and the alarms cover: a short task's function or a long task's state machine. */
export type MonitoredTask =
  | { readonly taskName: string; readonly function: lambda.IFunction }
  | { readonly taskName: string; readonly stateMachine: sfn.IStateMachine };

export interface TaskMetrics {
  readonly submitted: cloudwatch.IMetric;
  readonly succeeded: cloudwatch.IMetric;
  readonly failed: cloudwatch.IMetric;
  readonly durationP50: cloudwatch.IMetric;
  readonly durationP95: cloudwatch.IMetric;
}

/** The period of every metric of the dashboard and the alarms. */
export const METRIC_PERIOD = Duration.minutes(5);

/**
 * Short tasks: submitted = AWS/Lambda AsyncEventsReceived (every asynchronous invoke Lambda accepted);
 * succeeded, failed and duration = the task runtime's METRICS (Powertools, `service` = task name: one per task,
 * not per attempt). Long tasks: AWS/States ExecutionsStarted, ExecutionsSucceeded, ExecutionsFailed +
 * ExecutionsTimedOut and ExecutionTime of the task's state machine.
 */
export function taskMetrics(task: MonitoredTask): TaskMetrics {
  const period = METRIC_PERIOD;
  if ('function' in task) {
    const own = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: task.taskName }, statistic, period, label });
    return {
      submitted: task.function.metric('AsyncEventsReceived', { statistic: cloudwatch.Stats.SUM, period, label: 'submitted' }),
      succeeded: own(METRICS.taskSucceeded, cloudwatch.Stats.SUM, 'succeeded'),
      failed: own(METRICS.taskFailed, cloudwatch.Stats.SUM, 'failed'),
      durationP50: own(METRICS.taskDuration, cloudwatch.Stats.p(50), 'p50'),
      durationP95: own(METRICS.taskDuration, cloudwatch.Stats.p(95), 'p95'),
    };
  }
  const machine = task.stateMachine;
  return {
    submitted: machine.metricStarted({ period, label: 'submitted' }),
    succeeded: machine.metricSucceeded({ period, label: 'succeeded' }),
    failed: new cloudwatch.MathExpression({
      expression: 'FILL(executionsFailed, 0) + FILL(executionsTimedOut, 0)',
      usingMetrics: { executionsFailed: machine.metricFailed({ period }), executionsTimedOut: machine.metricTimedOut({ period }) },
      period,
      label: 'failed',
    }),
    durationP50: machine.metricTime({ statistic: cloudwatch.Stats.p(50), period, label: 'p50' }),
    durationP95: machine.metricTime({ statistic: cloudwatch.Stats.p(95), period, label: 'p95' }),
  };
}

/** Failed tasks in percent of the tasks that ended (no value while none ended). */
export function failureRatePercent(task: MonitoredTask): cloudwatch.MathExpression {
  const { succeeded, failed } = taskMetrics(task);
  return new cloudwatch.MathExpression({
    expression: '100 * FILL(failed, 0) / (FILL(succeeded, 0) + FILL(failed, 0))',
    usingMetrics: { succeeded, failed },
    period: METRIC_PERIOD,
    label: `${task.taskName} failure rate (%)`,
  });
}

/** Records the stream operator has yet to process (AWS/Lambda OffsetLag of its Kafka event source mapping). */
export function kafkaOffsetLag(operator: lambda.IFunction): cloudwatch.Metric {
  return operator.metric('OffsetLag', { statistic: cloudwatch.Stats.MAXIMUM, period: METRIC_PERIOD, label: 'offset lag' });
}

/**
 * Tasks running in the cluster: ECS/ContainerInsights TaskCount (the cluster has Container Insights on; AWS/ECS
 * counts only services' tasks, and the long lane's are standalone RunTask tasks).
 */
export function runningFargateTasks(cluster: ecs.ICluster): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'ECS/ContainerInsights',
    metricName: 'TaskCount',
    dimensionsMap: { ClusterName: cluster.clusterName },
    statistic: cloudwatch.Stats.MAXIMUM,
    period: METRIC_PERIOD,
    label: 'running tasks',
  });
}

/** Tasks the sweeper had to resolve because their worker could not (METRICS.sweeperResolvedTasks). */
export function sweeperResolvedTasks(): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: METRICS.sweeperResolvedTasks,
    dimensionsMap: { service: SWEEPER_SERVICE_NAME },
    statistic: cloudwatch.Stats.SUM,
    period: METRIC_PERIOD,
    label: 'resolved by the sweeper',
  });
}
