// The stream lane assembled on the embedded servers for tests and the benchmark: a real broker, the event
// source mapping emulator, the local Lambda service running an operator, dynalite (task table, idempotency
// table) and local-aws-sqs (FIFO sink, DLQ).
import { CreateTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { TaskRegistry } from '../../functions/core/registry.js';
import { streamOperator, type OperatorDeps, type RecordOperator } from '../../functions/stream/operator.js';
import { SqsFifoSink } from '../../functions/stream/sinks.js';
import { KafkaEventSourceMapping, type MappingConfig } from '../../local/kafka/event-source-mapping.js';
import { LocalLambdaService } from '../../local/lambda/lambda-service.js';
import { createTaskTable, type EmbeddedDynamo, type EmbeddedSqs } from './embedded-servers.js';

export const CLUSTER_ARN = 'arn:aws:kafka:us-east-1:000000000000:cluster/local/11111111-2222-3333-4444-555555555555-1';
let counter = 0;

export interface StreamLane {
  readonly mapping: KafkaEventSourceMapping;
  readonly deps: OperatorDeps;
  readonly sinkUrl: string;
  readonly dlqUrl: string;
  readonly onFailureUrl: string;
  readonly lambda: LocalLambdaService;
  stop(): Promise<void>;
}

export async function createIdempotencyTable(dynamo: EmbeddedDynamo): Promise<string> {
  const name = `idem-${process.pid}-${++counter}`;
  await dynamo.client.send(new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  await waitUntilTableExists({ client: dynamo.client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
  return name;
}

export interface LaneOptions {
  readonly bootstrap: string;
  readonly topic: string;
  readonly dynamo: EmbeddedDynamo;
  readonly sqs: EmbeddedSqs;
  readonly operator: RecordOperator<unknown, unknown>;
  readonly functionName?: string;
  readonly retryAttempts?: number;
  readonly mapping?: Partial<MappingConfig>;
  /** Reuse the tables and queues of an earlier lane (a restart). */
  readonly reuse?: Pick<StreamLane, 'deps' | 'sinkUrl' | 'dlqUrl' | 'onFailureUrl'>;
}

export async function startStreamLane(options: LaneOptions): Promise<StreamLane> {
  const n = ++counter;
  const functionName = options.functionName ?? 'enrich-slow-queries';
  const sinkUrl = options.reuse?.sinkUrl ?? (await options.sqs.client.send(new CreateQueueCommand({ QueueName: `sink-${process.pid}-${n}.fifo`, Attributes: { FifoQueue: 'true' } }))).QueueUrl as string;
  const dlqUrl = options.reuse?.dlqUrl ?? (await options.sqs.createQueue(`dlq-${process.pid}-${n}`));
  const onFailureUrl = options.reuse?.onFailureUrl ?? (await options.sqs.createQueue(`onfailure-${process.pid}-${n}`));
  const idempotencyTableName = options.reuse?.deps.idempotencyTableName ?? (await createIdempotencyTable(options.dynamo));
  const deps: OperatorDeps = options.reuse?.deps ?? {
    functionName,
    sink: new SqsFifoSink(options.sqs.client, sinkUrl),
    sqs: options.sqs.client,
    dlqUrl,
    registry: new TaskRegistry(options.dynamo.doc, await createTaskTable(options.dynamo)),
    persistence: new DynamoDBPersistenceLayer({ tableName: idempotencyTableName, awsSdkV3Client: options.dynamo.client }),
    dynamo: options.dynamo.client,
    idempotencyTableName,
    retryAttempts: options.retryAttempts ?? 2,
    idempotencyTtlSeconds: 3600,
    logger: new Logger({ serviceName: 'stream-test', logLevel: 'ERROR' }),
  };
  const handler = streamOperator(options.operator, () => deps);
  const lambda = new LocalLambdaService({ functions: [{ name: functionName, handler: handler as never, timeoutSeconds: 60 }], sqs: options.sqs.client });
  const mapping = new KafkaEventSourceMapping({
    id: `esm-${options.topic}`,
    functionName,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    eventSourceArn: CLUSTER_ARN,
    topic: options.topic,
    startingPosition: 'TRIM_HORIZON',
    batchingWindowMs: 100,
    retryDelayMs: 10,
    reportBatchItemFailures: true,
    maximumRetryAttempts: 10,
    ...options.mapping,
  }, {
    bootstrap: options.bootstrap,
    invoke: (payload) => lambda.invokeSync(functionName, payload),
    onFailure: async (record) => { await options.sqs.client.send(new SendMessageCommand({ QueueUrl: onFailureUrl, MessageBody: JSON.stringify(record) })); },
  });
  await mapping.start();
  return { mapping, deps, sinkUrl, dlqUrl, onFailureUrl, lambda, stop: async () => { await mapping.stop(); await lambda.close(); } };
}

/** Receives and deletes everything a queue holds until it stays empty (FIFO groups unlock on delete). */
export async function drainQueue(sqs: EmbeddedSqs, queueUrl: string, until: (bodies: unknown[]) => boolean, timeoutMs = 60_000): Promise<unknown[]> {
  const bodies: unknown[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!until(bodies)) {
    if (Date.now() > deadline) throw new Error(`timed out with ${bodies.length} message(s) from ${queueUrl}`);
    const out = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30 }));
    const messages = out.Messages ?? [];
    if (messages.length === 0) { await new Promise((r) => setTimeout(r, 100)); continue; }
    bodies.push(...messages.map((m) => JSON.parse(m.Body ?? 'null') as unknown));
    const deleted = await sqs.client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    // A message not deleted comes back after its visibility timeout: it would look like a duplicate the lane sent.
    if (deleted.Failed?.length) throw new Error(`could not delete ${deleted.Failed.length} message(s) from ${queueUrl}: ${JSON.stringify(deleted.Failed)}`);
  }
  return bodies;
}

/** Everything left in the queue now: receives until a receive finds nothing. */
export async function drainRemaining(sqs: EmbeddedSqs, queueUrl: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const more = await drainQueue(sqs, queueUrl, (b) => b.length > 0, 2_000).catch(() => []);
    if (more.length === 0) return bodies;
    bodies.push(...more);
  }
}
