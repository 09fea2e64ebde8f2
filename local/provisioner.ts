import { existsSync } from 'node:fs';
import { LOCAL_COMMAND_METADATA, parseLocalCommand } from '../functions/core/facts.js';
import { join } from 'node:path';
import { CreateTableCommand, ResourceInUseException, waitUntilTableExists, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueUrlCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createTableInputFromCfn, type CfnTableProperties } from './provision/dynamodb-table.js';
import { EVENT_SOURCE_MAPPING_TYPE, KAFKA_CLUSTER_TYPES, kafkaMappingsOf, localClusterArn, type KafkaMappingSpec } from './provision/kafka-mapping.js';
import { describeLocalCommand } from './ecs/local-command.js';
import type { LocalTaskDefinition } from './ecs/process-task-runner.js';
import { resolve, type CfnResource, type CfnTemplate, type LocalResource, type ResolveContext } from './template.js';

export interface ProvisionClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
}

export interface ProvisionOptions {
  readonly template: CfnTemplate;
  readonly cdkOut: string;
  readonly clients: ProvisionClients;
  readonly region?: string;
  readonly accountId?: string;
}

export interface ProvisionedResource {
  readonly logicalId: string;
  readonly type: string;
  /** What serves it locally, or why nothing needs to. */
  readonly servedBy: string;
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

export interface Provisioned {
  readonly resources: readonly ProvisionedResource[];
  readonly eventRules: readonly EventRuleSpec[];
  readonly taskDefinitions: readonly LocalTaskDefinition[];
  /** Buckets whose object events go to EventBridge (bucket name). */
  readonly eventBridgeBuckets: readonly string[];
  readonly stateMachines: readonly StateMachineSpec[];
  readonly schedules: readonly ScheduleSpec[];
  readonly functions: readonly FunctionSpec[];
  readonly logGroups: readonly string[];
  /** Kafka event source mappings (MSK sources): the platform runs a broker and a mapping emulator each. */
  readonly kafkaMappings: readonly KafkaMappingSpec[];
  /** Stack outputs resolved to local values. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly context: ResolveContext;
}

/** Types with no behaviour to emulate on one machine (permissions, keys, alarms, metadata). */
export const INERT_TYPES: ReadonlySet<string> = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::KMS::Key',
  'AWS::KMS::Alias',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  // Alarm notifications: nothing raises an alarm locally.
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::SQS::QueuePolicy',
  'AWS::S3::BucketPolicy',
  'AWS::Lambda::Permission',
  'AWS::CDK::Metadata',
  // Networking: one machine has no VPC; processes reach the embedded servers on loopback.
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::EC2::RouteTable',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::Route',
  'AWS::EC2::InternetGateway',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::EC2::NatGateway',
  'AWS::EC2::EIP',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::EC2::VPCEndpoint',
  'AWS::EC2::FlowLog',
  'AWS::ECS::ClusterCapacityProviderAssociations',
  // CDK's custom resources (e.g. restricting a VPC's default security group): nothing to do locally.
  'Custom::VpcRestrictDefaultSG',
]);

const SERVED_TYPES: ReadonlySet<string> = new Set([
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  'AWS::S3::Bucket',
  'AWS::Logs::LogGroup',
  'AWS::Lambda::Function',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Events::Rule',
  'AWS::StepFunctions::StateMachine',
  'AWS::ECS::Cluster',
  'AWS::ECS::TaskDefinition',
  'Custom::S3BucketNotifications',
  EVENT_SOURCE_MAPPING_TYPE,
  ...KAFKA_CLUSTER_TYPES,
]);

/**
 * Provisions on the embedded servers what a synthesized template declares: tables with their keys and
 * indexes, queues with redrive policies, buckets, log groups, and function specs from the bundled assets
 * with their EventInvokeConfig. Idempotent, so a restart over a data directory finds its resources
 * again. Local physical names are the logical IDs. A resource type it does not know is an error naming it.
 */
export async function provisionStack(options: ProvisionOptions): Promise<Provisioned> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const local = new Map<string, LocalResource>();
  const context: ResolveContext = { region, accountId, resources: local };
  const entries = Object.entries(options.template.Resources);
  const unknown = entries.filter(([, r]) => !INERT_TYPES.has(r.Type) && !SERVED_TYPES.has(r.Type));
  if (unknown.length) {
    throw new Error(
      `the template declares resource types the embedded platform does not know: ${unknown.map(([id, r]) => `${r.Type} (${id})`).join(', ')}`,
    );
  }

  const resources: ProvisionedResource[] = [];
  const logGroups: string[] = [];
  // Pass 1: everything another resource may reference by Ref or Fn::GetAtt.
  for (const [id, resource] of entries) {
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        await createTable(options.clients.dynamodb, id, resource);
        local.set(id, { ref: id, attributes: { Arn: `arn:aws:dynamodb:${region}:${accountId}:table/${id}` } });
        resources.push({ logicalId: id, type: resource.Type, servedBy: 'dynalite table' });
        break;
      case 'AWS::SQS::Queue': {
        const fifo = resource.Properties?.FifoQueue === true;
        const url = await createQueue(options.clients.sqs, fifo ? `${id}.fifo` : id, fifo ? { FifoQueue: 'true', ContentBasedDeduplication: String(resource.Properties?.ContentBasedDeduplication === true) } : undefined);
        local.set(id, { ref: url, attributes: { Arn: `arn:aws:sqs:${region}:${accountId}:${id}`, QueueName: id, QueueUrl: url } });
        resources.push({ logicalId: id, type: resource.Type, servedBy: 'local-aws-sqs queue (journaled)' });
        break;
      }
      case 'AWS::S3::Bucket': {
        const name = id.toLowerCase().slice(0, 63);
        await createBucket(options.clients.s3, name);
        local.set(id, { ref: name, attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` } });
        resources.push({ logicalId: id, type: resource.Type, servedBy: 's3rver bucket' });
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const name = typeof resource.Properties?.LogGroupName === 'string' ? resource.Properties.LogGroupName : id;
        logGroups.push(name);
        local.set(id, { ref: name, attributes: { Arn: `arn:aws:logs:${region}:${accountId}:log-group:${name}:*` } });
        resources.push({ logicalId: id, type: resource.Type, servedBy: 'local log store (FilterLogEvents)' });
        break;
      }
      case 'AWS::Lambda::Function':
        local.set(id, { ref: id, attributes: { Arn: `arn:aws:lambda:${region}:${accountId}:function:${id}` } });
        break;
      case 'AWS::ECS::Cluster':
        local.set(id, { ref: id, attributes: { Arn: `arn:aws:ecs:${region}:${accountId}:cluster/${id}` } });
        resources.push({ logicalId: id, type: resource.Type, servedBy: 'child processes on this machine' });
        break;
      case 'AWS::ECS::TaskDefinition': {
        const family = typeof resource.Properties?.Family === 'string' ? resource.Properties.Family : id;
        const arn = `arn:aws:ecs:${region}:${accountId}:task-definition/${family}:1`;
        local.set(id, { ref: arn, attributes: { TaskDefinitionArn: arn } });
        break;
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = typeof resource.Properties?.StateMachineName === 'string' ? resource.Properties.StateMachineName : id;
        const arn = `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;
        local.set(id, { ref: arn, attributes: { Arn: arn, Name: name } });
        break;
      }
      case 'AWS::MSK::ServerlessCluster':
      case 'AWS::MSK::Cluster': {
        const arn = localClusterArn(id, region, accountId);
        local.set(id, { ref: arn, attributes: { Arn: arn } });
        resources.push({ logicalId: id, type: resource.Type, servedBy: 'Apache Kafka broker (KRaft, one node) on loopback' });
        break;
      }
      default: {
        const service = resource.Type.split('::')[1]?.toLowerCase() ?? 'local';
        local.set(id, { ref: id, attributes: { Arn: `arn:aws:${service}:${region}:${accountId}:${id}` }, inert: INERT_TYPES.has(resource.Type) });
      }
    }
  }

  // Pass 2: what refers to pass 1: redrive policies, event invoke configs, functions.
  for (const [id, resource] of entries) {
    if (resource.Type !== 'AWS::SQS::Queue' || !resource.Properties?.RedrivePolicy) continue;
    await options.clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: local.get(id)?.ref,
        Attributes: { RedrivePolicy: JSON.stringify(resolve(resource.Properties.RedrivePolicy, context)) },
      }),
    );
  }
  const queueUrlByArn = new Map([...local.values()].filter((r) => r.attributes.QueueUrl).map((r) => [r.attributes.Arn, r.attributes.QueueUrl]));
  const asyncConfigs = new Map<string, Record<string, unknown>>();
  for (const [id, resource] of entries) {
    if (resource.Type !== 'AWS::Lambda::EventInvokeConfig') continue;
    const props = resolve(resource.Properties, context) as Record<string, unknown>;
    asyncConfigs.set(String(props.FunctionName), props);
    resources.push({ logicalId: id, type: resource.Type, servedBy: 'retries, event age and destinations of the local Lambda service' });
  }

  const functions: FunctionSpec[] = [];
  for (const [id, resource] of entries) {
    if (INERT_TYPES.has(resource.Type)) resources.push({ logicalId: id, type: resource.Type, servedBy: 'inert locally' });
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    // Only what shapes the function locally: its role, tracing and architecture are inert here.
    const { Handler, MemorySize, Timeout, Environment, ReservedConcurrentExecutions, LoggingConfig } = resource.Properties ?? {};
    const props = resolve({ Handler, MemorySize, Timeout, Environment, ReservedConcurrentExecutions, LoggingConfig }, context) as {
      Handler?: string;
      MemorySize?: number;
      Timeout?: number;
      Environment?: { Variables?: Record<string, string> };
      ReservedConcurrentExecutions?: number;
      LoggingConfig?: { LogGroup?: string };
    };
    const [file, exportName] = (props.Handler ?? 'index.handler').split('.') as [string, string];
    const assetPath = assetPathOf(resource);
    const inline = (resource.Properties?.Code as { ZipFile?: unknown } | undefined)?.ZipFile !== undefined;
    const runtime = String(resource.Properties?.Runtime ?? '');
    const python = runtime.startsWith('python3') && assetPath && !inline ? { assetDir: join(options.cdkOut, assetPath), handler: props.Handler ?? 'handler.handler', runtime } : undefined;
    if (inline || file === '__entrypoint__' || (assetPath && !python && !existsSync(join(options.cdkOut, assetPath, `${file}.mjs`)))) {
      // CDK's own custom-resource handlers (inline code or CommonJS providers): the platform applies
      // what they would do (bucket notifications) or it does not matter on one machine.
      resources.push({ logicalId: id, type: resource.Type, servedBy: 'not run locally: a CloudFormation custom-resource handler' });
      continue;
    }
    if (!assetPath) throw new Error(`function ${id} has no bundled asset in ${options.cdkOut}`);
    const config = asyncConfigs.get(id) ?? {};
    const destination = (kind: 'OnSuccess' | 'OnFailure'): string | undefined => {
      const arn = (config.DestinationConfig as Record<string, { Destination?: string }> | undefined)?.[kind]?.Destination;
      return arn ? queueUrlByArn.get(arn) : undefined;
    };
    const successQueueUrl = destination('OnSuccess');
    const failureQueueUrl = destination('OnFailure');
    const logGroupName = props.LoggingConfig?.LogGroup ?? `/aws/lambda/${id}`;
    if (!logGroups.includes(logGroupName)) logGroups.push(logGroupName);
    functions.push({
      name: id,
      bundleFile: join(options.cdkOut, assetPath, `${file}.mjs`),
      exportName,
      env: props.Environment?.Variables ?? {},
      memoryMb: props.MemorySize ?? 128,
      timeoutSeconds: props.Timeout ?? 3,
      ...(props.ReservedConcurrentExecutions !== undefined ? { reservedConcurrency: props.ReservedConcurrentExecutions } : {}),
      retryAttempts: Number(config.MaximumRetryAttempts ?? 2),
      maxEventAgeSeconds: Number(config.MaximumEventAgeInSeconds ?? 21600),
      ...(successQueueUrl ? { successQueueUrl } : {}),
      ...(failureQueueUrl ? { failureQueueUrl } : {}),
      logGroupName,
      ...(python ? { python } : {}),
    });
    resources.push({
      logicalId: id,
      type: resource.Type,
      servedBy: python ? `${runtime} via the local Runtime API and awslambdaric: ${assetPath} ${python.handler}` : `worker thread per invocation: ${assetPath}/${file}.mjs`,
    });
  }

  const schedules: ScheduleSpec[] = [];
  const eventRules: EventRuleSpec[] = [];
  for (const [id, resource] of entries) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const props = resolve(resource.Properties, context) as { ScheduleExpression?: string; EventPattern?: unknown; State?: string; Targets?: { Arn: string }[] };
    const functionNames = (props.Targets ?? []).map((t) => {
      const name = /:function:([^:]+)/.exec(t.Arn)?.[1];
      if (!name) throw new Error(`rule ${id}: target ${t.Arn} is not a Lambda function; only Lambda targets are served locally`);
      return name;
    });
    if (!props.ScheduleExpression) {
      if (props.State !== 'DISABLED') eventRules.push({ ruleName: id, pattern: props.EventPattern, functionNames });
      resources.push({ logicalId: id, type: resource.Type, servedBy: `event pattern → ${functionNames.join(', ')}` });
      continue;
    }
    const everyMs = rateToMs(id, props.ScheduleExpression);
    if (props.State !== 'DISABLED') schedules.push({ ruleName: id, ruleArn: `arn:aws:events:${region}:${accountId}:rule/${id}`, everyMs, functionNames });
    resources.push({ logicalId: id, type: resource.Type, servedBy: `timer: ${props.ScheduleExpression} → ${functionNames.join(', ')}` });
  }

  const taskDefinitions: LocalTaskDefinition[] = [];
  for (const [id, resource] of entries) {
    if (resource.Type !== 'AWS::ECS::TaskDefinition') continue;
    const props = resolve({ ContainerDefinitions: resource.Properties?.ContainerDefinitions }, context) as {
      ContainerDefinitions?: { Name: string; Environment?: { Name: string; Value: string }[]; LogConfiguration?: { Options?: Record<string, string> } }[];
    };
    const command = parseLocalCommand(resource.Metadata?.[LOCAL_COMMAND_METADATA], `task definition ${id}`);
    taskDefinitions.push({
      arn: local.get(id)?.ref ?? id,
      family: local.get(id)?.ref.split('/').pop()?.replace(/:\d+$/, '') ?? id,
      containers: (props.ContainerDefinitions ?? []).map((c) => ({
        name: c.Name,
        environment: Object.fromEntries((c.Environment ?? []).map((kv) => [kv.Name, kv.Value])),
        localCommand: command,
        ...(c.LogConfiguration?.Options?.['awslogs-group'] ? { logGroupName: c.LogConfiguration.Options['awslogs-group'] } : {}),
        ...(c.LogConfiguration?.Options?.['awslogs-stream-prefix'] ? { streamPrefix: c.LogConfiguration.Options['awslogs-stream-prefix'] } : {}),
      })),
    });
    resources.push({
      logicalId: id,
      type: resource.Type,
      servedBy: describeLocalCommand(command),
    });
  }
  const eventBridgeBuckets: string[] = [];
  for (const [id, resource] of entries) {
    if (resource.Type !== 'Custom::S3BucketNotifications') continue;
    const props = resolve({ BucketName: resource.Properties?.BucketName, NotificationConfiguration: resource.Properties?.NotificationConfiguration }, context) as {
      BucketName: string;
      NotificationConfiguration?: { EventBridgeConfiguration?: unknown };
    };
    if (props.NotificationConfiguration?.EventBridgeConfiguration) eventBridgeBuckets.push(props.BucketName);
    resources.push({ logicalId: id, type: resource.Type, servedBy: `s3rver object events of ${props.BucketName} → EventBridge rules` });
  }

  const stateMachines: StateMachineSpec[] = [];
  for (const [id, resource] of entries) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const props = resolve({ DefinitionString: resource.Properties?.DefinitionString, Definition: resource.Properties?.Definition }, context) as {
      DefinitionString?: string;
      Definition?: unknown;
    };
    const definition = props.DefinitionString ?? (props.Definition ? JSON.stringify(props.Definition) : undefined);
    if (!definition) throw new Error(`state machine ${id} has no definition (DefinitionS3Location is not served locally)`);
    stateMachines.push({ name: local.get(id)?.attributes.Name ?? id, definition });
    resources.push({ logicalId: id, type: resource.Type, servedBy: 'local Step Functions (aws-local-stepfunctions)' });
  }

  const kafkaMappings = kafkaMappingsOf(entries, context, queueUrlByArn as ReadonlyMap<string, string>);
  for (const m of kafkaMappings) resources.push({ logicalId: m.id, type: EVENT_SOURCE_MAPPING_TYPE, servedBy: `mapping emulator: ${m.topic} → ${m.functionName} (group ${m.consumerGroupId})` });

  const outputs = Object.fromEntries(Object.entries(options.template.Outputs ?? {}).map(([k, o]) => [k, String(resolve(o.Value, context))]));
  return { resources, eventRules, taskDefinitions, eventBridgeBuckets, stateMachines, schedules, functions, logGroups, kafkaMappings, outputs, context };
}

async function createTable(client: DynamoDBClient, name: string, resource: CfnResource): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInputFromCfn(name, resource.Properties as unknown as CfnTableProperties)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error; // persisted from an earlier run
  }
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
}

async function createQueue(client: SQSClient, name: string, attributes?: Record<string, string>): Promise<string> {
  try {
    return (await client.send(new CreateQueueCommand({ QueueName: name, ...(attributes ? { Attributes: attributes } : {}) }))).QueueUrl ?? '';
  } catch (error) {
    // It exists with the attributes set in pass 2 of an earlier provisioning: the queue is reused as is.
    if ((error as { name?: string }).name !== 'QueueNameExists') throw error;
    return (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? '';
  }
}

async function createBucket(client: S3Client, name: string): Promise<void> {
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    const code = (error as { name?: string }).name;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
  }
}

/** The asset folder of a function: from the CLI's asset metadata, else from the S3 key (`<hash>.zip`). */
function assetPathOf(resource: CfnResource): string | undefined {
  const fromMetadata = resource.Metadata?.['aws:asset:path'];
  if (typeof fromMetadata === 'string') return fromMetadata;
  const key = (resource.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key;
  return typeof key === 'string' && key.endsWith('.zip') ? `asset.${key.slice(0, -'.zip'.length)}` : undefined;
}

/** `rate(5 minutes)` → 300000. cron() schedules are refused with a clear error: no local cron yet. */
function rateToMs(ruleId: string, expression: string): number {
  const match = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) throw new Error(`rule ${ruleId}: schedule ${expression} is not served locally (only rate(N minutes|hours|days))`);
  const unit = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 }[match[2] as 'minute'];
  return Number(match[1]) * unit;
}
