import { join } from 'node:path';
import { CreateTableCommand, waitUntilTableExists, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { TaskTarget } from '../functions/core/task-client.js';
import { InProcessAsyncInvoker, type LocalFunction } from './lambda/async-invoker.js';
import { workerFunction } from './lambda/worker-function.js';
import { createTableInputFromCfn, type CfnTableProperties } from './provision/dynamodb-table.js';
import { resolve, type CfnResource, type CfnTemplate, type LocalResource, type ResolveContext } from './template.js';

export interface LocalClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
}

export interface HostOptions {
  readonly template: CfnTemplate;
  readonly cdkOut: string;
  readonly clients: LocalClients;
  /** Environment every function gets on top of its own: endpoints, region, local credentials. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Scales Lambda's retry delays (1 and 2 minutes). */
  readonly retryDelayScale: number;
  readonly region?: string;
  readonly accountId?: string;
}

export interface ProvisionedResource {
  readonly logicalId: string;
  readonly type: string;
  /** What serves it locally, or why nothing needs to. */
  readonly servedBy: string;
}

export interface ShortLaneHost {
  readonly invoker: InProcessAsyncInvoker;
  /** Task name (the function's TASK_NAME) → local function. */
  readonly tasks: Readonly<Record<string, TaskTarget>>;
  readonly resources: readonly ProvisionedResource[];
  /** Stack outputs, resolved to local values. */
  readonly outputs: Readonly<Record<string, string>>;
}

/** Types that have no behaviour to emulate on one machine: permissions, keys, logs, metrics, metadata. */
const INERT_TYPES = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::Logs::LogGroup',
  'AWS::CloudWatch::Alarm',
  'AWS::SQS::QueuePolicy',
  'AWS::S3::BucketPolicy',
  'AWS::CDK::Metadata',
]);

/**
 * Provisions what the synthesized stack declares for the short-task lane on the embedded servers:
 * tables (keys, indexes), queues (redrive policies), buckets, and functions from their bundled assets
 * with their EventInvokeConfig. Local physical names are the logical IDs.
 */
export async function hostShortLane(options: HostOptions): Promise<ShortLaneHost> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const localResources = new Map<string, LocalResource>();
  const ctx: ResolveContext = { region, accountId, resources: localResources };
  const provisioned: ProvisionedResource[] = [];
  const entries = Object.entries(options.template.Resources);
  const unknown = entries.filter(([, r]) => !INERT_TYPES.has(r.Type) && !HANDLED_TYPES.has(r.Type));
  if (unknown.length) {
    throw new Error(`the template declares resource types the embedded platform does not know: ${unknown.map(([id, r]) => `${r.Type} (${id})`).join(', ')}`);
  }

  // Pass 1: storage, queues and function names, so that every Ref and GetAtt can be resolved.
  for (const [id, resource] of entries) {
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table': {
        await options.clients.dynamodb.send(new CreateTableCommand(createTableInputFromCfn(id, resource.Properties as unknown as CfnTableProperties)));
        await waitUntilTableExists({ client: options.clients.dynamodb, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: id });
        localResources.set(id, { ref: id, attributes: { Arn: `arn:aws:dynamodb:${region}:${accountId}:table/${id}` } });
        provisioned.push({ logicalId: id, type: resource.Type, servedBy: 'dynalite table' });
        break;
      }
      case 'AWS::SQS::Queue': {
        const created = await options.clients.sqs.send(new CreateQueueCommand({ QueueName: id }));
        const url = created.QueueUrl ?? '';
        const arn = `arn:aws:sqs:${region}:${accountId}:${id}`;
        localResources.set(id, { ref: url, attributes: { Arn: arn, QueueName: id, QueueUrl: url } });
        provisioned.push({ logicalId: id, type: resource.Type, servedBy: 'local-aws-sqs queue' });
        break;
      }
      case 'AWS::S3::Bucket': {
        const name = id.toLowerCase().slice(0, 63);
        await options.clients.s3.send(new CreateBucketCommand({ Bucket: name }));
        localResources.set(id, { ref: name, attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` } });
        provisioned.push({ logicalId: id, type: resource.Type, servedBy: 's3rver bucket' });
        break;
      }
      case 'AWS::Lambda::Function':
        localResources.set(id, { ref: id, attributes: { Arn: `arn:aws:lambda:${region}:${accountId}:function:${id}` } });
        break;
      default: {
        const service = resource.Type.split('::')[1]?.toLowerCase() ?? 'local';
        localResources.set(id, { ref: id, attributes: { Arn: `arn:aws:${service}:${region}:${accountId}:${id}` } });
      }
    }
  }

  // Pass 2: redrive policies (they name other queues), then functions and their async configuration.
  for (const [id, resource] of entries) {
    if (resource.Type !== 'AWS::SQS::Queue' || !resource.Properties?.RedrivePolicy) continue;
    const redrive = resolve(resource.Properties.RedrivePolicy, ctx);
    await options.clients.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: localResources.get(id)?.ref, Attributes: { RedrivePolicy: JSON.stringify(redrive) } }),
    );
  }
  const queueUrlByArn = new Map([...localResources.values()].filter((r) => r.attributes.QueueUrl).map((r) => [r.attributes.Arn, r.attributes.QueueUrl]));
  const asyncConfigs = new Map<string, Record<string, unknown>>();
  for (const [, resource] of entries) {
    if (resource.Type !== 'AWS::Lambda::EventInvokeConfig') continue;
    const props = resolve(resource.Properties, ctx) as Record<string, unknown>;
    asyncConfigs.set(String(props.FunctionName), props);
  }

  const functions: Record<string, LocalFunction> = {};
  const tasks: Record<string, TaskTarget> = {};
  for (const [id, resource] of entries) {
    if (resource.Type === 'AWS::Lambda::EventInvokeConfig') {
      provisioned.push({ logicalId: id, type: resource.Type, servedBy: 'retries, event age and destinations of the local async invoker' });
      continue;
    }
    if (resource.Type !== 'AWS::Lambda::Function') {
      if (INERT_TYPES.has(resource.Type)) provisioned.push({ logicalId: id, type: resource.Type, servedBy: 'inert locally' });
      continue;
    }
    // Only what shapes the function locally: its role and VPC settings are inert here.
    const { Handler, MemorySize, Timeout, Environment } = resource.Properties ?? {};
    const props = resolve({ Handler, MemorySize, Timeout, Environment }, ctx) as {
      Handler?: string;
      MemorySize?: number;
      Timeout?: number;
      Environment?: { Variables?: Record<string, string> };
    };
    const assetPath = assetPathOf(resource);
    if (!assetPath) throw new Error(`function ${id} has no bundled asset in ${options.cdkOut}`);
    const [file, exportName] = (props.Handler ?? 'index.handler').split('.') as [string, string];
    const config = asyncConfigs.get(id) ?? {};
    const destination = (kind: 'OnSuccess' | 'OnFailure'): string | undefined => {
      const arn = (config.DestinationConfig as Record<string, { Destination?: string }> | undefined)?.[kind]?.Destination;
      return arn ? queueUrlByArn.get(arn) : undefined;
    };
    const env = { ...options.baseEnv, ...(props.Environment?.Variables ?? {}), AWS_LAMBDA_FUNCTION_NAME: id };
    const successQueueUrl = destination('OnSuccess');
    const failureQueueUrl = destination('OnFailure');
    functions[id] = {
      handler: workerFunction({
        bundleFile: join(options.cdkOut, assetPath, `${file}.mjs`),
        exportName,
        env,
        memoryMb: props.MemorySize ?? 128,
        timeoutSeconds: props.Timeout ?? 3,
      }),
      retryAttempts: Number(config.MaximumRetryAttempts ?? 2),
      maxEventAgeSeconds: Number(config.MaximumEventAgeInSeconds ?? 21600),
      timeoutSeconds: props.Timeout ?? 3,
      ...(successQueueUrl ? { successQueueUrl } : {}),
      ...(failureQueueUrl ? { failureQueueUrl } : {}),
    };
    const taskName = props.Environment?.Variables?.TASK_NAME;
    if (taskName) tasks[taskName] = { functionName: id, maxAttempts: Number(config.MaximumRetryAttempts ?? 2) + 1 };
    provisioned.push({ logicalId: id, type: resource.Type, servedBy: `worker thread running ${assetPath}/${file}.mjs` });
  }

  const outputs = Object.fromEntries(Object.entries(options.template.Outputs ?? {}).map(([k, o]) => [k, String(resolve(o.Value, ctx))]));
  const invoker = new InProcessAsyncInvoker({ functions, sqs: options.clients.sqs, retryDelayScale: options.retryDelayScale, region, accountId });
  return { invoker, tasks, resources: provisioned, outputs };
}

/** The asset folder of a function: from the CLI's asset metadata, else from the S3 key (`<hash>.zip`). */
function assetPathOf(resource: CfnResource): string | undefined {
  const fromMetadata = resource.Metadata?.['aws:asset:path'];
  if (typeof fromMetadata === 'string') return fromMetadata;
  const key = (resource.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key;
  return typeof key === 'string' && key.endsWith('.zip') ? `asset.${key.slice(0, -'.zip'.length)}` : undefined;
}

const HANDLED_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::S3::Bucket', 'AWS::Lambda::Function', 'AWS::Lambda::EventInvokeConfig']);
