// Real local servers for tests of the data path: dynalite (DynamoDB), local-aws-sqs (SQS) and s3rver (S3),
// each on an ephemeral loopback port. No SDK mocks.
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import dynalite from 'dynalite';
import { createSqsServer } from 'local-aws-sqs';
import S3rver from 's3rver';
import { TaskRegistry as TaskRegistryConstruct } from '../../lib/constructs/task-registry.js';
import { createTableInputFromCfn, type CfnTableProperties } from '../../local/provision/dynamodb-table.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';

export interface EmbeddedDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<EmbeddedDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region, credentials, maxAttempts: 1 });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint,
    client,
    doc,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let cachedTableProps: CfnTableProperties | undefined;

/** The task table's properties as the TaskRegistry construct synthesizes them: tests use the deployed schema. */
export function taskTableCfnProperties(): CfnTableProperties {
  if (!cachedTableProps) {
    const stack = new Stack(new App(), 'RegistrySchema');
    new TaskRegistryConstruct(stack, 'Registry');
    const tables = Template.fromStack(stack).findResources('AWS::DynamoDB::Table');
    const [table] = Object.values(tables) as { Properties: CfnTableProperties }[];
    if (!table) throw new Error('TaskRegistry synthesized no AWS::DynamoDB::Table');
    cachedTableProps = table.Properties;
  }
  return cachedTableProps;
}

let tableCounter = 0;

/** Creates a fresh task table (unique name) on the embedded DynamoDB. */
export async function createTaskTable(dynamo: EmbeddedDynamo): Promise<string> {
  const name = `tasks-${process.pid}-${++tableCounter}`;
  await dynamo.client.send(new CreateTableCommand(createTableInputFromCfn(name, taskTableCfnProperties())));
  // dynalite creates tables asynchronously even with createTableMs 0: wait until ACTIVE, as against AWS.
  await waitUntilTableExists({ client: dynamo.client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
  return name;
}

export interface EmbeddedSqs {
  readonly endpoint: string;
  readonly client: SQSClient;
  createQueue(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startSqs(): Promise<EmbeddedSqs> {
  const server = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SQSClient({ endpoint, region, credentials, maxAttempts: 1 });
  return {
    endpoint,
    client,
    createQueue: async (name) => {
      const out = await client.send(new CreateQueueCommand({ QueueName: name }));
      if (!out.QueueUrl) throw new Error(`no URL for queue ${name}`);
      return out.QueueUrl;
    },
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface EmbeddedS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  createBucket(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startS3(): Promise<EmbeddedS3> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    endpoint,
    client,
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    close: async () => {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
