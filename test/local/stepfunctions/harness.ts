// The embedded Step Functions on real local servers: dynalite (DynamoDB), local-aws-sqs (SQS), in-process
// Lambda functions the tests define, an injected ECS runner, and an SFNClient pointed at the server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, GetItemCommand, waitUntilTableExists, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import {
  createDefaultDispatcher,
  LocalStepFunctions,
  type EcsTaskRunner,
  type LocalStepFunctionsOptions,
} from '../../../local/stepfunctions/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynalite, startSqs, type EmbeddedDynamo, type EmbeddedSqs } from '../../../local/servers.js';

export type LambdaFunction = (payload: unknown, signal: AbortSignal) => Promise<unknown>;

export interface Storage {
  readonly dynamo: EmbeddedDynamo;
  readonly sqs: EmbeddedSqs;
  /** Functions by name, looked up at invocation time: tests add theirs. */
  readonly functions: Map<string, LambdaFunction>;
  /** The ECS runner the dispatcher uses; tests replace it. */
  ecs: EcsTaskRunner | undefined;
  createTable(): Promise<string>;
  createQueue(prefix: string): Promise<string>;
  /** Receives and deletes every message currently in the queue; returns the parsed bodies. */
  drain(url: string): Promise<unknown[]>;
  item(table: string, key: Record<string, AttributeValue>): Promise<Record<string, AttributeValue> | undefined>;
  close(): Promise<void>;
}

let counter = 0;

export async function startStorage(): Promise<Storage> {
  const [dynamo, sqs] = await Promise.all([startDynalite(), startSqs()]);
  const storage: Storage = {
    dynamo,
    sqs,
    functions: new Map(),
    ecs: undefined,
    createTable: async () => {
      const name = `tasks-${process.pid}-${++counter}`;
      await dynamo.client.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: [{ AttributeName: 'taskId', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'taskId', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await waitUntilTableExists({ client: dynamo.client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
      return name;
    },
    createQueue: (prefix) => sqs.createQueue(`${prefix}-${process.pid}-${++counter}`),
    drain: async (url) => {
      const bodies: unknown[] = [];
      for (;;) {
        const out = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        if (!out.Messages?.length) return bodies;
        for (const m of out.Messages) {
          bodies.push(JSON.parse(m.Body ?? 'null'));
          await sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
        }
      }
    },
    item: async (table, key) => (await dynamo.client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item,
    close: async () => void (await Promise.all([dynamo.close(), sqs.close()])),
  };
  return storage;
}

export interface Sfn {
  readonly server: LocalStepFunctions;
  readonly client: SFNClient;
  readonly endpoint: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

export type SfnOptions = Partial<Omit<LocalStepFunctionsOptions, 'dispatcher'>>;

/** A LocalStepFunctions with the default dispatcher over the storage servers, and an SFNClient on its endpoint. */
export async function startSfn(storage: Storage, options: SfnOptions = {}): Promise<Sfn> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sfn-'));
  const dispatcher = createDefaultDispatcher({
    invokeLambda: async (name, payload, signal) => {
      const fn = storage.functions.get(name);
      if (!fn) throw Object.assign(new Error(`Function not found: ${name}`), { name: 'Lambda.ResourceNotFoundException' });
      return fn(payload, signal);
    },
    sqs: storage.sqs.client,
    dynamodb: storage.dynamo.client,
    ecs: { run: (params, signal) => (storage.ecs ? storage.ecs.run(params, signal) : Promise.reject(new Error('no ECS runner in this test'))) },
  });
  const server = new LocalStepFunctions({ retryIntervalOverrides: 0, waitTimeOverrides: 0, log: () => undefined, ...options, dataDir, dispatcher });
  const endpoint = await server.listen();
  const client = new SFNClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  return {
    server,
    client,
    endpoint,
    dataDir,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Starts an execution through the API and waits until it is no longer RUNNING. */
export async function runToEnd(sfn: Sfn, stateMachineArn: string, input: unknown, name?: string): Promise<DescribeExecutionCommandOutput> {
  const { executionArn } = await sfn.client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), ...(name ? { name } : {}) }));
  await sfn.server.waitForExecution(executionArn ?? '');
  return sfn.client.send(new DescribeExecutionCommand({ executionArn }));
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A function that reports when it starts and then waits until its AbortSignal fires (it never finishes on its own). */
export function waitsForAbort(): { fn: LambdaFunction; started: Deferred<void>; aborted: Deferred<unknown> } {
  const started = deferred();
  const aborted = deferred<unknown>();
  const fn: LambdaFunction = (_payload, signal) =>
    new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => {
        aborted.resolve(signal.reason);
        reject(new Error('aborted'));
      });
      started.resolve();
    });
  return { fn, started, aborted };
}

export const lambdaArn = (name: string): string => `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${name}`;
export const uniqueName = (prefix: string): string => `${prefix}-${++counter}`;
