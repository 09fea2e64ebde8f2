import type { Stack } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { KafkaEtl, type KafkaEtlProps } from '../../lib/constructs/kafka-etl.js';
import { ServerlessTaskStack } from '../../lib/serverless-task-stack.js';
import { TaskDestinations } from '../../lib/constructs/task-destinations.js';
import { TaskRegistry } from '../../lib/constructs/task-registry.js';
import { actionsOf, logicalIdOf, newTestApp, newTestStack, resourcesOf, statementsOfRole } from './support.js';

const CLUSTER = 'arn:aws:kafka:us-east-1:123456789012:cluster/events/abcd1234-abcd-cafe-abab-9876543210ab-4';

function etl(overrides: Partial<KafkaEtlProps> = {}) {
  const stack = newTestStack();
  const registry = new TaskRegistry(stack, 'Registry');
  const destinations = new TaskDestinations(stack, 'Destinations');
  const lane = new KafkaEtl(stack, 'Etl', {
    operatorName: 'enrich-slow-queries',
    entry: 'functions/stream/enrich-slow-queries/handler.ts',
    clusterArn: CLUSTER,
    topic: 'slow-queries',
    table: registry.table,
    deadLetterQueue: destinations.failureQueue,
    ...overrides,
  });
  return { stack, lane, registry, destinations, template: Template.fromStack(stack) };
}

describe('KafkaEtl', () => {
  it('maps the topic to the operator with the configured batching, retries, bisect, partial responses and on-failure DLQ', () => {
    // Prepare / Act
    const { template, destinations } = etl({ batchSize: 250, maxBatchingWindow: Duration.seconds(2), maxRecordAge: Duration.hours(1), retryAttempts: 3 });
    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: CLUSTER,
      Topics: ['slow-queries'],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'enrich-slow-queries' },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 250,
      MaximumBatchingWindowInSeconds: 2,
      MaximumRetryAttempts: 4,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRecordAgeInSeconds: 3600,
      ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 2 },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(destinations.failureQueue), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, ContentBasedDeduplication: false });
    template.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STREAM_RETRY_ATTEMPTS: '3', STREAM_SINK_QUEUE_URL: Match.anyValue(), STREAM_DLQ_URL: Match.anyValue(), STREAM_IDEMPOTENCY_TABLE_NAME: Match.anyValue(), TASK_TABLE_NAME: Match.anyValue() }) },
      Architectures: ['arm64'],
    });
  });

  it('scopes the MSK IAM-auth permissions to the cluster, the topic and the consumer group', () => {
    // Prepare / Act
    const { template, lane } = etl();
    const statements = statementsOfRole(template, logicalIdOf(lane.operator.role));
    const kafka = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kafka-cluster:')));
    // Assess
    expect(kafka.map(actionsOf).flat().filter((a) => a.startsWith('kafka-cluster:')).sort()).toEqual([
      'kafka-cluster:AlterGroup', 'kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration',
      'kafka-cluster:DescribeGroup', 'kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData',
    ]);
    const resolved = JSON.stringify(kafka.map(resourcesOf));
    expect(resolved).toContain(CLUSTER);
    expect(resolved).toContain(':topic/');
    expect(resolved).toContain('/slow-queries');
    expect(resolved).toContain(':group/');
    expect(resolved).toContain('/enrich-slow-queries');
    expect(resolved).not.toContain('"*"');
    const describe = statements.find((s) => actionsOf(s).includes('kafka:DescribeCluster'));
    expect(resourcesOf(describe!)).toEqual([CLUSTER]);
  });

  it('writes to a DynamoDB sink table instead of the FIFO queue when given one', () => {
    // Prepare
    const stack = newTestStack();
    const registry = new TaskRegistry(stack, 'Registry');
    const sinkTable = new TaskRegistry(stack, 'Sink').table;
    // Act
    const lane = new KafkaEtl(stack, 'Etl', { operatorName: 'op', entry: 'functions/stream/enrich-slow-queries/handler.ts', clusterArn: CLUSTER, topic: 't', table: registry.table, deadLetterQueue: new TaskDestinations(stack, 'D').failureQueue, sinkTable });
    // Assess
    expect(lane.sinkQueue).toBeUndefined();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ STREAM_SINK_TABLE_NAME: Match.anyValue() }) } });
  });

  it.each([
    [{ topic: 'bad topic!' }, /topic must be/],
    [{ batchSize: 0 }, /batchSize must be an integer from 1 to 10000, got 0/],
    [{ batchSize: 10_001 }, /batchSize/],
    [{ maxBatchingWindow: Duration.seconds(301) }, /maxBatchingWindow must be whole seconds, at most 300/],
    [{ retryAttempts: -1 }, /retryAttempts must be an integer from 0 to 10000/],
    [{ maxRecordAge: Duration.seconds(10) }, /maxRecordAge must be from 60 seconds to 7 days/],
    [{ provisionedPollers: { minimumPollers: 3, maximumPollers: 2 } }, /provisionedPollers/],
  ] as const)('rejects %o with a clear error', (overrides, message) => {
    expect(() => etl(overrides as Partial<KafkaEtlProps>)).toThrow(message);
  });
});

describe('the sample stack with the Kafka lane', () => {
  function laneStack(context: Record<string, unknown>): Stack {
    const app = newTestApp();
    for (const [k, v] of Object.entries(context)) app.node.setContext(k, v);
    return new ServerlessTaskStack(app, 'ServerlessTask');
  }

  it('creates an MSK Serverless cluster with IAM auth in the stack VPC, cdk-nag clean', () => {
    // Prepare / Act
    const stack = laneStack({ kafkaLane: true });
    const template = Template.fromStack(stack);
    // Assess
    template.resourceCountIs('AWS::MSK::ServerlessCluster', 1);
    template.hasResourceProperties('AWS::MSK::ServerlessCluster', { ClientAuthentication: { Sasl: { Iam: { Enabled: true } } }, VpcConfigs: [Match.objectLike({ SubnetIds: Match.anyValue() })] });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
  });

  it('uses an existing cluster by ARN, and leaves the lane out by default', () => {
    const existing = Template.fromStack(laneStack({ kafkaClusterArn: CLUSTER }));
    existing.resourceCountIs('AWS::MSK::ServerlessCluster', 0);
    existing.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: CLUSTER });
    Template.fromStack(laneStack({})).resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    expect(() => laneStack({ kafkaClusterArn: 'not-an-arn' })).toThrow(/must be an MSK cluster ARN/);
  });
});
