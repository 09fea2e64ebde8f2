import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createTaskClient, payloadSchemasOf } from '../functions/core/create-task-client.js';
import { DEFAULT_STACK_NAME, STACK_OUTPUTS, TaskFunctionsSchema, type TaskFunctions } from '../functions/core/facts.js';
import { PayloadStore } from '../functions/core/payload.js';
import { TaskRegistry } from '../functions/core/registry.js';
import type { TaskClient } from '../functions/core/task-client.js';
import { DirectoryEventStore } from './lambda/event-store.js';
import { startInvokeApi } from './lambda/invoke-api.js';
import { LocalLambdaService, type Handler, type LocalFunction } from './lambda/lambda-service.js';
import { pythonRunner } from './lambda/python-runner.js';
import { workerFunction } from './lambda/worker-function.js';
import { LogStore } from './logs/log-store.js';
import { startLogsApi } from './logs/logs-api.js';
import { startHttpApis } from './apigateway/http-apis.js';
import { startKafkaLane, type KafkaLaneHost } from './kafka/kafka-lane.js';
import { provisionStack, type FunctionSpec, type ProvisionedResource } from './provisioner.js';
import { ProcessTaskRunner } from './ecs/process-task-runner.js';
import { ECS_SCRATCH_DIR } from './ecs/scratch.js';
import { EventRouter } from './events/event-router.js';
import { executionStatusChangeEvent, s3ObjectCreatedEvent, scheduledEvent } from './events/eventbridge-events.js';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION, startEmbeddedServers, type EmbeddedServers } from './servers.js';
import { createDefaultDispatcher, LocalStepFunctions } from './stepfunctions/index.js';
import { synthesizeIfStale } from './synth.js';
import { readTemplate, type CfnTemplate } from './template.js';
import { LOCAL_TRACING_ENV } from './tracing-env.js';

/**
 * How soon after start each schedule rule first fires (then at its rate): soon, so that restarts in a row
 * never starve the sweeper, but after the invocations resumed from the data directory have claimed their
 * tasks (a retry of the same request takes its task over itself, without a RETRYING in between).
 */
const FIRST_SCHEDULED_RUN_MS = 10_000;

/**
 * How long close() lets running invocations end (a sweep, a task's last writes) before the servers they
 * talk to go: a worker killed mid-request leaves dynalite working on a database that is then closed.
 */
const CLOSE_GRACE_MS = 3_000;

export interface PlatformOptions {
  /** Repository root (for `cdk synth`); cdk.out is read from there unless `cdkOut` is given. */
  readonly root: string;
  readonly cdkOut?: string;
  /** @default DEFAULT_STACK_NAME */
  readonly stackName?: string;
  /** State kept across restarts; in memory (and temporary files) without it. */
  readonly dataDir?: string;
  /** Scales Lambda's retry delays (1 and 2 minutes). @default 0.01 */
  readonly retryDelayScale?: number;
  /** Synthesize first when cdk.out is older than the sources. @default true */
  readonly synth?: boolean;
  /** CDK context of that synth (e.g. `{ kafkaLane: 'true' }`); give it a `cdkOut` of its own. */
  readonly synthContext?: Readonly<Record<string, string>>;
  /** Scales EventBridge schedule rates (rate(1 minute) × 0.01 = every 0.6 s). @default 1 */
  readonly scheduleScale?: number;
  /** Extra environment for every function (log level, heartbeat interval...). */
  readonly functionEnv?: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
}

export interface PlatformEndpoints {
  readonly dynamodb: string;
  readonly sqs: string;
  readonly s3: string;
  readonly lambda: string;
  readonly logs: string;
  readonly sfn: string;
  /** The Kafka broker's bootstrap address, when the template has a Kafka source. */
  readonly kafka?: string;
  /** The task API (the template's first HTTP API), when the template has one. */
  readonly apigateway?: string;
}

export interface Platform {
  readonly template: CfnTemplate;
  readonly servers: EmbeddedServers;
  readonly endpoints: PlatformEndpoints;
  /** What SDK clients need to reach this platform (AWS_ENDPOINT_URL_<SERVICE>, region, credentials). */
  readonly env: Readonly<Record<string, string>>;
  readonly outputs: Readonly<Record<string, string>>;
  readonly resources: readonly ProvisionedResource[];
  readonly lambda: LocalLambdaService;
  readonly logs: LogStore;
  /** The broker and the mapping emulators, when the template has a Kafka source. */
  readonly kafka?: KafkaLaneHost;
  /** Events from an earlier run that were resumed at start. */
  readonly resumedEvents: number;
  readonly restoredMessages: number;
  /** A TaskClient wired to this platform in-process (the CLI reaches it over the APIs instead). */
  taskClient(): TaskClient;
  close(): Promise<void>;
}

/**
 * The embedded platform: storage servers, the stack from cdk.out provisioned on them, the functions
 * run by the local Lambda service, and Lambda's Invoke API and CloudWatch Logs' FilterLogEvents served
 * on loopback, so functions and the CLI reach everything through the AWS SDK and endpoint variables.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const log = options.log ?? (() => undefined);
  const cdkOut = options.cdkOut ?? join(options.root, 'cdk.out');
  if (options.synth ?? true) synthesizeIfStale(options.root, log, { outdir: cdkOut, ...(options.synthContext ? { context: options.synthContext } : {}) });
  const template = readTemplate(cdkOut, options.stackName ?? DEFAULT_STACK_NAME);

  const servers = await startEmbeddedServers(options.dataDir);
  const closers: (() => Promise<void>)[] = [() => servers.close()];
  try {
    const provisioned = await provisionStack({
      template,
      cdkOut,
      clients: { dynamodb: servers.dynamo.client, sqs: servers.sqs.client, s3: servers.s3.client },
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
    });
    const restoredMessages = await servers.sqs.restore();
    const logs = new LogStore(options.dataDir ? join(options.dataDir, 'logs') : undefined);
    const logsApi = await startLogsApi(logs, () => provisioned.logGroups as string[]);
    closers.unshift(() => logsApi.close());

    // The Lambda endpoint must be known before functions start (a function may invoke another), so the
    // service is created first and its API started before any event runs.
    let lambdaEndpoint = '';
    let sfnEndpoint = '';
    const baseEnv = (): Record<string, string> => ({
      ...servers.env,
      ...LOCAL_TRACING_ENV,
      AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logsApi.endpoint,
      ...(sfnEndpoint ? { AWS_ENDPOINT_URL_SFN: sfnEndpoint } : {}),
    });
    const pythonCache = join(options.root, '.cache', 'python');
    const workers = provisioned.functions.map((spec) =>
      loggedWorker(spec, logs, () => ({ ...baseEnv(), ...spec.env, ...(options.functionEnv ?? {}) }), spec.python ? (onLine, env) => pythonRunner(spec, env, pythonCache, onLine, log) : undefined),
    );
    closers.unshift(async () => workers.forEach((w) => w.close()));
    const functions: LocalFunction[] = provisioned.functions.map((spec, i) => ({
      name: spec.name,
      handler: workers[i] as Handler,
      retryAttempts: spec.retryAttempts,
      maxEventAgeSeconds: spec.maxEventAgeSeconds,
      // The worker or Python runner enforces it, from the end of init (a cold environment after a restart takes seconds).
      timeoutSeconds: spec.timeoutSeconds,
      memoryMb: spec.memoryMb,
      ...(spec.reservedConcurrency !== undefined ? { reservedConcurrency: spec.reservedConcurrency } : {}),
      ...(spec.successQueueUrl ? { successQueueUrl: spec.successQueueUrl } : {}),
      ...(spec.failureQueueUrl ? { failureQueueUrl: spec.failureQueueUrl } : {}),
    }));
    const lambda = new LocalLambdaService({
      functions,
      sqs: servers.sqs.client,
      retryDelayScale: options.retryDelayScale ?? 0.01,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      ...(options.dataDir ? { store: new DirectoryEventStore(join(options.dataDir, 'lambda-events')) } : {}),
    });
    closers.unshift(() => lambda.close(CLOSE_GRACE_MS));
    const invokeApi = await startInvokeApi(lambda);
    closers.unshift(() => invokeApi.close());
    lambdaEndpoint = invokeApi.endpoint;
    // The bus of the rules with event patterns: S3 object events and Step Functions status changes.
    const events = new EventRouter(provisioned.eventRules, (name, event) => lambda.invokeAsync(name, event));
    // Step Functions: Task states reach the same Lambda service, queues and tables as everything else.
    const sfnDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'stask-sfn-')));
    const stepFunctions = new LocalStepFunctions({
      dataDir: sfnDir,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      onExecutionEnded: (record) => events.publish(executionStatusChangeEvent(record, LOCAL_ACCOUNT_ID, LOCAL_REGION)),
      dispatcher: createDefaultDispatcher({
        invokeLambda: async (name, payload) => {
          const outcome = await lambda.invokeSync(name, payload);
          if (!outcome.ok) throw Object.assign(new Error(outcome.error.errorMessage), { name: outcome.error.errorType });
          return outcome.result;
        },
        sqs: servers.sqs.client,
        dynamodb: servers.dynamo.client,
        ecs: new ProcessTaskRunner({
          taskDefinitions: provisioned.taskDefinitions,
          root: options.root,
          scratchDir: join(sfnDir, ECS_SCRATCH_DIR),
          env: () => ({ ...baseEnv(), ...(options.functionEnv ?? {}) }),
          onLine: (group, stream, line) => logs.append(group, stream, line),
          region: LOCAL_REGION,
          accountId: LOCAL_ACCOUNT_ID,
          pythonCacheDir: pythonCache,
          log,
        }),
      }),
    });
    for (const machine of provisioned.stateMachines) stepFunctions.registerStateMachine(machine.name, machine.definition);
    sfnEndpoint = await stepFunctions.listen();
    closers.unshift(async () => {
      await stepFunctions.close();
      if (!options.dataDir) await rm(sfnDir, { recursive: true, force: true });
    });
    // S3 → EventBridge: object events of buckets with EventBridge notifications go to matching rules.
    servers.s3.onObjectEvent((record) => {
      if (!record.eventName.startsWith('ObjectCreated') || !provisioned.eventBridgeBuckets.includes(record.s3.bucket.name)) return;
      events.publish(s3ObjectCreatedEvent(record, LOCAL_ACCOUNT_ID, LOCAL_REGION));
    });
    // Every endpoint is known now: events stored by an earlier run may start, and new ones be delivered.
    const resumedEvents = lambda.start();
    events.open();
    for (const schedule of provisioned.schedules) {
      const fire = (): void => {
        const event = scheduledEvent(schedule.ruleArn, LOCAL_ACCOUNT_ID, LOCAL_REGION);
        for (const name of schedule.functionNames) lambda.invokeAsync(name, event);
      };
      const everyMs = schedule.everyMs * (options.scheduleScale ?? 1);
      const timer = setInterval(fire, everyMs);
      // A rule's timer restarts with the platform: run it soon after start too, so that restarts in a
      // row never keep the sweeper from running (AWS's schedule does not restart).
      const first = setTimeout(fire, Math.min(everyMs, FIRST_SCHEDULED_RUN_MS));
      timer.unref();
      first.unref();
      closers.unshift(async () => {
        clearInterval(timer);
        clearTimeout(first);
      });
    }

    const kafka = provisioned.kafkaMappings.length
      ? await startKafkaLane({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), mappings: provisioned.kafkaMappings, invoke: (name, payload) => lambda.invokeSync(name, payload), sqs: servers.sqs.client, log })
      : undefined;
    if (kafka) closers.unshift(() => kafka.close());

    // HTTP APIs: each on its own port; the outputs name their local URL instead of execute-api's.
    const httpApis = await startHttpApis(provisioned.httpApis, provisioned.outputs, (name, payload) => lambda.invokeSync(name, payload), log);
    closers.unshift(() => httpApis.close());

    const endpoints: PlatformEndpoints = {
      ...(kafka ? { kafka: kafka.broker.bootstrap } : {}),
      ...(httpApis.urls[0] ? { apigateway: httpApis.urls[0] } : {}),
      dynamodb: servers.dynamo.endpoint,
      sqs: servers.sqs.endpoint,
      s3: servers.s3.endpoint,
      lambda: invokeApi.endpoint,
      logs: logsApi.endpoint,
      sfn: sfnEndpoint,
    };
    const outputs = httpApis.outputs;
    return {
      template,
      servers,
      endpoints,
      env: baseEnv(),
      outputs,
      resources: provisioned.resources,
      lambda,
      logs,
      ...(kafka ? { kafka } : {}),
      resumedEvents,
      restoredMessages,
      taskClient: () => {
        const local = { region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } };
        const registry = new TaskRegistry(servers.dynamo.doc, requireOutput(outputs, STACK_OUTPUTS.taskTableName));
        // The same client the CLI builds, reaching this platform over its APIs (Invoke, StartExecution...).
        return createTaskClient({
          registry,
          tasks: taskFunctions(outputs),
          lambda: () => new LambdaClient({ ...local, endpoint: invokeApi.endpoint }),
          sfn: () => new SFNClient({ ...local, endpoint: sfnEndpoint }),
          sqs: () => servers.sqs.client,
          failureQueueUrl: () => requireOutput(outputs, STACK_OUTPUTS.failureQueueUrl),
          payloadStore: new PayloadStore(servers.s3.client, requireOutput(outputs, STACK_OUTPUTS.payloadBucketName)),
          payloadSchemas: payloadSchemasOf(outputs, Object.keys(taskFunctions(outputs)), 'the embedded platform'),
        });
      },
      close: async () => {
        for (const close of closers) await close();
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}

export function requireOutput(outputs: Readonly<Record<string, string>>, key: string): string {
  const value = outputs[key];
  if (!value) throw new Error(`the stack has no output ${key}`);
  return value;
}

/** The stack output TaskFunctions, parsed. */
export function taskFunctions(outputs: Readonly<Record<string, string>>): TaskFunctions {
  return TaskFunctionsSchema.parse(JSON.parse(requireOutput(outputs, STACK_OUTPUTS.taskFunctions)));
}

/**
 * A function run in a worker thread per invocation, its output kept in its log group in Lambda's JSON
 * log format: platform START/END lines and each line stamped with the request ID.
 */
function loggedWorker(
  spec: FunctionSpec,
  logs: LogStore,
  environment: () => Record<string, string>,
  runner?: (onLine: (requestId: string, line: string) => void, env: () => Record<string, string>) => Handler & { close(): void },
): Handler & { close(): void } {
  const stream = (requestId: string): string => `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${requestId}`;
  const onLine = (id: string, line: string): void => logs.append(spec.logGroupName, stream(id), asJsonLogLine(line, id));
  const worker = runner ? runner(onLine, () => ({ ...environment(), AWS_LAMBDA_FUNCTION_NAME: spec.name })) : workerFunction({
    bundleFile: spec.bundleFile,
    exportName: spec.exportName,
    env: () => ({ ...environment(), AWS_LAMBDA_FUNCTION_NAME: spec.name, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb) }),
    memoryMb: spec.memoryMb,
    timeoutSeconds: spec.timeoutSeconds,
    onLine,
  });
  const handler: Handler = async (event, context) => {
    const requestId = context.awsRequestId;
    const started = Date.now();
    const platformLine = (type: string, record: Record<string, unknown>): void =>
      logs.append(spec.logGroupName, stream(requestId), JSON.stringify({ time: new Date().toISOString(), type, record: { requestId, ...record } }));
    platformLine('platform.start', { version: '$LATEST' });
    try {
      return await worker(event, context);
    } catch (error) {
      platformLine('platform.runtimeDone', { status: 'error', errorType: (error as Error).name, message: (error as Error).message });
      throw error;
    } finally {
      platformLine('platform.report', { metrics: { durationMs: Date.now() - started, memorySizeMB: spec.memoryMb } });
    }
  };
  return Object.assign(handler, { close: () => worker.close() });
}

/** Lambda's JSON log format: a JSON line is kept (stamped with the request ID if it lacks it); text is wrapped. */
function asJsonLogLine(line: string, requestId: string): string {
  if (line.startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return line.includes(requestId) ? line : JSON.stringify({ ...parsed, requestId });
    } catch {
      // not JSON after all: wrap it below
    }
  }
  return JSON.stringify({ timestamp: new Date().toISOString(), level: 'INFO', requestId, message: line });
}
