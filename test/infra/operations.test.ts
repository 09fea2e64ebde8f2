// The stack's dashboard and alarms: which metrics the widgets show, which alarms notify the one SNS topic, the
// topic's encryption, the e-mail subscription from context and the stack output.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { METRICS, METRICS_NAMESPACE, STACK_OUTPUTS, SWEEPER_SERVICE_NAME } from '../../functions/core/facts.js';
import { ROLLUP_TASK_NAME, SHORT_TASKS, ServerlessTaskStack, TRANSCODE_TASK_NAME } from '../../lib/serverless-task-stack.js';
import { OperationsAlarms } from '../../lib/constructs/operations-alarms.js';
import { logicalIdOf, newTestApp, newTestStack } from './support.js';

function synth(context: Record<string, string> = {}): { stack: ServerlessTaskStack; template: Template } {
  const app = newTestApp();
  for (const [key, value] of Object.entries(context)) app.node.setContext(key, value);
  const stack = new ServerlessTaskStack(app, 'OpsStack');
  return { stack, template: Template.fromStack(stack) };
}

/** A CloudFormation value with references as placeholders: `{Ref: X}` → `<Ref:X>`, `{Fn::GetAtt: [X, Y]}` → `<GetAtt:X.Y>`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return `<Ref:${String(object['Ref'])}>`;
  if ('Fn::GetAtt' in object) return `<GetAtt:${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

interface Widget {
  readonly properties: { readonly title: string; readonly metrics?: unknown[][] };
}

/** The dashboard's graph widgets by title, each with its metric rows (namespace, name, dimensions..., options). */
function widgetsOf(template: Template): Map<string, unknown[][]> {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = JSON.parse(flatten(dashboards[0]?.['Properties'].DashboardBody)) as { widgets: Widget[] };
  return new Map(body.widgets.map((w) => [w.properties.title, w.properties.metrics ?? []]));
}

/** A widget's metric rows without their options (the trailing object). */
function metricRows(widgets: Map<string, unknown[][]>, title: string): unknown[][] {
  const rows = widgets.get(title);
  if (!rows) throw new Error(`no widget '${title}' (have: ${[...widgets.keys()].join(' | ')})`);
  return rows.map((row) => row.filter((cell) => typeof cell === 'string'));
}

/** The one metric query of an alarm on a labelled metric (CDK renders it as `Metrics`). */
function watching(namespace: string, metricName: string, dimensions: unknown[], stat: string): unknown {
  return Match.objectLike({ MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions }, Period: 300, Stat: stat } });
}

describe('the operations dashboard', () => {
  const { stack, template } = synth();
  const widgets = widgetsOf(template);

  it('shows submitted / succeeded / failed and duration p50 / p95 of each short task from the emitted metrics', () => {
    for (const { taskName } of SHORT_TASKS) {
      // Prepare
      const fn = logicalIdOf(stack.shortTasks.get(taskName)!.function);
      // Act
      const counts = metricRows(widgets, `${taskName}: tasks per 5 min`);
      const durations = widgets.get(`${taskName}: duration (ms)`)!;
      // Assess
      expect(counts).toEqual([
        ['AWS/Lambda', 'AsyncEventsReceived', 'FunctionName', `<Ref:${fn}>`],
        [METRICS_NAMESPACE, METRICS.taskSucceeded, 'service', taskName],
        [METRICS_NAMESPACE, METRICS.taskFailed, 'service', taskName],
      ]);
      expect(durations.map((row) => [row[1], (row.at(-1) as { stat: string }).stat])).toEqual([
        [METRICS.taskDuration, 'p50'],
        [METRICS.taskDuration, 'p95'],
      ]);
    }
  });

  it('shows the long tasks from their state machines (failed = failed + timed out)', () => {
    for (const [taskName, machine] of [
      [TRANSCODE_TASK_NAME, stack.transcodeTask.stateMachine],
      [ROLLUP_TASK_NAME, stack.rollupTask.stateMachine],
    ] as const) {
      // Act
      const rows = widgets.get(`${taskName}: tasks per 5 min`)!;
      const durations = widgets.get(`${taskName}: duration (ms)`)!;
      // Assess
      const arn = `<Ref:${logicalIdOf(machine)}>`;
      const named = rows.filter((row) => typeof row[1] === 'string').map((row) => [row[0], row[1], row[3]]);
      expect(named).toEqual(
        expect.arrayContaining([
          ['AWS/States', 'ExecutionsStarted', arn],
          ['AWS/States', 'ExecutionsSucceeded', arn],
          ['AWS/States', 'ExecutionsFailed', arn],
          ['AWS/States', 'ExecutionsTimedOut', arn],
        ]),
      );
      expect(rows.some((row) => (row[0] as { expression?: string }).expression === 'FILL(executionsFailed, 0) + FILL(executionsTimedOut, 0)')).toBe(true);
      expect(durations.map((row) => [row[1], (row.at(-1) as { stat: string }).stat])).toEqual([
        ['ExecutionTime', 'p50'],
        ['ExecutionTime', 'p95'],
      ]);
    }
  });

  it('shows the DLQ depth, running Fargate tasks (Container Insights) and the tasks the sweeper resolved', () => {
    // Assess
    expect(metricRows(widgets, 'Task dead-letter queue: failure records waiting')).toEqual([
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', `<GetAtt:${logicalIdOf(stack.destinations.failureQueue)}.QueueName>`],
    ]);
    expect(metricRows(widgets, 'Fargate tasks running')).toEqual([
      ['ECS/ContainerInsights', 'TaskCount', 'ClusterName', `<Ref:${logicalIdOf(stack.mediaNetwork.cluster)}>`],
    ]);
    expect(metricRows(widgets, 'Tasks the sweeper had to resolve')).toEqual([[METRICS_NAMESPACE, METRICS.sweeperResolvedTasks, 'service', SWEEPER_SERVICE_NAME]]);
    expect(widgets.has('Kafka offset lag (records)')).toBe(false);
  });

  it('names the dashboard in a stack output', () => {
    // Assess
    const id = Object.keys(template.findResources('AWS::CloudWatch::Dashboard'))[0]!;
    template.hasOutput(STACK_OUTPUTS.dashboardName, { Value: { Ref: id } });
  });
});

describe('the alarms', () => {
  const { stack, template } = synth();
  const topicRef = { Ref: logicalIdOf(stack.alarms.topic) };

  it('send every alarm of the stack to the one topic, the DLQ depth alarm included', () => {
    // Assess
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    // One failure rate per task (3 short, 2 long), the sweeper's, the DLQ depth.
    expect(Object.keys(alarms)).toHaveLength(SHORT_TASKS.length + 2 + 2);
    for (const alarm of Object.values(alarms)) expect(alarm['Properties'].AlarmActions).toEqual([topicRef]);
    expect(alarms[logicalIdOf(stack.destinations.failureAlarm)]?.['Properties'].MetricName).toBe('ApproximateNumberOfMessagesVisible');
  });

  it('alarm on failed / (succeeded + failed) per task', () => {
    for (const taskName of [...SHORT_TASKS.map((t) => t.taskName), TRANSCODE_TASK_NAME]) {
      // Act
      const alarm = template.findResources('AWS::CloudWatch::Alarm')[logicalIdOf(stack.alarms.failureRateAlarms.get(taskName)!)]!;
      const queries = alarm['Properties'].Metrics as { Expression?: string; ReturnData?: boolean }[];
      // Assess
      expect(queries.find((q) => q.ReturnData !== false)?.Expression).toBe('100 * FILL(failed, 0) / (FILL(succeeded, 0) + FILL(failed, 0))');
      expect(alarm['Properties']).toMatchObject({ Threshold: 20, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    }
  });

  it('alarm when the sweeper had to resolve a task', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [watching(METRICS_NAMESPACE, METRICS.sweeperResolvedTasks, [{ Name: 'service', Value: SWEEPER_SERVICE_NAME }], 'Sum')],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('encrypt the topic with a rotated key CloudWatch may use, enforce TLS and output its ARN', () => {
    // Assess
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(stack.alarms.key), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: 'Encrypts the alarm notifications topic' });
    const key = template.findResources('AWS::KMS::Key')[logicalIdOf(stack.alarms.key)]!;
    const statements = key['Properties'].KeyPolicy.Statement as { Principal?: { Service?: string }; Action: string[] }[];
    expect(statements.find((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com')?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    const denyInsecure = policies.flatMap((p) => p['Properties'].PolicyDocument.Statement as { Effect: string; Condition?: unknown }[]);
    expect(denyInsecure).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    template.hasOutput(STACK_OUTPUTS.alarmTopicArn, { Value: topicRef });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('the alarms with -c alarmEmail and the Kafka lane', () => {
  const { stack, template } = synth({ alarmEmail: 'ops@example.com', kafkaLane: 'true' });

  it('subscribe the address to the topic', () => {
    // Assess
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: logicalIdOf(stack.alarms.topic) } });
  });

  it('show and alarm on the operator mapping\'s offset lag', () => {
    // Prepare
    const operator = `<Ref:${logicalIdOf(stack.kafkaLane!.etl.operator.function)}>`;
    // Act
    const rows = metricRows(widgetsOf(template), 'Kafka offset lag (records)');
    // Assess
    expect(rows).toEqual([['AWS/Lambda', 'OffsetLag', 'FunctionName', operator]]);
    expect(stack.alarms.kafkaLagAlarms).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [watching('AWS/Lambda', 'OffsetLag', [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack.kafkaLane!.etl.operator.function) } }], 'Maximum')],
      Threshold: 1000,
      EvaluationPeriods: 3,
      AlarmActions: [{ Ref: logicalIdOf(stack.alarms.topic) }],
    });
  });
});

describe('OperationsAlarms validation', () => {
  it.each([
    [{ email: 'not-an-address' }, "OperationsAlarms: the alarm e-mail (-c alarmEmail=...) must be an e-mail address, got 'not-an-address'"],
    [{ failureRatePercent: 0 }, 'OperationsAlarms: failureRatePercent must be above 0 and at most 100, got 0'],
    [{ kafkaLagRecords: 0.5 }, 'OperationsAlarms: kafkaLagRecords must be an integer >= 1, got 0.5'],
  ])('rejects %j', (props, message) => {
    // Prepare
    const scope = newTestStack();
    // Act
    const act = () => new OperationsAlarms(scope, 'Alarms', { tasks: [], ...props });
    // Assess
    expect(act).toThrow(message);
  });
});
