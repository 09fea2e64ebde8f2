// Where the CLI's commands go: the embedded platform of a data directory (`stask dev`) or a deployed stack.
// Only this file knows the difference; commands get the same services either way.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTaskClient, payloadSchemasOf } from '../../functions/core/create-task-client.js';
import {
  ENDPOINTS_FILE,
  EndpointsFileSchema,
  STACK_OUTPUTS,
  TaskFunctionsSchema,
  type EndpointsFile,
  type ServiceName,
  type TaskFunctions,
} from '../../functions/core/facts.js';
import { PayloadStore } from '../../functions/core/payload.js';
import { TaskRegistry } from '../../functions/core/registry.js';
import type { TaskClient } from '../../functions/core/task-client.js';
import { CliError } from './errors.js';
import { isZombie } from '../../local/process-state.js';

export { ENDPOINTS_FILE, type EndpointsFile, type ServiceName, type TaskFunctions };

export interface ClientConfig {
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly endpoint?: string;
  /** s3rver serves buckets by path, not by virtual host. */
  readonly forcePathStyle?: boolean;
}

export interface Target {
  /** For messages: `the embedded platform in .stask`, `stack ServerlessTask`. */
  readonly description: string;
  /** Stack outputs: OutputKey → OutputValue. */
  readonly outputs: Readonly<Record<string, string>>;
  /** How to build an SDK client of a service of this target. */
  clientConfig(service: ServiceName): ClientConfig;
}

export interface TargetOptions {
  readonly dataDir: string;
  readonly stack?: string;
}

/** `--stack NAME` → the deployed stack; otherwise the embedded platform of `--data-dir`. */
export function resolveTarget(options: TargetOptions): Promise<Target> {
  return options.stack !== undefined ? stackTarget(options.stack) : embeddedTarget(options.dataDir);
}

export function notRunning(dataDir: string): CliError {
  return new CliError(`no embedded platform is running in ${dataDir} (start one with: stask dev)`);
}

/** Reads DIR/endpoints.json (written by `stask dev`); undefined when there is none. */
export async function readEndpointsFile(dataDir: string): Promise<EndpointsFile | undefined> {
  const file = join(dataDir, ENDPOINTS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON; restart the embedded platform (stask dev)`);
  }
  const parsed = EndpointsFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new CliError(`${file} is not an endpoints file of stask dev (${problems})`);
  }
  return parsed.data;
}

/** Whether a process with this ID exists (signal 0 checks without signalling). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid); // a process killed with -9 whose parent has not reaped it yet is gone, not alive
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

export async function embeddedTarget(dataDir: string): Promise<Target> {
  const file = await readEndpointsFile(dataDir);
  if (!file || !isProcessAlive(file.pid)) throw notRunning(dataDir);
  const description = `the embedded platform in ${dataDir}`;
  return {
    description,
    outputs: file.outputs,
    clientConfig: (service) => {
      const endpoint = file.endpoints[service];
      // Never fall back to AWS's endpoint for a local target.
      if (!endpoint) throw new CliError(`${description} serves no ${service} endpoint (${join(dataDir, ENDPOINTS_FILE)})`);
      return { region: file.region, credentials: file.credentials, endpoint, ...(service === 's3' ? { forcePathStyle: true } : {}) };
    },
  };
}

/** A deployed stack: AWS credentials and region from the default chain, outputs from DescribeStacks. */
export async function stackTarget(stackName: string): Promise<Target> {
  const cfn = new CloudFormationClient({});
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName })).catch((error: unknown) => {
      const message = (error as Error).message ?? '';
      if ((error as Error).name === 'ValidationError' && /does not exist/.test(message)) {
        throw new CliError(`stack '${stackName}' does not exist in this account and region`);
      }
      throw error;
    });
    const stack = out.Stacks?.[0];
    if (!stack) throw new CliError(`stack '${stackName}' does not exist in this account and region`);
    const outputs: Record<string, string> = {};
    for (const output of stack.Outputs ?? []) {
      if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
    }
    return { description: `stack ${stackName}`, outputs, clientConfig: () => ({}) };
  } finally {
    cfn.destroy();
  }
}

export function parseTaskFunctions(text: string | undefined, where: string): TaskFunctions {
  if (text === undefined) throw new CliError(`${where} has no stack output ${STACK_OUTPUTS.taskFunctions}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`the ${STACK_OUTPUTS.taskFunctions} output of ${where} is not JSON`);
  }
  const parsed = TaskFunctionsSchema.safeParse(json);
  if (!parsed.success) throw new CliError(`the ${STACK_OUTPUTS.taskFunctions} output of ${where} is malformed: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/** What commands use: the task client and the raw clients for queues and logs, all for one target. */
export interface Services {
  readonly target: Target;
  readonly tasks: TaskFunctions;
  readonly client: TaskClient;
  readonly registry: TaskRegistry;
  sqs(): SQSClient;
  logs(): CloudWatchLogsClient;
  /** A stack output that must exist. */
  output(key: string): string;
  close(): void;
}

export function connect(target: Target): Services {
  const created: { destroy(): void }[] = [];
  const lazy = <T extends { destroy(): void }>(make: () => T): (() => T) => {
    let client: T | undefined;
    return () => {
      if (!client) {
        client = make();
        created.push(client);
      }
      return client;
    };
  };
  const output = (key: string): string => {
    const value = target.outputs[key];
    if (value === undefined || value === '') throw new CliError(`${target.description} has no stack output ${key}`);
    return value;
  };

  const tasks = parseTaskFunctions(target.outputs[STACK_OUTPUTS.taskFunctions], target.description);
  const dynamo = lazy(() => new DynamoDBClient(target.clientConfig('dynamodb')));
  const doc = DynamoDBDocumentClient.from(dynamo(), { marshallOptions: { removeUndefinedValues: true } });
  const registry = new TaskRegistry(doc, output(STACK_OUTPUTS.taskTableName));
  const s3 = lazy(() => new S3Client(target.clientConfig('s3')));
  const sqs = lazy(() => new SQSClient(target.clientConfig('sqs')));
  const bucket = target.outputs[STACK_OUTPUTS.payloadBucketName];
  const client = createTaskClient({
    registry,
    tasks,
    lambda: lazy(() => new LambdaClient(target.clientConfig('lambda'))),
    sfn: lazy(() => new SFNClient(target.clientConfig('sfn'))),
    sqs,
    failureQueueUrl: () => output(STACK_OUTPUTS.failureQueueUrl),
    ...(bucket ? { payloadStore: new PayloadStore(s3(), bucket) } : {}),
    payloadSchemas: payloadSchemasOf(target.outputs, Object.keys(tasks), target.description),
  });
  return {
    target,
    tasks,
    client,
    registry,
    sqs,
    logs: lazy(() => new CloudWatchLogsClient(target.clientConfig('logs'))),
    output,
    close: () => created.forEach((c) => c.destroy()),
  };
}
