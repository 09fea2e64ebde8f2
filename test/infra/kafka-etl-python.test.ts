import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../functions/core/facts.js';
import { KafkaEtl } from '../../lib/constructs/kafka-etl.js';
import { PythonTaskFunction } from '../../lib/constructs/python-task-function.js';
import { ServerlessTaskStack } from '../../lib/serverless-task-stack.js';
import { TaskDestinations } from '../../lib/constructs/task-destinations.js';
import { TaskRegistry } from '../../lib/constructs/task-registry.js';
import { logicalIdOf, newTestApp, newTestStack } from './support.js';

const CLUSTER = 'arn:aws:kafka:us-east-1:123456789012:cluster/events/abcd1234-abcd-cafe-abab-9876543210ab-4';

describe('KafkaEtl with a Python operator', () => {
  it('runs a PythonTaskFunction on the mapping, with every stream variable the Python runtime reads', () => {
    // Prepare / Act
    const stack = newTestStack();
    const registry = new TaskRegistry(stack, 'Registry');
    const destinations = new TaskDestinations(stack, 'Destinations');
    const lane = new KafkaEtl(stack, 'Etl', {
      operatorName: 'classify-slow-queries-py', language: 'python', entry: 'functions/stream/classify-slow-queries-py',
      clusterArn: CLUSTER, topic: 'slow-queries', table: registry.table, deadLetterQueue: destinations.failureQueue,
    });
    const template = Template.fromStack(stack);

    // Assess
    expect(lane.operator).toBeInstanceOf(PythonTaskFunction);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'python3.14',
      Handler: 'handler.handler',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ STREAM_RETRY_ATTEMPTS: '2', STREAM_IDEMPOTENCY_TTL_SECONDS: String(DEFAULTS.streamIdempotencyTtlSeconds), STREAM_SINK_QUEUE_URL: Match.anyValue(), STREAM_DLQ_URL: Match.anyValue(), STREAM_IDEMPOTENCY_TABLE_NAME: Match.anyValue(), TASK_TABLE_NAME: Match.anyValue() }) },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: CLUSTER,
      FunctionName: { Ref: logicalIdOf(lane.operator.function) },
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'classify-slow-queries-py' },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('is the sample lane’s operator with -c kafkaOperator=python (one mapping, cdk-nag clean), and a bad value is refused', () => {
    const laneStack = (operator: string): ServerlessTaskStack => {
      const app = newTestApp();
      app.node.setContext('kafkaLane', true);
      app.node.setContext('kafkaOperator', operator);
      return new ServerlessTaskStack(app, 'ServerlessTask');
    };
    const stack = laneStack('python');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'classify-slow-queries-py' } });
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
    expect(() => laneStack('rust')).toThrow(/kafkaOperator must be 'typescript' or 'python', got 'rust'/);
  });
});
