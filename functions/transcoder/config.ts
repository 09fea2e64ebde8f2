// The worker's environment contract (set by the state machine's container overrides) and its SDK clients.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MissingConfigurationError } from '../core/errors.js';
import { optionalIntEnv, requireEnv } from '../core/env.js';
import { validateTaskId } from '../core/task-id.js';

export const WORKER_MODES = ['transcode', 'plan', 'segment', 'join'] as const;
export type WorkerMode = (typeof WORKER_MODES)[number];

export interface WorkerConfig {
  readonly taskId: string;
  /** The Step Functions execution ARN: the registry's owner of the attempt. */
  readonly executionRef: string;
  readonly tableName: string;
  /** TASK_PAYLOAD, unparsed: its validation is the first step of the run and is recorded on the task. */
  readonly payloadJson: string | undefined;
  readonly mode: WorkerMode;
  /** SEGMENT_INDEX, for mode `segment`. */
  readonly segmentIndex: number;
  /** Parent of the run's scratch directory. @default os.tmpdir() */
  readonly workDir?: string;
  /** Inputs shorter than this are transcoded in one pass by `plan`. @default 600 */
  readonly segmentMinDurationSeconds: number;
  /** How many segments `plan` aims for. @default 4 */
  readonly segmentCount: number;
  /** Liveness heartbeat interval. @default 10 s (TASK_HEARTBEAT_SECONDS, as the Lambda runtime) */
  readonly heartbeatMs: number;
}

/** Reads the environment; throws MissingConfigurationError naming the variable that is missing or wrong. */
export function readConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const mode = (env.WORKER_MODE ?? 'transcode') || 'transcode';
  if (!(WORKER_MODES as readonly string[]).includes(mode)) {
    throw new MissingConfigurationError(`WORKER_MODE (got '${mode}'; one of ${WORKER_MODES.join(', ')})`);
  }
  const segmentIndex = optionalIntEnv('SEGMENT_INDEX', -1, env);
  if (mode === 'segment' && segmentIndex < 0) throw new MissingConfigurationError('SEGMENT_INDEX (required for WORKER_MODE=segment)');
  const minDuration = Number(env.SEGMENT_MIN_DURATION_SECONDS ?? 600);
  if (!Number.isFinite(minDuration) || minDuration < 0) {
    throw new MissingConfigurationError(`SEGMENT_MIN_DURATION_SECONDS (not a number of seconds: '${env.SEGMENT_MIN_DURATION_SECONDS}')`);
  }
  return {
    taskId: validateTaskId(requireEnv('TASK_ID', env)),
    executionRef: requireEnv('EXECUTION_REF', env),
    tableName: requireEnv('TASK_TABLE_NAME', env),
    payloadJson: env.TASK_PAYLOAD,
    mode: mode as WorkerMode,
    segmentIndex,
    ...(env.WORK_DIR ? { workDir: env.WORK_DIR } : {}),
    segmentMinDurationSeconds: minDuration,
    segmentCount: optionalIntEnv('SEGMENT_COUNT', 4, env),
    heartbeatMs: optionalIntEnv('TASK_HEARTBEAT_SECONDS', 10, env) * 1000,
  };
}

export interface Clients {
  readonly s3: S3Client;
  readonly doc: DynamoDBDocumentClient;
  destroy(): void;
}

/**
 * SDK clients configured from `env` (main(env) may run with an environment that is not process.env):
 * region, endpoints (`AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`) and static credentials when the
 * environment has them; otherwise the SDK's default chain (the ECS task role on Fargate).
 */
export function createClients(env: NodeJS.ProcessEnv): Clients {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  const common = { ...(region ? { region } : {}), ...(credentials ? { credentials } : {}) };
  const s3Endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const dynamoEndpoint = env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  const s3 = new S3Client({
    ...common,
    // A custom endpoint (S3-compatible server) is addressed by path, not by bucket subdomain.
    ...(s3Endpoint ? { endpoint: s3Endpoint, forcePathStyle: true } : {}),
    // Streamed uploads with a flexible checksum use aws-chunked encoding, which S3-compatible servers
    // (s3rver) store verbatim. Content-Length plus SigV4 still protect every request.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const dynamo = new DynamoDBClient({ ...common, ...(dynamoEndpoint ? { endpoint: dynamoEndpoint } : {}) });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  return {
    s3,
    doc,
    destroy: () => {
      s3.destroy();
      dynamo.destroy();
    },
  };
}
