// AWS::Lambda::Function → a function spec from its bundled asset in cdk.out (Node: a worker thread per
// execution environment; python3.x: the local Runtime API and awslambdaric), with its EventInvokeConfig;
// AWS::Lambda::EventInvokeConfig → the local Lambda service's retries, event age and destinations.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolve, type CfnResource } from '../template.js';
import { queueUrlByArn, type ProvisionContext, type ResourceProvisioner } from './provisioner.js';

export const lambdaFunction: ResourceProvisioner = {
  create: (id, _resource, ctx) => ({ ref: id, attributes: { Arn: `arn:aws:lambda:${ctx.resolve.region}:${ctx.resolve.accountId}:function:${id}` } }),
  provision: (id, resource, ctx) => {
    // Only what shapes the function locally: its role, tracing and architecture are inert here.
    const { Handler, MemorySize, Timeout, Environment, ReservedConcurrentExecutions, LoggingConfig } = resource.Properties ?? {};
    const props = resolve({ Handler, MemorySize, Timeout, Environment, ReservedConcurrentExecutions, LoggingConfig }, ctx.resolve) as {
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
    const python = runtime.startsWith('python3') && assetPath && !inline ? { assetDir: join(ctx.cdkOut, assetPath), handler: props.Handler ?? 'handler.handler', runtime } : undefined;
    if (inline || file === '__entrypoint__' || (assetPath && !python && !existsSync(join(ctx.cdkOut, assetPath, `${file}.mjs`)))) {
      // CDK's own custom-resource handlers (inline code or CommonJS providers): the platform applies
      // what they would do (bucket notifications) or it does not matter on one machine.
      return 'not run locally: a CloudFormation custom-resource handler';
    }
    if (!assetPath) throw new Error(`function ${id} has no bundled asset in ${ctx.cdkOut}`);
    const config = eventInvokeConfigOf(id, ctx);
    const queues = queueUrlByArn(ctx);
    const destination = (kind: 'OnSuccess' | 'OnFailure'): string | undefined => {
      const arn = (config.DestinationConfig as Record<string, { Destination?: string }> | undefined)?.[kind]?.Destination;
      return arn ? queues.get(arn) : undefined;
    };
    const successQueueUrl = destination('OnSuccess');
    const failureQueueUrl = destination('OnFailure');
    const logGroupName = props.LoggingConfig?.LogGroup ?? `/aws/lambda/${id}`;
    if (!ctx.out.logGroups.includes(logGroupName)) ctx.out.logGroups.push(logGroupName);
    ctx.out.functions.push({
      name: id,
      bundleFile: join(ctx.cdkOut, assetPath, `${file}.mjs`),
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
    return python ? `${runtime} via the local Runtime API and awslambdaric: ${assetPath} ${python.handler}` : `worker thread per invocation: ${assetPath}/${file}.mjs`;
  },
};

export const eventInvokeConfig: ResourceProvisioner = {
  provision: (_id, resource, ctx) => {
    resolve(resource.Properties, ctx.resolve); // read by the function it names; an unresolvable reference is an error here too
    return 'retries, event age and destinations of the local Lambda service';
  },
};

/** The resolved properties of the EventInvokeConfig naming the function (empty without one). */
function eventInvokeConfigOf(functionId: string, ctx: ProvisionContext): Record<string, unknown> {
  let found: Record<string, unknown> = {};
  for (const resource of Object.values(ctx.template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventInvokeConfig') continue;
    const props = resolve(resource.Properties, ctx.resolve) as Record<string, unknown>;
    if (String(props.FunctionName) === functionId) found = props; // the last one wins, as when they were collected in a map
  }
  return found;
}

/** The asset folder of a function: from the CLI's asset metadata, else from the S3 key (`<hash>.zip`). */
function assetPathOf(resource: CfnResource): string | undefined {
  const fromMetadata = resource.Metadata?.['aws:asset:path'];
  if (typeof fromMetadata === 'string') return fromMetadata;
  const key = (resource.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key;
  return typeof key === 'string' && key.endsWith('.zip') ? `asset.${key.slice(0, -'.zip'.length)}` : undefined;
}
