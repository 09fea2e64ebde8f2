// The short-task lane wired on embedded servers: registry (dynalite), destinations (local-aws-sqs),
// claim-check bucket (s3rver), TaskClient and Lambda's asynchronous semantics in-process.
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DestinationRecord } from '../../functions/core/destination-record.js';
import { PayloadStore, type PayloadLimits } from '../../functions/core/payload.js';
import { TaskRegistry } from '../../functions/core/registry.js';
import { TaskClient } from '../../functions/core/task-client.js';
import { taskHandler, type TaskContext, type TaskRuntimeDeps } from '../../functions/core/task-runtime.js';
import { LocalLambdaService, type LocalFunction } from '../../local/lambda/lambda-service.js';
import {
  createTaskTable,
  startDynalite,
  startS3,
  startSqs,
  type EmbeddedDynamo,
  type EmbeddedS3,
  type EmbeddedSqs,
} from './embedded-servers.js';

export interface Servers {
  readonly dynamo: EmbeddedDynamo;
  readonly sqs: EmbeddedSqs;
  readonly s3: EmbeddedS3;
  close(): Promise<void>;
}

export async function startServers(): Promise<Servers> {
  const [dynamo, sqs, s3] = await Promise.all([startDynalite(), startSqs(), startS3()]);
  return { dynamo, sqs, s3, close: async () => void (await Promise.all([dynamo.close(), sqs.close(), s3.close()])) };
}

export type Work = (payload: unknown, ctx: TaskContext) => Promise<unknown>;

export interface LaneOptions {
  readonly tasks: Readonly<Record<string, { work: Work; retryAttempts?: number; timeoutSeconds?: number; parsePayload?: (raw: unknown) => unknown }>>;
  readonly heartbeatMs?: number;
  readonly limits?: PayloadLimits;
  /** Task name → the JSON Schema its payload is checked against at submit. */
  readonly payloadSchemas?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface Lane {
  readonly client: TaskClient;
  readonly registry: TaskRegistry;
  readonly payloadStore: PayloadStore;
  readonly invoker: LocalLambdaService;
  readonly successQueueUrl: string;
  readonly failureQueueUrl: string;
  /** Receives and deletes every record currently in the queue. */
  drainQueue(url: string): Promise<DestinationRecord[]>;
  runtimeDeps(retryAttempts: number): TaskRuntimeDeps;
}

let laneCounter = 0;

export async function createLane(servers: Servers, options: LaneOptions): Promise<Lane> {
  const n = ++laneCounter;
  const table = await createTaskTable(servers.dynamo);
  const successQueueUrl = await servers.sqs.createQueue(`success-${process.pid}-${n}`);
  const failureQueueUrl = await servers.sqs.createQueue(`failure-${process.pid}-${n}`);
  const bucket = await servers.s3.createBucket(`payloads-${process.pid}-${n}`);
  const registry = new TaskRegistry(servers.dynamo.doc, table);
  const payloadStore = new PayloadStore(servers.s3.client, bucket);
  const runtimeDeps = (retryAttempts: number): TaskRuntimeDeps => ({
    registry,
    payloadStore,
    maxAttempts: retryAttempts + 1,
    heartbeatMs: options.heartbeatMs ?? 50,
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'ServerlessTaskTest', serviceName: 'test', singleMetric: false }),
  });

  const functions: LocalFunction[] = [];
  for (const [name, t] of Object.entries(options.tasks)) {
    const retryAttempts = t.retryAttempts ?? 2;
    functions.push({
      name: `fn-${name}`,
      handler: taskHandler({ parsePayload: t.parsePayload ?? ((raw) => raw) }, t.work, runtimeDeps(retryAttempts)),
      retryAttempts,
      timeoutSeconds: t.timeoutSeconds ?? 30,
      successQueueUrl,
      failureQueueUrl,
    });
  }
  const invoker = new LocalLambdaService({ functions, sqs: servers.sqs.client, retryDelayScale: 0 });
  const client = new TaskClient({
    registry,
    invoker,
    payloadStore,
    tasks: Object.fromEntries(Object.entries(options.tasks).map(([name, t]) => [name, { functionName: `fn-${name}`, maxAttempts: (t.retryAttempts ?? 2) + 1 }])),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.payloadSchemas ? { payloadSchemas: options.payloadSchemas } : {}),
  });

  const drainQueue = async (url: string): Promise<DestinationRecord[]> => {
    const records: DestinationRecord[] = [];
    for (;;) {
      const out = await servers.sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      const messages = out.Messages ?? [];
      if (messages.length === 0) return records;
      for (const m of messages) {
        records.push(JSON.parse(m.Body ?? 'null') as DestinationRecord);
        await servers.sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  };
  return { client, registry, payloadStore, invoker, successQueueUrl, failureQueueUrl, drainQueue, runtimeDeps };
}
