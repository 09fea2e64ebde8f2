// AWS::Lambda::EventSourceMapping resources of an MSK source (and the AWS::MSK clusters they name), read from
// the template into what the embedded platform runs: a broker topic per mapping and the mapping emulator.
import type { MappingConfig } from '../kafka/event-source-mapping.js';
import { resolve, type CfnResource, type ResolveContext } from '../template.js';
import { queueUrlByArn, type ResourceProvisioner } from './provisioner.js';

export const KAFKA_CLUSTER_TYPES: ReadonlySet<string> = new Set(['AWS::MSK::ServerlessCluster', 'AWS::MSK::Cluster']);
export const EVENT_SOURCE_MAPPING_TYPE = 'AWS::Lambda::EventSourceMapping';

export interface KafkaMappingSpec extends MappingConfig {
  /** The on-failure destination's queue URL (an SQS queue of the template). */
  readonly onFailureQueueUrl?: string;
}

export function localClusterArn(id: string, region: string, accountId: string): string {
  return `arn:aws:kafka:${region}:${accountId}:cluster/${id}/00000000-0000-0000-0000-000000000000-1`;
}

interface EsmProperties {
  FunctionName?: string;
  EventSourceArn?: string;
  Topics?: string[];
  AmazonManagedKafkaEventSourceConfig?: { ConsumerGroupId?: string };
  StartingPosition?: string;
  BatchSize?: number;
  MaximumBatchingWindowInSeconds?: number;
  MaximumRetryAttempts?: number;
  MaximumRecordAgeInSeconds?: number;
  BisectBatchOnFunctionError?: boolean;
  FunctionResponseTypes?: string[];
  DestinationConfig?: { OnFailure?: { Destination?: string } };
  Enabled?: boolean;
}

/** The Kafka mappings of a template; any other kind of event source mapping is an error naming it. */
export function kafkaMappingsOf(entries: readonly [string, CfnResource][], context: ResolveContext, queueUrlByArn: ReadonlyMap<string, string>): KafkaMappingSpec[] {
  return entries.flatMap(([id, resource]) => (resource.Type === EVENT_SOURCE_MAPPING_TYPE ? (kafkaMappingOf(id, resource, context, queueUrlByArn) ?? []) : []));
}

/** One Kafka mapping (undefined when disabled); any other kind of event source mapping is an error naming it. */
export function kafkaMappingOf(id: string, resource: CfnResource, context: ResolveContext, queueUrlByArn: ReadonlyMap<string, string>): KafkaMappingSpec | undefined {
  const p = resolve(resource.Properties, context) as EsmProperties;
  if (!p.EventSourceArn?.startsWith('arn:aws:kafka:')) {
    throw new Error(`event source mapping ${id}: source ${String(p.EventSourceArn)} is not served locally (only MSK clusters are)`);
  }
  const [topic, ...more] = p.Topics ?? [];
  if (!topic || more.length) throw new Error(`event source mapping ${id}: exactly one topic is supported, got ${JSON.stringify(p.Topics)}`);
  const functionName = String(p.FunctionName).split(':').pop() ?? String(p.FunctionName);
  if (p.Enabled === false) return undefined;
  const onFailureArn = p.DestinationConfig?.OnFailure?.Destination;
  const onFailureQueueUrl = onFailureArn ? queueUrlByArn.get(onFailureArn) : undefined;
  if (onFailureArn && !onFailureQueueUrl) throw new Error(`event source mapping ${id}: on-failure destination ${onFailureArn} is not an SQS queue of the template`);
  return {
    id,
    functionName,
    functionArn: `arn:aws:lambda:${context.region}:${context.accountId}:function:${functionName}`,
    eventSourceArn: p.EventSourceArn,
    topic,
    consumerGroupId: p.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId ?? id,
    startingPosition: p.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
    batchSize: p.BatchSize ?? 100,
    batchingWindowMs: p.MaximumBatchingWindowInSeconds === undefined ? 500 : p.MaximumBatchingWindowInSeconds * 1000,
    maximumRetryAttempts: p.MaximumRetryAttempts ?? -1,
    maximumRecordAgeSeconds: p.MaximumRecordAgeInSeconds ?? -1,
    bisectBatchOnFunctionError: p.BisectBatchOnFunctionError ?? false,
    reportBatchItemFailures: (p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
    ...(onFailureQueueUrl ? { onFailureQueueUrl } : {}),
  };
}

/** AWS::MSK::ServerlessCluster / AWS::MSK::Cluster → the one local broker. */
export const kafkaCluster: ResourceProvisioner = {
  create: (id, _resource, ctx) => {
    const arn = localClusterArn(id, ctx.resolve.region, ctx.resolve.accountId);
    return { ref: arn, attributes: { Arn: arn } };
  },
  provision: () => 'Apache Kafka broker (KRaft, one node) on loopback',
};

/** AWS::Lambda::EventSourceMapping (MSK sources) → a topic on the broker and a mapping emulator. */
export const kafkaEventSourceMapping: ResourceProvisioner = {
  provision: (id, resource, ctx) => {
    const m = kafkaMappingOf(id, resource, ctx.resolve, queueUrlByArn(ctx));
    if (!m) return 'disabled (Enabled: false): not run';
    ctx.out.kafkaMappings.push(m);
    return `mapping emulator: ${m.topic} → ${m.functionName} (group ${m.consumerGroupId})`;
  },
};
