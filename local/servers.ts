// The embedded storage servers, each on an ephemeral loopback port: dynalite (DynamoDB),
// local-aws-sqs (SQS) and s3rver (S3). Used by `npm start`, the tests and the benchmarks.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createSqsServer } from 'local-aws-sqs';
import S3rver from 's3rver';
import { awsJsonErrors, capDeclaredBodies } from './http/guard.js';
import { trackPendingAnswers } from './http/pending-answers.js';
import { startJournaledSqs, type JournaledSqs } from './sqs/journaled-sqs.js';

/** DynamoDB's largest request (BatchWriteItem) is 16 MB. */
const DYNAMODB_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
/** s3rver checks signatures against this key pair; dynalite and local-aws-sqs accept any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * What s3rver needs from an SDK client, as the SDK reads it from the environment: no flexible checksums
 * unless an operation requires them (a streamed upload with one is aws-chunked encoded, which s3rver stores
 * verbatim). The platform sets it in the environment it gives functions and workers; code in functions/
 * keeps the SDK's defaults, so on AWS every upload carries S3's default integrity checksum.
 */
export const S3RVER_CLIENT_ENV = {
  AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
  AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
} as const;

export interface EmbeddedDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  close(): Promise<void>;
}

/** `path`: a LevelDB directory that keeps tables and items across restarts; in memory without it. */
export async function startDynalite(path?: string): Promise<EmbeddedDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) });
  // Longer than the SDK's idle sockets live: a socket the server closes while the client reuses it is an ECONNRESET.
  server.keepAliveTimeout = 120_000;
  const answers = trackPendingAnswers(server);
  capDeclaredBodies(server, DYNAMODB_MAX_REQUEST_BYTES, awsJsonErrors('application/x-amz-json-1.0', 'com.amazon.coral.service#'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint,
    client,
    doc,
    close: async () => {
      client.destroy();
      await answers.settled(5_000);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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
  const client = new SQSClient({ endpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } });
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

/** s3rver's notification record (S3's own event format) for one object event. */
export interface S3ObjectEvent {
  readonly eventName: string;
  readonly s3: { readonly bucket: { readonly name: string }; readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string; readonly sequencer?: string } };
}

export interface EmbeddedS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  /** Object events (created, removed) as s3rver emits them. */
  onObjectEvent(listener: (record: S3ObjectEvent) => void): void;
  createBucket(name: string): Promise<string>;
  close(): Promise<void>;
}

/** `persistentDirectory`: objects kept there across restarts; a temporary directory removed at close without it. */
export async function startS3(persistentDirectory?: string): Promise<EmbeddedS3> {
  const directory = persistentDirectory ?? (await mkdtemp(join(tmpdir(), 's3rver-')));
  if (persistentDirectory) await mkdir(persistentDirectory, { recursive: true });
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new S3Client({ endpoint, region: LOCAL_REGION, forcePathStyle: true, credentials: { ...LOCAL_CREDENTIALS } });
  return {
    endpoint,
    client,
    onObjectEvent: (listener) => {
      server.on('event', (event: { Records?: S3ObjectEvent[] }) => event.Records?.forEach(listener));
    },
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    close: async () => {
      client.destroy();
      await server.close();
      if (!persistentDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface EmbeddedServers {
  readonly dynamo: EmbeddedDynamo;
  readonly sqs: JournaledSqs;
  readonly s3: EmbeddedS3;
  /** What SDK clients in functions and the CLI need to reach these servers. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * All three servers. With a data directory they keep their state across restarts: DynamoDB in LevelDB,
 * S3 objects as files, SQS messages in a journal (restored by `sqs.restore()` once the queues exist).
 */
export async function startEmbeddedServers(dataDir?: string): Promise<EmbeddedServers> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const [dynamo, sqs, s3] = await Promise.all([
    startDynalite(dataDir ? join(dataDir, 'dynamodb') : undefined),
    startJournaledSqs({
      ...(dataDir ? { journalFile: join(dataDir, 'sqs.journal') } : {}),
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      credentials: { ...LOCAL_CREDENTIALS },
    }),
    startS3(dataDir ? join(dataDir, 's3') : undefined),
  ]);
  return {
    dynamo,
    sqs,
    s3,
    env: {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      ...S3RVER_CLIENT_ENV,
    },
    close: async () => void (await Promise.all([dynamo.close(), sqs.close(), s3.close()])),
  };
}
