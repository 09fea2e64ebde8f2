// The worker's environment contract (set by the state machine's container overrides) and its SDK clients.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MissingConfigurationError } from '../../core/errors.js';
import { optionalIntEnv, requireEnv } from '../../core/env.js';
import { DEFAULTS, ENV } from '../../core/facts.js';
import { validateTaskId } from '../../core/task-id.js';
import type { TaskUsage } from '../../core/usage.js';

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
  /** Inputs shorter than this are transcoded in one pass by `plan`. @default DEFAULTS.segmentMinDurationSeconds */
  readonly segmentMinDurationSeconds: number;
  /** How many segments `plan` aims for. @default DEFAULTS.segmentCount */
  readonly segmentCount: number;
  /** The media bucket's upload area (MEDIA_BUCKET_NAME + MEDIA_UPLOAD_PREFIX): no output may go there. */
  readonly uploads?: { readonly bucket: string; readonly prefix: string };
  /** Liveness heartbeat interval. @default DEFAULTS.heartbeatSeconds (TASK_HEARTBEAT_SECONDS, as the Lambda runtime) */
  readonly heartbeatMs: number;
  /** Segmented: one task's usage and how many run side by side (TASK_USAGE, SEGMENT_MAX_CONCURRENCY). */
  readonly segmentUsage?: SegmentUsage;
}

export interface SegmentUsage {
  readonly onePass: TaskUsage;
  readonly maxConcurrency: number;
}

/** Reads the environment; throws MissingConfigurationError naming the variable that is missing or wrong. */
export function readConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const mode = (env[ENV.workerMode] ?? 'transcode') || 'transcode';
  if (!(WORKER_MODES as readonly string[]).includes(mode)) {
    throw new MissingConfigurationError(`${ENV.workerMode} (got '${mode}'; one of ${WORKER_MODES.join(', ')})`);
  }
  const segmentIndex = optionalIntEnv(ENV.segmentIndex, -1, env);
  if (mode === 'segment' && segmentIndex < 0) throw new MissingConfigurationError(`${ENV.segmentIndex} (required for ${ENV.workerMode}=segment)`);
  const rawMinDuration = env[ENV.segmentMinDurationSeconds];
  const minDuration = Number(rawMinDuration ?? DEFAULTS.segmentMinDurationSeconds);
  if (!Number.isFinite(minDuration) || minDuration < 0) {
    throw new MissingConfigurationError(`${ENV.segmentMinDurationSeconds} (not a number of seconds: '${rawMinDuration}')`);
  }
  const workDir = env[ENV.workDir];
  const mediaBucket = env[ENV.mediaBucketName];
  const uploadPrefix = env[ENV.mediaUploadPrefix];
  return {
    taskId: validateTaskId(requireEnv(ENV.taskId, env)),
    executionRef: requireEnv(ENV.executionRef, env),
    tableName: requireEnv(ENV.taskTableName, env),
    payloadJson: env[ENV.taskPayload],
    mode: mode as WorkerMode,
    segmentIndex,
    ...(workDir ? { workDir } : {}),
    ...(mediaBucket && uploadPrefix ? { uploads: { bucket: mediaBucket, prefix: uploadPrefix } } : {}),
    segmentMinDurationSeconds: minDuration,
    segmentCount: optionalIntEnv(ENV.segmentCount, DEFAULTS.segmentCount, env),
    heartbeatMs: optionalIntEnv(ENV.heartbeatSeconds, DEFAULTS.heartbeatSeconds, env) * 1000,
    ...segmentUsageOf(env),
  };
}

/** TranscodeTask sets both in segmented mode; without them the plan records no usage of its own. */
function segmentUsageOf(env: NodeJS.ProcessEnv): { segmentUsage?: SegmentUsage } {
  const raw = env[ENV.taskUsage];
  if (!raw) return {};
  let onePass: unknown;
  try {
    onePass = JSON.parse(raw);
  } catch {
    throw new MissingConfigurationError(`${ENV.taskUsage} (not JSON: '${raw.slice(0, 80)}')`);
  }
  const usage = onePass as Partial<TaskUsage> | null;
  if (!usage || usage.compute !== 'fargate' || typeof usage.memoryMb !== 'number' || typeof usage.vcpu !== 'number' || typeof usage.stateTransitions !== 'number') {
    throw new MissingConfigurationError(`${ENV.taskUsage} (not a Fargate usage: '${raw.slice(0, 80)}')`);
  }
  return { segmentUsage: { onePass: usage as TaskUsage, maxConcurrency: optionalIntEnv(ENV.segmentMaxConcurrency, 1, env) } };
}

export interface Clients {
  readonly s3: S3Client;
  readonly doc: DynamoDBDocumentClient;
  destroy(): void;
}

/**
 * Plain SDK clients configured from `env` (main(env) may run with an environment that is not process.env), read
 * as the SDK reads process.env: region, endpoints (`AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`), static
 * credentials and the checksum settings when the environment has them; otherwise the SDK's defaults (the ECS
 * task role on Fargate, S3's default integrity checksums).
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
  const checksum = (value: string | undefined) => (value === 'WHEN_REQUIRED' || value === 'WHEN_SUPPORTED' ? value : undefined);
  const requestChecksumCalculation = checksum(env.AWS_REQUEST_CHECKSUM_CALCULATION);
  const responseChecksumValidation = checksum(env.AWS_RESPONSE_CHECKSUM_VALIDATION);
  const s3 = new S3Client({
    ...common,
    ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
    ...(requestChecksumCalculation ? { requestChecksumCalculation } : {}),
    ...(responseChecksumValidation ? { responseChecksumValidation } : {}),
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
