// The operator's dependencies from its environment (SDK clients at module scope, created once).
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { optionalIntEnv, requireEnv } from '../core/env.js';
import { TaskRegistry } from '../core/registry.js';
import { dynamoClient, dynamoDocument, sqsClient } from '../core/clients.js';
import { DEFAULTS, ENV } from '../core/facts.js';
import type { OperatorDeps } from './operator.js';
import { DynamoSink, SqsFifoSink, type Sink } from './sinks.js';

let cached: OperatorDeps | undefined;

export function operatorDepsFromEnv(env: NodeJS.ProcessEnv = process.env): OperatorDeps {
  if (cached) return cached;
  const doc = dynamoDocument();
  const dynamo = dynamoClient();
  const sqs = sqsClient();
  const idempotencyTableName = requireEnv(ENV.streamIdempotencyTableName, env);
  const sinkTable = env[ENV.streamSinkTableName];
  const sink: Sink = sinkTable ? new DynamoSink(dynamo, sinkTable) : new SqsFifoSink(sqs, requireEnv(ENV.streamSinkQueueUrl, env));
  cached = {
    functionName: requireEnv('AWS_LAMBDA_FUNCTION_NAME', env),
    sink,
    sqs,
    dlqUrl: requireEnv(ENV.streamDlqUrl, env),
    registry: new TaskRegistry(doc, requireEnv(ENV.taskTableName, env)),
    persistence: new DynamoDBPersistenceLayer({ tableName: idempotencyTableName, awsSdkV3Client: dynamo }),
    dynamo,
    idempotencyTableName,
    retryAttempts: optionalIntEnv(ENV.streamRetryAttempts, DEFAULTS.streamRetryAttempts, env),
    idempotencyTtlSeconds: optionalIntEnv(ENV.streamIdempotencyTtlSeconds, DEFAULTS.streamIdempotencyTtlSeconds, env),
    logger: new Logger({ serviceName: 'stream-operator' }),
  };
  return cached;
}
