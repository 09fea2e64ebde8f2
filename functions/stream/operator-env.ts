// The operator's dependencies from its environment (SDK clients at module scope, created once).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { optionalIntEnv, requireEnv } from '../core/env.js';
import { TaskRegistry } from '../core/registry.js';
import { STREAM_ENV, TASK_TABLE_ENV } from './env-names.js';
import type { OperatorDeps } from './operator.js';
import { DynamoSink, SqsFifoSink, type Sink } from './sinks.js';

let cached: OperatorDeps | undefined;

export function operatorDepsFromEnv(env: NodeJS.ProcessEnv = process.env): OperatorDeps {
  if (cached) return cached;
  const dynamo = new DynamoDBClient({});
  const sqs = new SQSClient({});
  const idempotencyTableName = requireEnv(STREAM_ENV.idempotencyTableName, env);
  const sinkTable = env[STREAM_ENV.sinkTableName];
  const sink: Sink = sinkTable ? new DynamoSink(dynamo, sinkTable) : new SqsFifoSink(sqs, requireEnv(STREAM_ENV.sinkQueueUrl, env));
  cached = {
    functionName: requireEnv('AWS_LAMBDA_FUNCTION_NAME', env),
    sink,
    sqs,
    dlqUrl: requireEnv(STREAM_ENV.dlqUrl, env),
    registry: new TaskRegistry(DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }), requireEnv(TASK_TABLE_ENV, env)),
    persistence: new DynamoDBPersistenceLayer({ tableName: idempotencyTableName, awsSdkV3Client: dynamo }),
    dynamo,
    idempotencyTableName,
    retryAttempts: optionalIntEnv(STREAM_ENV.retryAttempts, 2, env),
    idempotencyTtlSeconds: optionalIntEnv(STREAM_ENV.idempotencyTtlSeconds, 7 * 24 * 3600, env),
    logger: new Logger({ serviceName: 'stream-operator' }),
  };
  return cached;
}
