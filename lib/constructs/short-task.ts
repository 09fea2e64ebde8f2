import { Duration, type CfnOutput } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULTS, ENV, pascalCase } from '../../functions/core/facts.js';
import type { PayloadJsonSchema } from '../../functions/core/payload-schema.js';
import { acknowledgeNag, iam5ActionFinding, iam5ResourceFinding } from './nag.js';
import { publishPayloadSchema } from './payload-schema-output.js';
import { PythonTaskFunction } from './python-task-function.js';
import { TaskFunction } from './task-function.js';

/** Task names: lowercase, start with a letter, 1-63 characters. They appear in IDs and outputs. */
export const TASK_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
/** Lambda allows 0-2 retries of an asynchronous invocation (2 is also its default). */
export const MAX_RETRY_ATTEMPTS = DEFAULTS.retryAttempts;
/** Lambda keeps an asynchronous event from 60 seconds to 6 hours. */
export const MIN_EVENT_AGE_SECONDS = 60;
export const MAX_EVENT_AGE_SECONDS = 6 * 60 * 60;
/**
 * Keys under which the task runtime stores results too large for the task record
 * (`results/<taskId>/<sha256>.json`, see PayloadStore.put in functions/core/payload.ts).
 */
export const RESULTS_KEY_PATTERN = 'results/*';

export { pascalCase };

export interface ShortTaskProps {
  /** Task name, `^[a-z][a-z0-9-]{0,62}$`. Reaches the code as `TASK_NAME`. */
  readonly taskName: string;

  /**
   * TypeScript: the handler source file. Python: the task's directory (modules + pinned requirements).
   * A relative path is resolved against the repository root.
   */
  readonly entry: string;

  /**
   * The task's language: TypeScript (`TaskFunction`, Node.js) or Python (`PythonTaskFunction`, `handler.handler`
   * wrapped by the stask_runtime package).
   *
   * @default 'typescript'
   */
  readonly language?: 'typescript' | 'python';

  /**
   * The JSON Schema of the task's payload (e.g. its zod schema through `z.toJSONSchema`), published as the stack
   * output `PayloadSchema<Task>`: the TaskClient (`stask invoke`) refuses a payload that does not match (exit 2)
   * before the task is created. At most 4 KB of JSON (see payload-schema-output.ts).
   *
   * @default - none: every JSON payload is accepted at submit and the handler validates it
   */
  readonly payloadSchema?: PayloadJsonSchema;

  /** The task registry table (read/write). */
  readonly table: dynamodb.ITable;

  /** On-success destination. */
  readonly successQueue: sqs.IQueue;

  /** On-failure destination (the task dead-letter queue). */
  readonly failureQueue: sqs.IQueue;

  /** Claim-check payload bucket: payloads are read, large results written under `results/`. */
  readonly payloadBucket: s3.IBucket;

  /**
   * Retries of a failed asynchronous invocation, an integer from 0 to 2.
   *
   * @default 2
   */
  readonly retryAttempts?: number;

  /**
   * How long an event may wait to be run before it is sent to the failure queue (60 seconds to 6 hours).
   *
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;

  /**
   * The runtime's heartbeat interval (`TASK_HEARTBEAT_SECONDS`): it must be the TaskSweeper's, or the sweeper
   * takes running attempts for gone (shorter) or notices dead ones late (longer).
   *
   * @default Duration.seconds(DEFAULTS.heartbeatSeconds)
   */
  readonly heartbeat?: Duration;

  /**
   * Memory in MiB.
   *
   * @default 1024
   */
  readonly memorySize?: number;

  /**
   * Maximum run time of one attempt, at most 15 minutes.
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;

  /**
   * Concurrent executions reserved for (and capping) this task.
   *
   * @default - no reservation
   */
  readonly reservedConcurrency?: number;

  /**
   * Retention of the function's log group.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The short lane: a task is one asynchronous Lambda invocation, retried 0-2 times, dropped after a
 * maximum event age, with its destination record sent to the success or the failure queue.
 */
export class ShortTask extends Construct {
  /** The task's function construct (function, log group, role). */
  public readonly taskFunction: TaskFunction | PythonTaskFunction;
  /** The Lambda function. */
  public readonly function: lambda.Function;
  /** Retries, maximum event age and destinations of asynchronous invocations. */
  public readonly invokeConfig: lambda.EventInvokeConfig;
  /** The stack output publishing the payload schema, when the task declares one. */
  public readonly payloadSchemaOutput?: CfnOutput;

  constructor(scope: Construct, id: string, props: ShortTaskProps) {
    super(scope, id);

    validateTaskName(props.taskName);
    if (props.payloadSchema) this.payloadSchemaOutput = publishPayloadSchema(this, props.taskName, props.payloadSchema);
    const retryAttempts = validateRetryAttempts(props.retryAttempts ?? MAX_RETRY_ATTEMPTS);
    const maxEventAgeSeconds = validateMaxEventAge(props.maxEventAge ?? Duration.seconds(DEFAULTS.maxEventAgeSeconds));
    const heartbeatSeconds = (props.heartbeat ?? Duration.seconds(DEFAULTS.heartbeatSeconds)).toSeconds();

    const FunctionConstruct = props.language === 'python' ? PythonTaskFunction : TaskFunction;
    this.taskFunction = new FunctionConstruct(this, 'TaskFunction', {
      entry: props.entry,
      serviceName: props.taskName,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      logRetention: props.logRetention,
      description: `Short task ${props.taskName}`,
      environment: {
        [ENV.taskName]: props.taskName,
        [ENV.taskTableName]: props.table.tableName,
        [ENV.successQueueUrl]: props.successQueue.queueUrl,
        [ENV.failureQueueUrl]: props.failureQueue.queueUrl,
        [ENV.payloadBucketName]: props.payloadBucket.bucketName,
        [ENV.maxRetries]: String(retryAttempts),
        [ENV.maxEventAgeSeconds]: String(maxEventAgeSeconds),
        [ENV.heartbeatSeconds]: String(heartbeatSeconds),
      },
    });
    this.function = this.taskFunction.function;

    this.invokeConfig = new lambda.EventInvokeConfig(this, 'AsyncInvokeConfig', {
      function: this.function,
      retryAttempts,
      maxEventAge: Duration.seconds(maxEventAgeSeconds),
      onSuccess: new SqsDestination(props.successQueue),
      onFailure: new SqsDestination(props.failureQueue),
    });

    props.table.grantReadWriteData(this.function);
    props.payloadBucket.grantRead(this.function);
    // The runtime stores results above the inline limit as `results/<taskId>/...`; write access stops there.
    props.payloadBucket.grantPut(this.function, RESULTS_KEY_PATTERN);
    // SqsDestination.bind() already grants both queues to the function; granting here keeps the
    // permissions explicit where the construct is read.
    props.failureQueue.grantSendMessages(this.function);
    props.successQueue.grantSendMessages(this.function);

    const role = this.taskFunction.role;
    acknowledgeNag(
      role,
      iam5ResourceFinding(this, props.table.tableArn, '/index/*'),
      'grantReadWriteData on the task table: queries by status, function and ID prefix go to the GSIs of this ' +
        'one table; the wildcard only spans that table\'s indexes.',
    );
    acknowledgeNag(
      role,
      iam5ResourceFinding(this, props.payloadBucket.bucketArn, '/*'),
      'grantRead on the payload bucket: payload object keys are derived from task IDs at run time; the ' +
        'wildcard only spans objects of that one bucket.',
    );
    acknowledgeNag(
      role,
      iam5ResourceFinding(this, props.payloadBucket.bucketArn, `/${RESULTS_KEY_PATTERN}`),
      'grantPut on the payload bucket, restricted to the results/ prefix: result object keys are derived from ' +
        'task IDs and content hashes at run time.',
    );
    acknowledgeNag(
      role,
      iam5ActionFinding('s3:Abort*'),
      's3:Abort* (AbortMultipartUpload) comes from grantPut on the payload bucket, scoped to its results/ prefix.',
    );
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*']) {
      acknowledgeNag(
        role,
        iam5ActionFinding(action),
        `${action} comes from grantRead on the payload bucket (read-only actions, resources scoped to that bucket).`,
      );
    }
  }
}

function validateTaskName(taskName: string): void {
  if (!TASK_NAME_PATTERN.test(taskName)) {
    throw new Error(
      `ShortTask: taskName '${taskName}' is invalid; it must match ${TASK_NAME_PATTERN.source} ` +
        '(1 to 63 characters: a lowercase letter, then lowercase letters, digits or hyphens)',
    );
  }
}

function validateRetryAttempts(retryAttempts: number): number {
  if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > MAX_RETRY_ATTEMPTS) {
    throw new Error(
      `ShortTask: retryAttempts must be an integer from 0 to ${MAX_RETRY_ATTEMPTS}, got ${retryAttempts}`,
    );
  }
  return retryAttempts;
}

function validateMaxEventAge(maxEventAge: Duration): number {
  const seconds = maxEventAge.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < MIN_EVENT_AGE_SECONDS || seconds > MAX_EVENT_AGE_SECONDS) {
    throw new Error(
      `ShortTask: maxEventAge must be a whole number of seconds from ${MIN_EVENT_AGE_SECONDS} to ` +
        `${MAX_EVENT_AGE_SECONDS} (1 minute to 6 hours), got ${seconds} seconds`,
    );
  }
  return seconds;
}
