// The sample stack's Kafka lane as the embedded platform reads it from the synthesized template.
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ServerlessTaskStack } from '../../../lib/serverless-task-stack.js';
import { kafkaMappingsOf, localClusterArn } from '../../../local/provision/kafka-mapping.js';
import type { CfnResource, LocalResource, ResolveContext } from '../../../local/template.js';
import { newTestApp } from '../../infra/support.js';

function laneTemplate(): Record<string, CfnResource> {
  const app = newTestApp();
  app.node.setContext('kafkaLane', true);
  return Template.fromStack(new ServerlessTaskStack(app, 'ServerlessTask')).toJSON().Resources as Record<string, CfnResource>;
}

describe('kafkaMappingsOf', () => {
  it('reads topic, group, batching, retries, bisect, partial responses and the on-failure queue of the MSK mapping', () => {
    // Prepare: every resource resolves to its local name, as the provisioner's first pass leaves them.
    const resources = laneTemplate();
    const local = new Map<string, LocalResource>();
    for (const [id, r] of Object.entries(resources)) {
      const arn = r.Type.startsWith('AWS::MSK::') ? localClusterArn(id, 'us-east-1', '000000000000') : `arn:aws:x:us-east-1:000000000000:${id}`;
      local.set(id, { ref: id, attributes: { Arn: arn, QueueUrl: `http://sqs/${id}` } });
    }
    const context: ResolveContext = { region: 'us-east-1', accountId: '000000000000', resources: local };
    const dlq = Object.keys(resources).find((id) => id.startsWith('TaskDestinationsFailureQueue'))!;
    // Act
    const [mapping, ...others] = kafkaMappingsOf(Object.entries(resources), context, new Map([[`arn:aws:x:us-east-1:000000000000:${dlq}`, `http://sqs/${dlq}`]]));
    // Assess
    expect(others).toEqual([]);
    expect(mapping).toMatchObject({
      topic: 'slow-queries',
      consumerGroupId: 'enrich-slow-queries',
      startingPosition: 'TRIM_HORIZON',
      batchSize: 100,
      batchingWindowMs: 500,
      maximumRetryAttempts: 3,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      maximumRecordAgeSeconds: -1,
      onFailureQueueUrl: `http://sqs/${dlq}`,
    });
    expect(mapping?.eventSourceArn).toMatch(/^arn:aws:kafka:us-east-1:000000000000:cluster\/KafkaLaneCluster/);
    expect(resources[mapping?.functionName ?? '']?.Type).toBe('AWS::Lambda::Function');
  });

  it('refuses a mapping of another source with a clear error', () => {
    const context: ResolveContext = { region: 'us-east-1', accountId: '000000000000', resources: new Map() };
    const sqsMapping: CfnResource = { Type: 'AWS::Lambda::EventSourceMapping', Properties: { FunctionName: 'f', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:q' } };
    expect(() => kafkaMappingsOf([['Esm', sqsMapping]], context, new Map())).toThrow(/Esm: source arn:aws:sqs:.* is not served locally/);
  });
});
