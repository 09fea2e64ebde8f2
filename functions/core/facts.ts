// The project's shared facts, each defined once: environment variable names, defaults, the metrics namespace,
// stack output names, template metadata keys and the shape of `endpoints.json`. Constructs (lib/), functions,
// the embedded platform (local/) and the CLI (bin/) import them from here. No CDK or AWS SDK imports: the
// transcoder image and every Lambda bundle carry this file.
import { z } from 'zod';

/** Environment variable names the constructs set and the code reads. */
export const ENV = {
  /** The task name (short-lane functions, the transcoder container). */
  taskName: 'TASK_NAME',
  /** The task registry table. */
  taskTableName: 'TASK_TABLE_NAME',
  /** The claim-check payload bucket. */
  payloadBucketName: 'PAYLOAD_BUCKET_NAME',
  /** The media bucket (transcoder). */
  mediaBucketName: 'MEDIA_BUCKET_NAME',
  /** Uploads under this prefix of the media bucket start transcodes: no output may go there. */
  mediaUploadPrefix: 'MEDIA_UPLOAD_PREFIX',
  successQueueUrl: 'SUCCESS_QUEUE_URL',
  failureQueueUrl: 'FAILURE_QUEUE_URL',
  /** Lambda's retry attempts of the short task (0–2). */
  maxRetries: 'TASK_MAX_RETRIES',
  maxEventAgeSeconds: 'TASK_MAX_EVENT_AGE_SECONDS',
  /** Attempts recorded for tasks a trigger starts. */
  maxAttempts: 'TASK_MAX_ATTEMPTS',
  /** Executions of the trigger's long task that may run at a time (see DEFAULTS.longTaskMaxConcurrency). */
  maxConcurrency: 'TASK_MAX_CONCURRENCY',
  /** The heartbeat interval of every worker and runtime, and the sweeper's measure of a lapsed attempt. */
  heartbeatSeconds: 'TASK_HEARTBEAT_SECONDS',
  retryWindowSeconds: 'TASK_RETRY_WINDOW_SECONDS',
  queuedExpirySeconds: 'TASK_QUEUED_EXPIRY_SECONDS',
  /** Sweeper: task name → where it runs (JSON, a TaskFunctions entry each), to dispatch QUEUED tasks whose submitter died. */
  taskTargets: 'TASK_TARGETS',
  /** Task API: task name → the JSON Schema of its payload (JSON), checked at submit as the CLI checks it. */
  taskPayloadSchemas: 'TASK_PAYLOAD_SCHEMAS',
  /** Long-lane container overrides, per execution. */
  taskId: 'TASK_ID',
  taskPayload: 'TASK_PAYLOAD',
  executionRef: 'EXECUTION_REF',
  /** Transcoder worker. */
  workerMode: 'WORKER_MODE',
  segmentIndex: 'SEGMENT_INDEX',
  segmentMinDurationSeconds: 'SEGMENT_MIN_DURATION_SECONDS',
  segmentCount: 'SEGMENT_COUNT',
  /** Segmented transcoder: the Map's maxConcurrency, and one task's usage (JSON): what `plan` records for its segments. */
  segmentMaxConcurrency: 'SEGMENT_MAX_CONCURRENCY',
  taskUsage: 'TASK_USAGE',
  workDir: 'WORK_DIR',
  /** The embedded platform's ECS task ARN of a worker process (its scratch directory is named after the task's ID). */
  ecsTaskArn: 'ECS_TASK_ARN',
  /** Upload trigger. */
  triggerTaskName: 'TRIGGER_TASK_NAME',
  triggerStateMachineArn: 'TRIGGER_STATE_MACHINE_ARN',
  triggerOutputFormats: 'TRIGGER_OUTPUT_FORMATS',
  triggerOutputDir: 'TRIGGER_OUTPUT_DIR',
  triggerPrefix: 'TRIGGER_PREFIX',
  /** Stream operator (KafkaEtl): the SQS FIFO queue its outputs go to (the default sink). */
  streamSinkQueueUrl: 'STREAM_SINK_QUEUE_URL',
  /** Stream operator: a DynamoDB table the outputs go to instead (conditional write on `pk`). */
  streamSinkTableName: 'STREAM_SINK_TABLE_NAME',
  /** Stream operator: the dead-letter queue, one destination record per record that cannot be processed. */
  streamDlqUrl: 'STREAM_DLQ_URL',
  /** Stream operator: Powertools Idempotency's table (key `id`, TTL `expiration`). */
  streamIdempotencyTableName: 'STREAM_IDEMPOTENCY_TABLE_NAME',
  /** Stream operator: deliveries of a record with a retryable failure before it goes to the DLQ (the mapping's retry attempts). */
  streamRetryAttempts: 'STREAM_RETRY_ATTEMPTS',
  /** Stream operator: seconds a done record's key is remembered. */
  streamIdempotencyTtlSeconds: 'STREAM_IDEMPOTENCY_TTL_SECONDS',
  /** Powertools. */
  powertoolsServiceName: 'POWERTOOLS_SERVICE_NAME',
  powertoolsMetricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

/** Defaults shared by constructs and code (the construct passes its value; the code falls back to the same). */
export const DEFAULTS = {
  /** Heartbeat interval of every attempt; two missed beats and the sweeper takes the attempt for gone. */
  heartbeatSeconds: 10,
  /** Lambda's retries of an asynchronous invocation (its own default and maximum). */
  retryAttempts: 2,
  /** How long Lambda keeps an unprocessed asynchronous event: 6 hours. */
  maxEventAgeSeconds: 6 * 60 * 60,
  /** How long a RETRYING task waits for Lambda's retry before the sweeper fails it. */
  retryWindowSeconds: 20 * 60,
  /** How long a QUEUED task may wait before the sweeper expires it (max event age + 15 minutes). */
  queuedExpirySeconds: 6 * 60 * 60 + 15 * 60,
  /** How long a QUEUED task without its dispatch mark is left to its submitter before it is dispatched again. */
  dispatchGraceSeconds: 30,
  /** Attempts of a long-lane task (its retries are Step Functions' own). */
  longTaskMaxAttempts: 1,
  /**
   * Executions of one long task that run at a time; the others wait QUEUED and start as these end, oldest first
   * (functions/core/admission.ts). 10, sized for the seed's batch (hundreds of 4 GB uploads on a Friday, each a
   * 4-vCPU Fargate task, or with segmented transcodes DEFAULTS.segmentCount of them): Fargate's quota is vCPUs
   * running at a time per account and Region ("Fargate On-Demand vCPU resource count"; accounts migrated to
   * vCPU quotas got 4,000, i.e. 1,000 tasks of 4 vCPUs, and new accounts start lower and are raised with use), and
   * RunTask launches burst at 100 tasks per account. 10 executions × 4 segments × 4 vCPUs = 160 vCPUs and 40
   * tasks: a small share of the quota and of the launch burst, with room for the other tasks of the account,
   * while the batch still drains over a weekend (300 uploads × ~45 min segmented / 10 ≈ 22 h).
   */
  longTaskMaxConcurrency: 10,
  /** How long a long task may run (its state machine's and its work states' TimeoutSeconds): 24 hours. */
  longTaskTimeoutSeconds: 24 * 60 * 60,
  /** Transcoder: inputs shorter than this are transcoded in one pass. */
  segmentMinDurationSeconds: 600,
  /** Transcoder: segments the plan step aims for. */
  segmentCount: 4,
  /** Stream lane: the mapping's retry attempts of a record with a retryable failure. */
  streamRetryAttempts: 2,
  /** Stream lane: how long a done record's key is remembered (Powertools Idempotency TTL): 7 days. */
  streamIdempotencyTtlSeconds: 7 * 24 * 60 * 60,
} as const;

/** 1 + Lambda's default retries: the attempts of a short task unless its construct says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = DEFAULTS.retryAttempts + 1;

/** CloudWatch metrics namespace of every task function and worker (Powertools Metrics). */
export const METRICS_NAMESPACE = 'ServerlessTask';

/**
 * Metric names in METRICS_NAMESPACE, each with the Powertools `service` dimension: the task name for the task
 * runtime's (functions/core/task-runtime.ts), SWEEPER_SERVICE_NAME for the sweeper's. The dashboard and the
 * alarms (lib/constructs/operations-*.ts) read the same names.
 */
export const METRICS = {
  /** A task ended SUCCEEDED (Count). */
  taskSucceeded: 'TaskSucceeded',
  /** A task ended FAILED: its last attempt failed, or its input was bad (Count). */
  taskFailed: 'TaskFailed',
  /** An attempt failed and Lambda will retry it (Count). */
  taskAttemptFailed: 'TaskAttemptFailed',
  /** A task ended STOPPED (Count). */
  taskStopped: 'TaskStopped',
  /** The succeeding attempt's duration (Milliseconds). */
  taskDuration: 'TaskDuration',
  /** Tasks the sweeper resolved because their worker could not (RETRYING, FAILED, STOPPED or EXPIRED) per sweep (Count). */
  sweeperResolvedTasks: 'SweeperResolvedTasks',
  /** QUEUED tasks the sweeper dispatched again (their submitter died before dispatching them) per sweep (Count). */
  sweeperRedispatchedTasks: 'SweeperRedispatchedTasks',
} as const;

/** The sweeper's Powertools service name (its logs and the `service` dimension of its metrics). */
export const SWEEPER_SERVICE_NAME = 'task-sweeper';

/** The admitter's Powertools service name (functions/maintenance/admitter-handler.ts). */
export const ADMITTER_SERVICE_NAME = 'task-admitter';

/** The stack's name (bin/app.ts) and the embedded platform's default. */
export const DEFAULT_STACK_NAME = 'ServerlessTask';

/** Template metadata naming the command the embedded platform runs instead of a task definition's image. */
export const LOCAL_COMMAND_METADATA = 'stask:local-command';

/**
 * A Python module run by the embedded platform in a venv built from the task's pinned requirements (host
 * wheels, cached by the requirements' hash), with `path` (repository-relative) on PYTHONPATH.
 */
export const PythonLocalCommandSchema = z.strictObject({
  python: z.strictObject({
    /** The Lambda runtime name of the Python the image runs (e.g. python3.14): the host's closest is used. */
    runtime: z.string().regex(/^python3\.\d+$/),
    module: z.string().min(1),
    args: z.array(z.string()),
    /** Pinned requirements files, repository-relative. */
    requirements: z.array(z.string().min(1)),
    path: z.array(z.string().min(1)),
  }),
});
export type PythonLocalCommand = z.infer<typeof PythonLocalCommandSchema>;

/**
 * The value of the `stask:local-command` metadata: a TypeScript/JS entry (run with `node --import tsx`) and its
 * arguments, or a Python module (PythonLocalCommandSchema).
 */
export const LocalCommandSchema = z.union([z.array(z.string().min(1)).min(1), PythonLocalCommandSchema]);
export type LocalCommand = z.infer<typeof LocalCommandSchema>;

/** The metadata's command; `[]` (nothing runs it locally) when absent. Throws, naming `where`, when it is malformed. */
export function parseLocalCommand(value: unknown, where: string): LocalCommand | readonly [] {
  if (value === undefined) return [];
  const parsed = LocalCommandSchema.safeParse(value);
  if (!parsed.success) {
    throw new Error(`${where}: ${LOCAL_COMMAND_METADATA} metadata is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Stack output IDs the CLI and the platform read (CloudFormation DescribeStacks / cdk.out). Never rename them. */
export const STACK_OUTPUTS = {
  taskTableName: 'TaskTableName',
  successQueueUrl: 'SuccessQueueUrl',
  failureQueueUrl: 'FailureQueueUrl',
  payloadBucketName: 'PayloadBucketName',
  mediaBucketName: 'MediaBucketName',
  transcodeStateMachineArn: 'TranscodeStateMachineArn',
  /** JSON: task name → TaskFunctionEntry — what the CLI needs to start and follow tasks. */
  taskFunctions: 'TaskFunctions',
  /** The role holding exactly what `stask` needs against the stack (grantOperate). */
  operatorRoleArn: 'OperatorRoleArn',
  /** The SNS topic every alarm of the stack notifies (`-c alarmEmail=...` subscribes an address to it). */
  alarmTopicArn: 'AlarmTopicArn',
  /** The CloudWatch dashboard of the stack. */
  dashboardName: 'DashboardName',
  /** The task API's URL (API Gateway HTTP API, IAM authorization; the embedded platform's loopback URL locally). */
  taskApiUrl: 'TaskApiUrl',
  /** The MSK cluster of the Kafka lane (when the stack has the lane). */
  kafkaClusterArn: 'KafkaClusterArn',
  /** The SQS FIFO sink of the sample operator (when the stack has the lane). */
  kafkaSinkQueueUrl: 'KafkaSinkQueueUrl',
  /** `ShortTask<PascalName>FunctionName`, e.g. `ShortTaskAnalyzeSlowQueriesFunctionName`. */
  shortTaskFunctionName: (taskName: string): string => `ShortTask${pascalCase(taskName)}FunctionName`,
  /** `PayloadSchema<PascalName>`: the JSON Schema a task's payload is checked against at submit (when it declares one). */
  payloadSchema: (taskName: string): string => `PayloadSchema${pascalCase(taskName)}`,
} as const;

/** `analyze-slow-queries` -> `AnalyzeSlowQueries` (construct IDs and stack output IDs). */
export function pascalCase(taskName: string): string {
  return taskName
    .split('-')
    .filter((part) => part.length > 0)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * One entry of the TaskFunctions output: where a task runs and logs. `kind` absent (older stacks) means
 * 'lambda'; a lambda entry needs `functionName`, a stepfunctions entry `stateMachineArn`.
 */
export const TaskFunctionEntrySchema = z
  .object({
    kind: z.enum(['lambda', 'stepfunctions']).optional(),
    functionName: z.string().min(1).optional(),
    stateMachineArn: z.string().min(1).optional(),
    logGroupName: z.string().min(1).optional(),
    maxAttempts: z.number().int().positive().optional(),
    /** A long task's executions that may run at a time (the others wait QUEUED). */
    maxConcurrency: z.number().int().positive().optional(),
  })
  .refine((t) => (t.kind === 'stepfunctions' ? Boolean(t.stateMachineArn) : Boolean(t.functionName)), {
    message: 'a lambda task needs functionName, a stepfunctions task stateMachineArn',
  });
export type TaskFunctionEntry = z.infer<typeof TaskFunctionEntrySchema>;

/** The TaskFunctions output: task name → entry. */
export const TaskFunctionsSchema = z.record(z.string(), TaskFunctionEntrySchema);
export type TaskFunctions = z.infer<typeof TaskFunctionsSchema>;

/** The file `stask dev` writes into its data directory. */
export const ENDPOINTS_FILE = 'endpoints.json';

/** The services of the stack the CLI calls, named as in endpoints.json. */
export const SERVICE_NAMES = ['dynamodb', 'sqs', 's3', 'lambda', 'logs', 'sfn'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** endpoints.json: how the CLI (or any SDK client) reaches a running embedded platform. */
export const EndpointsFileSchema = z.object({
  region: z.string().min(1),
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
  endpoints: z.record(z.string(), z.string().min(1)),
  outputs: z.record(z.string(), z.string()),
  streams: z
    .array(z.object({ id: z.string(), functionName: z.string(), topic: z.string(), groupId: z.string(), bootstrap: z.string().min(1) }))
    .optional(),
  pid: z.number().int().positive(),
});

/** A Kafka event source mapping of the embedded platform, as endpoints.json names it. */
export interface StreamEndpoint {
  readonly id: string;
  readonly functionName: string;
  readonly topic: string;
  readonly groupId: string;
  /** The broker's bootstrap address. */
  readonly bootstrap: string;
}
export interface EndpointsFile {
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly endpoints: Readonly<Record<ServiceName, string>> | Readonly<Record<string, string>>;
  readonly outputs: Readonly<Record<string, string>>;
  /** The Kafka event source mappings `stask streams` and `stask produce` work with (absent without Kafka). */
  readonly streams?: readonly StreamEndpoint[];
  readonly pid: number;
}
