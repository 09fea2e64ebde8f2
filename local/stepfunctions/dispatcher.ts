// Task states dispatched by their Resource, as Step Functions' service integrations do: Lambda (the
// optimized `lambda:invoke` and plain function ARNs), SQS sendMessage, DynamoDB item calls and ECS
// runTask.sync. Anything else fails the execution with an error naming the Resource: never a silent pass.
import { randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DeleteItemCommandInput,
  type DynamoDBClient,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, type SendMessageCommandInput, type SQSClient } from '@aws-sdk/client-sqs';
import { TaskFailure, UncatchableTaskError } from './errors.js';

/** One invocation of a Task state. */
export interface TaskRequest {
  /** The state's `Resource`, e.g. `arn:aws:states:::lambda:invoke`. */
  readonly resource: string;
  /** The state's effective input: its input after InputPath and Parameters. */
  readonly parameters: unknown;
  readonly stateName: string;
  readonly executionArn: string;
  /** Fires when the execution is stopped, times out, or the Task's TimeoutSeconds passes: the work must stop. */
  readonly signal: AbortSignal;
}

/**
 * Runs Task states. The result becomes the state's result (then ResultSelector/ResultPath/OutputPath apply);
 * a thrown error's `name` is the States Language error that Retry/Catch match and its `message` the cause
 * (see TaskFailure).
 */
export interface TaskDispatcher {
  dispatch(request: TaskRequest): Promise<unknown>;
}

/**
 * Invokes a Lambda function synchronously (RequestResponse) and returns its result. `functionName` is the
 * function's name: ARNs, partial ARNs and qualifiers given in the definition are reduced to it. A thrown
 * error is a function error: its `name` is the errorType Step Functions matches (a function throwing an
 * error named `Timeout` is caught by `ErrorEquals: ["Timeout"]`). Throw an error named `Lambda.<Exception>`
 * (e.g. `Lambda.ResourceNotFoundException`, `Lambda.ServiceException`) for a failure of the service itself.
 */
export type InvokeLambda = (functionName: string, payload: unknown, signal: AbortSignal) => Promise<unknown>;

export interface EcsKeyValuePair {
  readonly Name?: string;
  readonly Value?: string;
}

export interface EcsContainerOverride {
  readonly Name?: string;
  readonly Command?: readonly string[];
  readonly Environment?: readonly EcsKeyValuePair[];
  readonly Cpu?: number;
  readonly Memory?: number;
}

/** The Parameters of an `ecs:runTask.sync` state (ECS RunTask's request, PascalCase as in the ASL). */
export interface EcsRunTaskParams {
  readonly Cluster?: string;
  readonly TaskDefinition?: string;
  readonly LaunchType?: string;
  readonly PlatformVersion?: string;
  readonly Overrides?: { readonly ContainerOverrides?: readonly EcsContainerOverride[]; readonly [key: string]: unknown };
  readonly NetworkConfiguration?: unknown;
  readonly [key: string]: unknown;
}

export interface EcsTaskOutcome {
  /** The essential container's exit code. */
  readonly exitCode: number;
  readonly taskArn: string;
  /** @default the first container override's Name, else "main" */
  readonly containerName?: string;
  /** @default "Essential container in task exited" */
  readonly stoppedReason?: string;
}

/** Runs an ECS task to completion (what `ecs:runTask.sync` waits for); must stop the task when `signal` fires. */
export interface EcsTaskRunner {
  run(params: EcsRunTaskParams, signal: AbortSignal): Promise<EcsTaskOutcome>;
}

export interface DefaultDispatcherDeps {
  readonly invokeLambda: InvokeLambda;
  readonly sqs: SQSClient;
  /** The low-level client: the optimized integration's Parameters are DynamoDB JSON already. */
  readonly dynamodb: DynamoDBClient;
  /** Without it, `ecs:runTask.sync` states fail the execution. */
  readonly ecs?: EcsTaskRunner;
}

export type ParsedResource =
  | { readonly kind: 'integration'; readonly service: string; readonly action: string }
  | { readonly kind: 'lambda-function'; readonly functionName: string }
  | { readonly kind: 'unknown' };

/** `arn:aws:states:::sqs:sendMessage` → integration sqs/sendMessage; `arn:aws:lambda:…:function:F` → Lambda function F. */
export function parseResource(resource: string): ParsedResource {
  const integration = /^arn:[^:]+:states:[^:]*:[^:]*:([^:]+):(.+)$/.exec(resource);
  if (integration?.[1] && integration[2]) return { kind: 'integration', service: integration[1], action: integration[2] };
  const fn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(resource);
  if (fn?.[1]) return { kind: 'lambda-function', functionName: fn[1] };
  return { kind: 'unknown' };
}

/** The Resource ARNs the default dispatcher serves (plus plain Lambda function ARNs). */
export const SUPPORTED_INTEGRATIONS = [
  'lambda:invoke',
  'sqs:sendMessage',
  'dynamodb:getItem',
  'dynamodb:putItem',
  'dynamodb:updateItem',
  'dynamodb:deleteItem',
  'ecs:runTask.sync',
] as const;

export function unsupportedResource(resource: string, why = 'it is not supported by the embedded Step Functions'): UncatchableTaskError {
  return new UncatchableTaskError(
    'States.Runtime',
    `Task Resource ${resource} cannot run locally: ${why}. Supported: ${SUPPORTED_INTEGRATIONS.map((i) => `arn:aws:states:::${i}`).join(', ')}, and Lambda function ARNs.`,
  );
}

export function createDefaultDispatcher(deps: DefaultDispatcherDeps): TaskDispatcher {
  return {
    dispatch: async (request) => {
      const parsed = parseResource(request.resource);
      if (parsed.kind === 'lambda-function') return invokeFunction(deps, parsed.functionName, request.parameters, request.signal);
      if (parsed.kind === 'unknown') throw unsupportedResource(request.resource, 'it is not a Step Functions integration or Lambda function ARN');
      switch (`${parsed.service}:${parsed.action}`) {
        case 'lambda:invoke':
          return lambdaInvoke(deps, request);
        case 'sqs:sendMessage':
          return sqsSendMessage(deps, request);
        case 'dynamodb:getItem':
        case 'dynamodb:putItem':
        case 'dynamodb:updateItem':
        case 'dynamodb:deleteItem':
          return dynamoDbCall(deps, parsed.action, request);
        case 'ecs:runTask.sync':
          return ecsRunTaskSync(deps, request);
        default:
          throw unsupportedResource(request.resource);
      }
    },
  };
}

function parametersObject(request: TaskRequest): Record<string, unknown> {
  const p = request.parameters;
  if (p === null || typeof p !== 'object' || Array.isArray(p)) {
    throw new UncatchableTaskError('States.Runtime', `Task ${request.stateName} (${request.resource}) needs Parameters as a JSON object`);
  }
  return p as Record<string, unknown>;
}

/** JSON round trip: what crosses a service boundary is JSON (Uint8Array → base64, as AWS renders blobs). */
function asJson(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
}

/** `arn:aws:lambda:r:a:function:NAME:qualifier`, `a:function:NAME`, `NAME:alias` → NAME. */
export function lambdaFunctionName(functionName: string): string {
  const afterFunction = functionName.includes(':function:') ? (functionName.split(':function:')[1] ?? '') : functionName;
  return afterFunction.split(':')[0] ?? afterFunction;
}

async function invokeFunction(deps: DefaultDispatcherDeps, functionName: string, payload: unknown, signal: AbortSignal): Promise<unknown> {
  try {
    return asJson(await deps.invokeLambda(functionName, asJson(payload), signal));
  } catch (error) {
    throw lambdaError(error);
  }
}

/** A function error as Step Functions reports it: error = errorType, cause = Lambda's error JSON. */
function lambdaError(error: unknown): TaskFailure {
  if (error instanceof TaskFailure) return error;
  const err = error instanceof Error ? error : new Error(String(error));
  const errorType = err.name || 'Error';
  if (errorType.startsWith('Lambda.') || errorType.startsWith('States.')) return new TaskFailure(errorType, err.message);
  const trace = (err.stack ?? `${errorType}: ${err.message}`).split('\n');
  return new TaskFailure(errorType, JSON.stringify({ errorType, errorMessage: err.message, trace }));
}

async function lambdaInvoke(deps: DefaultDispatcherDeps, request: TaskRequest): Promise<unknown> {
  const p = parametersObject(request);
  if (typeof p.FunctionName !== 'string' || p.FunctionName === '') {
    throw new UncatchableTaskError('States.Runtime', `Task ${request.stateName}: lambda:invoke needs Parameters.FunctionName`);
  }
  const payload = 'Payload' in p ? p.Payload : {};
  const functionName = lambdaFunctionName(p.FunctionName);
  if (p.InvocationType === 'Event') {
    // An asynchronous invoke: Lambda accepts the event (202) and the state moves on; the invocation is not
    // tied to the execution, so stopping the execution does not abort it.
    void invokeFunction(deps, functionName, payload, new AbortController().signal).catch(() => undefined);
    return { ExecutedVersion: '$LATEST', Payload: '', SdkHttpMetadata: { HttpStatusCode: 202 }, SdkResponseMetadata: { RequestId: randomUUID() }, StatusCode: 202 };
  }
  const result = await invokeFunction(deps, functionName, payload, request.signal);
  // The shape of Lambda's Invoke response as the optimized integration returns it.
  return {
    ExecutedVersion: '$LATEST',
    Payload: result,
    SdkHttpMetadata: { HttpStatusCode: 200 },
    SdkResponseMetadata: { RequestId: randomUUID() },
    StatusCode: 200,
  };
}

interface SdkError {
  readonly name?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string };
}

/** An AWS SDK error as a service integration reports it: `<Service>.<Exception>` and AWS's Java-SDK style cause. */
function serviceError(prefix: string, serviceName: string, error: unknown): TaskFailure {
  if (error instanceof TaskFailure) return error;
  const e = (error ?? {}) as SdkError;
  const code = e.name && e.name !== 'Error' ? e.name : 'ServiceException';
  const name = code.includes('.') ? code : `${prefix}.${code}`;
  const status = e.$metadata?.httpStatusCode ?? 400;
  const requestId = e.$metadata?.requestId ?? randomUUID();
  return new TaskFailure(name, `${e.message ?? String(error)} (Service: ${serviceName}; Status Code: ${status}; Error Code: ${code}; Request ID: ${requestId}; Proxy: null)`);
}

function withoutMetadata(output: object): Record<string, unknown> {
  const { $metadata: _ignored, ...rest } = output as Record<string, unknown>;
  return asJson(rest) as Record<string, unknown>;
}

async function sqsSendMessage(deps: DefaultDispatcherDeps, request: TaskRequest): Promise<unknown> {
  const p = parametersObject(request);
  // A JSON MessageBody is sent as its JSON text, as Step Functions does.
  const body = typeof p.MessageBody === 'string' ? p.MessageBody : JSON.stringify(p.MessageBody ?? null);
  try {
    const out = await deps.sqs.send(new SendMessageCommand({ ...p, MessageBody: body } as SendMessageCommandInput), { abortSignal: request.signal });
    return withoutMetadata(out);
  } catch (error) {
    throw serviceError('SQS', 'AmazonSQS', error);
  }
}

async function dynamoDbCall(deps: DefaultDispatcherDeps, action: string, request: TaskRequest): Promise<unknown> {
  const p = parametersObject(request);
  const options = { abortSignal: request.signal };
  try {
    switch (action) {
      case 'getItem':
        return withoutMetadata(await deps.dynamodb.send(new GetItemCommand(p as unknown as GetItemCommandInput), options));
      case 'putItem':
        return withoutMetadata(await deps.dynamodb.send(new PutItemCommand(p as unknown as PutItemCommandInput), options));
      case 'updateItem':
        return withoutMetadata(await deps.dynamodb.send(new UpdateItemCommand(p as unknown as UpdateItemCommandInput), options));
      default:
        return withoutMetadata(await deps.dynamodb.send(new DeleteItemCommand(p as unknown as DeleteItemCommandInput), options));
    }
  } catch (error) {
    throw serviceError('DynamoDB', 'AmazonDynamoDBv2', error);
  }
}

async function ecsRunTaskSync(deps: DefaultDispatcherDeps, request: TaskRequest): Promise<unknown> {
  if (!deps.ecs) throw unsupportedResource(request.resource, 'no EcsTaskRunner was given to the dispatcher');
  const params = parametersObject(request) as EcsRunTaskParams;
  let outcome: EcsTaskOutcome;
  try {
    outcome = await deps.ecs.run(params, request.signal);
  } catch (error) {
    throw serviceError('ECS', 'AmazonECS', error);
  }
  const task = stoppedTask(params, outcome);
  // runTask.sync fails with States.TaskFailed when the essential container exits nonzero; the cause is the task.
  if (outcome.exitCode !== 0) throw new TaskFailure('States.TaskFailed', JSON.stringify(task));
  return task;
}

/** The stopped task as ECS DescribeTasks renders it (the subset a state machine reads). */
function stoppedTask(params: EcsRunTaskParams, outcome: EcsTaskOutcome): Record<string, unknown> {
  const containerName = outcome.containerName ?? params.Overrides?.ContainerOverrides?.[0]?.Name ?? 'main';
  return {
    ClusterArn: params.Cluster ?? 'default',
    TaskArn: outcome.taskArn,
    TaskDefinitionArn: params.TaskDefinition,
    LaunchType: params.LaunchType ?? 'FARGATE',
    LastStatus: 'STOPPED',
    DesiredStatus: 'STOPPED',
    StopCode: 'EssentialContainerExited',
    StoppedReason: outcome.stoppedReason ?? 'Essential container in task exited',
    Overrides: asJson(params.Overrides ?? { ContainerOverrides: [] }),
    Containers: [{ Name: containerName, TaskArn: outcome.taskArn, LastStatus: 'STOPPED', ExitCode: outcome.exitCode }],
  };
}
