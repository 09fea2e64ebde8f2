// What every per-type provisioner implements, and what they share: the clients of the embedded servers, the
// resolve context that grows in pass 1, and the specs pass 2 hands to the platform.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalTaskDefinition } from '../ecs/process-task-runner.js';
import type { CfnResource, CfnTemplate, LocalResource, ResolveContext } from '../template.js';
import type { HttpApiSpec } from './apigateway.js';
import type { KafkaMappingSpec } from './kafka-mapping.js';

export interface ProvisionClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
}

/** A Lambda function of the template, resolved to local values; the platform decides how to run it. */
export interface FunctionSpec {
  readonly name: string;
  readonly bundleFile: string;
  readonly exportName: string;
  readonly env: Readonly<Record<string, string>>;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency?: number;
  readonly retryAttempts: number;
  readonly maxEventAgeSeconds: number;
  readonly successQueueUrl?: string;
  readonly failureQueueUrl?: string;
  readonly logGroupName: string;
  /** A python3.x function: its asset directory, `module.function` handler and runtime (run by awslambdaric). */
  readonly python?: { readonly assetDir: string; readonly handler: string; readonly runtime: string };
}

/** A scheduled EventBridge rule: the platform invokes its Lambda targets every `everyMs`. */
export interface ScheduleSpec {
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly everyMs: number;
  readonly functionNames: readonly string[];
}

/** An EventBridge rule with an event pattern (S3 object events here) and its Lambda targets. */
export interface EventRuleSpec {
  readonly ruleName: string;
  readonly pattern: unknown;
  readonly functionNames: readonly string[];
}

/** A state machine of the template with its definition resolved to local ARNs and names. */
export interface StateMachineSpec {
  readonly name: string;
  readonly definition: string;
  readonly roleArn?: string;
}

/** What the platform runs, collected by the provisioners in template order. */
export interface ProvisionOutput {
  readonly functions: FunctionSpec[];
  readonly schedules: ScheduleSpec[];
  readonly eventRules: EventRuleSpec[];
  readonly taskDefinitions: LocalTaskDefinition[];
  /** Buckets whose object events go to EventBridge (bucket name). */
  readonly eventBridgeBuckets: string[];
  readonly stateMachines: StateMachineSpec[];
  readonly logGroups: string[];
  /** Kafka event source mappings (MSK sources): the platform runs a broker and a mapping emulator each. */
  readonly kafkaMappings: KafkaMappingSpec[];
  /** HTTP APIs (API Gateway v2): the platform serves each on a loopback port. */
  readonly httpApis: HttpApiSpec[];
}

export interface ProvisionContext {
  readonly template: CfnTemplate;
  readonly cdkOut: string;
  readonly clients: ProvisionClients;
  /** Region, account and every resource's local identity (complete once pass 1 is done). */
  readonly resolve: ResolveContext;
  readonly out: ProvisionOutput;
}

/**
 * How the embedded platform serves one CloudFormation resource type. Pass 1 runs `create` for every resource
 * in template order (what another resource may reference by Ref or Fn::GetAtt); pass 2 runs `provision`,
 * which may resolve references to any resource, records what the platform runs, and says what serves it.
 */
export interface ResourceProvisioner {
  /** Creates the resource on its server; returns its `Ref` and attributes. @default an ARN from the logical ID */
  readonly create?: (id: string, resource: CfnResource, ctx: ProvisionContext) => LocalResource | Promise<LocalResource>;
  /** Configures the resource once everything resolves; returns what serves it locally (or why nothing needs to). */
  readonly provision: (id: string, resource: CfnResource, ctx: ProvisionContext) => string | Promise<string>;
  /** Nothing to emulate on one machine: every attribute resolves to a placeholder. */
  readonly inert?: boolean;
}

/** The local identity of a resource without a provisioner-specific one. */
export function defaultLocalResource(id: string, resource: CfnResource, ctx: ProvisionContext, inert: boolean): LocalResource {
  const service = resource.Type.split('::')[1]?.toLowerCase() ?? 'local';
  return { ref: id, attributes: { Arn: `arn:aws:${service}:${ctx.resolve.region}:${ctx.resolve.accountId}:${id}` }, inert };
}

/** Queue URLs by queue ARN (destinations and redrive targets are given as ARNs). */
export function queueUrlByArn(ctx: ProvisionContext): ReadonlyMap<string, string> {
  const pairs: [string, string][] = [];
  for (const r of ctx.resolve.resources.values()) {
    const { Arn, QueueUrl } = r.attributes;
    if (Arn && QueueUrl) pairs.push([Arn, QueueUrl]);
  }
  return new Map(pairs);
}
