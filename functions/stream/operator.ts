// The stream lane's operator wrapper: the user writes a function of one record; this turns it into the
// Lambda handler an MSK event source mapping invokes. Per topic-partition slice, in offset order:
// deserialize (Powertools Kafka consumer) → skip a record whose key is already done (Powertools Idempotency)
// → the user's function → its outputs to the sink. A record retrying cannot fix goes to the DLQ at once and
// the partition goes on; a retryable failure is reported in batchItemFailures (Lambda retries from that
// offset) until it used its attempts, then it goes to the DLQ too. Each slice is a task in the registry.
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { kafkaConsumer } from '@aws-lambda-powertools/kafka';
import type { ConsumerRecord, SchemaConfig } from '@aws-lambda-powertools/kafka/types';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { TaskRegistry } from '../core/registry.js';
import { startBatchTask, type BatchCounts } from './batch-task.js';
import { buildDlqRecord, type FailedKafkaRecord } from './dlq-record.js';
import { assertJson, isNonRetryable } from './errors.js';
import { countAttempt } from './attempts.js';
import { recordKey } from './record-key.js';
import type { Sink, SinkOutput } from './sinks.js';

export interface RecordContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: unknown;
  readonly headers: readonly Record<string, string>[];
  /** `topic-partition-offset`. */
  readonly recordKey: string;
}

/** Returns the output(s) for the sink; undefined or null filters the record out. */
export type RecordOperator<TIn, TOut> = (value: TIn, record: RecordContext) => TOut | TOut[] | undefined | null | Promise<TOut | TOut[] | undefined | null>;

export interface OperatorDeps {
  readonly functionName: string;
  readonly sink: Sink;
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
  readonly registry: TaskRegistry;
  readonly persistence: BasePersistenceLayer;
  /** The idempotency table: it also counts the deliveries of records that asked for a retry. */
  readonly dynamo: DynamoDBClient;
  readonly idempotencyTableName: string;
  readonly retryAttempts: number;
  readonly idempotencyTtlSeconds: number;
  readonly logger: Logger;
}

export interface OperatorOptions {
  /** How record values are deserialized. @default JSON */
  readonly schema?: SchemaConfig;
}

type Outcome = { out: number; dlq: number };

const toFailedRecord = (r: ConsumerRecord<unknown, unknown>): FailedKafkaRecord => ({
  topic: r.topic,
  partition: r.partition,
  offset: r.offset,
  timestamp: r.timestamp,
  ...(r.originalKey ? { key: r.originalKey } : {}),
  value: r.originalValue,
  headers: (r.originalHeaders ?? []) as Record<string, number[]>[],
});

export function streamOperator<TIn, TOut>(operator: RecordOperator<TIn, TOut>, deps: () => OperatorDeps, options: OperatorOptions = {}) {
  const schema: SchemaConfig = options.schema ?? { value: { type: 'json' } };
  const jsonValues = schema.value?.type === 'json';
  let once: ((input: { key: string; run: () => Promise<Outcome> }) => Promise<Outcome>) | undefined;
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'key' });

  return kafkaConsumer<unknown, TIn>(async (event, context: Context) => {
    const d = deps();
    config.registerLambdaContext(context);
    const runOnce = (once ??= makeIdempotent(async (input: { key: string; run: () => Promise<Outcome> }) => input.run(), {
      persistenceStore: d.persistence,
      config,
    }));
    const slices = new Map<string, ConsumerRecord<unknown, TIn>[]>();
    for (const r of event.records) {
      const tp = `${r.topic}-${r.partition}`;
      const list = slices.get(tp) ?? [];
      list.push(r);
      slices.set(tp, list);
    }
    const batchItemFailures: { itemIdentifier: { partition: string; offset: number } }[] = [];
    // Partitions are independent: their slices run concurrently, each in offset order.
    await Promise.all([...slices].map(async ([tp, records]) => {
      const first = records[0] as ConsumerRecord<unknown, TIn>;
      const last = records[records.length - 1] as ConsumerRecord<unknown, TIn>;
      const task = await startBatchTask(d.registry, d.functionName, { topic: first.topic, partition: first.partition, firstOffset: first.offset, lastOffset: last.offset }, context.awsRequestId);
      const counts: BatchCounts = { in: records.length, out: 0, failed: 0, skipped: 0, retry: 0 };
      let retryError: { type: string; message: string } | undefined;
      for (const record of records) {
        const key = recordKey(record.topic, record.partition, record.offset);
        const toDlq = async (error: unknown, retryable: boolean, attempts: number): Promise<void> => {
          const body = buildDlqRecord({ record: toFailedRecord(record), error, taskId: task.taskId, function: d.functionName, requestId: context.awsRequestId || randomUUID(), functionArn: context.invokedFunctionArn, attempts, retryable });
          await d.sqs.send(new SendMessageCommand({ QueueUrl: d.dlqUrl, MessageBody: JSON.stringify(body) }));
          d.logger.warn('record sent to the DLQ', { recordKey: key, retryable, error: (error as Error).message });
        };
        let ran = false;
        try {
          const outcome = await runOnce({
            key,
            run: async () => {
              ran = true;
              let value: TIn;
              try {
                value = record.value;
                if (jsonValues && typeof value === 'string') assertJson(record.originalValue);
              } catch (error) {
                await toDlq(error, false, 1);
                return { out: 0, dlq: 1 };
              }
              let result: TOut | TOut[] | undefined | null;
              try {
                result = await operator(value, {
                  topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp,
                  key: record.key, headers: record.headers ?? [], recordKey: key,
                });
              } catch (error) {
                if (!isNonRetryable(error)) throw error;
                await toDlq(error, false, 1);
                return { out: 0, dlq: 1 };
              }
              const list = result === undefined || result === null ? [] : Array.isArray(result) ? result : [result];
              const outputs: SinkOutput[] = list.map((body, i) => ({ key: list.length === 1 ? key : `${key}#${i}`, group: tp, body }));
              await d.sink.write(outputs);
              return { out: outputs.length, dlq: 0 };
            },
          });
          if (!ran) counts.skipped++;
          counts.out += outcome.out;
          counts.failed += outcome.dlq;
        } catch (error) {
          if (error instanceof IdempotencyAlreadyInProgressError) {
            // Another delivery holds the record (or a crashed one did, until its invocation would have timed
            // out): not a failure of the record, so no attempt is counted; Lambda retries from here.
            counts.retry++;
            retryError = { type: error.name, message: error.message };
            batchItemFailures.push({ itemIdentifier: { partition: tp, offset: record.offset } });
            break;
          }
          const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
          const attempts = await countAttempt(d.dynamo, d.idempotencyTableName, key, d.idempotencyTtlSeconds);
          if (attempts > d.retryAttempts) {
            await toDlq(cause, true, attempts);
            counts.failed++;
            continue;
          }
          counts.retry++;
          retryError = { type: (cause as Error).name ?? 'Error', message: (cause as Error).message ?? String(cause) };
          d.logger.info('record asks for a retry', { recordKey: key, attempts, error: retryError.message });
          batchItemFailures.push({ itemIdentifier: { partition: tp, offset: record.offset } });
          break; // the rest of the partition is redelivered from this offset
        }
      }
      await task.finish(counts, retryError);
    }));
    return { batchItemFailures };
  }, schema);
}
