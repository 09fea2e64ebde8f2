import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MediaStore } from './media-store.js';
import { DEFAULTS, ENV } from '../../functions/core/facts.js';
import { grantAdmission } from './long-task-admitter.js';
import { acknowledgeNag, iam5ResourceFinding } from './nag.js';
import { TASK_NAME_PATTERN } from './short-task.js';
import { TaskFunction } from './task-function.js';

/** The trigger's handler (thin: parses the EventBridge event, calls functions/triggers/upload-trigger.ts). */
export const UPLOAD_TRIGGER_ENTRY = 'functions/triggers/upload-trigger-handler.ts';

const OUTPUT_FORMAT_PATTERN = /^[a-z0-9]{1,16}$/;

export interface UploadTriggerProps {
  /** The state machine each upload starts (one execution per output format). */
  readonly stateMachine: sfn.IStateMachine;

  /**
   * Task name of the started tasks (`TRIGGER_TASK_NAME`).
   *
   * @default 'transcode'
   */
  readonly taskName?: string;

  /** The task registry table: the handler creates the tasks (with dedup) before starting them. */
  readonly table: dynamodb.ITable;

  /**
   * The bucket whose uploads start tasks; its EventBridge notifications are turned on.
   *
   * @default - a new MediaStore bucket
   */
  readonly bucket?: s3.IBucket;

  /**
   * Only objects created under this key prefix start tasks (never empty: outputs must not trigger).
   *
   * @default 'uploads/'
   */
  readonly prefix?: string;

  /**
   * One task per output format for every upload (`TRIGGER_OUTPUT_FORMATS`).
   *
   * @default ['mp4']
   */
  readonly outputFormats?: readonly string[];

  /**
   * Where outputs go (`TRIGGER_OUTPUT_DIR`), outside `prefix`.
   *
   * @default 'transcoded'
   */
  readonly outputDir?: string;

  /**
   * Attempts recorded for each started task (`TASK_MAX_ATTEMPTS`).
   *
   * @default 1
   */
  readonly maxAttempts?: number;

  /**
   * The task's concurrency limit (its LongTask's `maxConcurrency`): started tasks beyond it wait QUEUED.
   *
   * @default - no limit
   */
  readonly maxConcurrency?: number;

  /**
   * Retention of the handler's log group.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Uploads start tasks: S3 "Object Created" events (EventBridge) under a prefix invoke a handler that
 * creates one task per output format — task IDs derived from the object (bucket, key, version or ETag,
 * format), so a repeated event is deduplicated — and starts its state machine execution. Events the
 * handler could not process after Lambda's retries land in `deadLetterQueue` (the raw event, for replay).
 */
export class UploadTrigger extends Construct {
  /** The bucket whose uploads start tasks. */
  public readonly bucket: s3.IBucket;
  /** The handler's function construct. */
  public readonly taskFunction: TaskFunction;
  /** The EventBridge rule matching uploads under the prefix. */
  public readonly rule: events.Rule;
  /** Upload events that did not start their tasks. */
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: UploadTriggerProps) {
    super(scope, id);

    const taskName = props.taskName ?? 'transcode';
    if (!TASK_NAME_PATTERN.test(taskName)) {
      throw new Error(`UploadTrigger: taskName '${taskName}' is invalid; it must match ${TASK_NAME_PATTERN.source}`);
    }
    const prefix = props.prefix ?? 'uploads/';
    const outputDir = props.outputDir ?? 'transcoded';
    if (prefix === '') {
      throw new Error('UploadTrigger: prefix must not be empty: every output written to the bucket would start a new task');
    }
    if (`${outputDir}/`.startsWith(prefix) || prefix.startsWith(`${outputDir}/`)) {
      throw new Error(`UploadTrigger: outputDir '${outputDir}' must be outside prefix '${prefix}': outputs would start new tasks`);
    }
    const outputFormats = props.outputFormats ?? ['mp4'];
    if (outputFormats.length === 0 || outputFormats.some((format) => !OUTPUT_FORMAT_PATTERN.test(format))) {
      throw new Error(
        `UploadTrigger: outputFormats must be a non-empty list of ${OUTPUT_FORMAT_PATTERN.source}, got [${outputFormats.join(', ')}]`,
      );
    }
    const maxAttempts = props.maxAttempts ?? DEFAULTS.longTaskMaxAttempts;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new Error(`UploadTrigger: maxAttempts must be an integer >= 1, got ${maxAttempts}`);
    }

    this.bucket = props.bucket ?? new MediaStore(this, 'MediaStore').bucket;
    // S3 → EventBridge (`eventBridgeEnabled: true` for a bucket passed in, imported ones included): CDK
    // sets it through its Custom::S3BucketNotifications resource, which the embedded platform serves.
    this.bucket.enableEventBridgeNotification();
    acknowledgeNotificationsHandler(this.bucket);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeNag(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue IS the dead-letter queue of the upload trigger (EventInvokeConfig on-failure destination and ' +
        'EventBridge target DLQ); cdk-nag only recognises RedrivePolicy/DeadLetterConfig as DLQ usage.',
    );

    this.taskFunction = new TaskFunction(this, 'Function', {
      entry: UPLOAD_TRIGGER_ENTRY,
      serviceName: 'upload-trigger',
      timeout: Duration.minutes(1),
      memorySize: 512,
      logRetention: props.logRetention,
      description: `Starts ${taskName} tasks for uploads under ${prefix}`,
      environment: {
        [ENV.taskTableName]: props.table.tableName,
        [ENV.triggerTaskName]: taskName,
        [ENV.triggerStateMachineArn]: props.stateMachine.stateMachineArn,
        [ENV.triggerOutputFormats]: outputFormats.join(','),
        [ENV.triggerOutputDir]: outputDir,
        [ENV.triggerPrefix]: prefix,
        [ENV.maxAttempts]: String(maxAttempts),
        ...(props.maxConcurrency === undefined ? {} : { [ENV.maxConcurrency]: String(props.maxConcurrency) }),
      },
    });
    const fn = this.taskFunction.function;
    new lambda.EventInvokeConfig(this, 'AsyncInvokeConfig', {
      function: fn,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetterQueue),
    });

    this.rule = new events.Rule(this, 'Rule', {
      description: `S3 Object Created under ${prefix} starts ${taskName} tasks`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [this.bucket.bucketName] },
          object: { key: events.Match.prefix(prefix) },
        },
      },
      targets: [
        new targets.LambdaFunction(fn, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });

    if (props.maxConcurrency === undefined) props.stateMachine.grantStartExecution(fn);
    else grantAdmission(this.taskFunction.role, props.stateMachine, taskName);
    props.table.grantReadWriteData(fn);
    this.deadLetterQueue.grantSendMessages(fn);

    acknowledgeNag(
      this.taskFunction.role,
      iam5ResourceFinding(this, props.table.tableArn, '/index/*'),
      'grantReadWriteData on the task table: the handler creates tasks with dedup and reads them back through the ' +
        "indexes of this one table; the wildcard only spans that table's indexes.",
    );
  }
}

/**
 * CDK's singleton handler of Custom::S3BucketNotifications (one per stack, created by
 * `enableEventBridgeNotification`) has a role with the AWS managed AWSLambdaBasicExecutionRole policy.
 */
function acknowledgeNotificationsHandler(bucket: s3.IBucket): void {
  const handler = Stack.of(bucket).node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
  if (!handler) return;
  acknowledgeNag(
    handler,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "CDK's own Custom::S3BucketNotifications handler, run by CloudFormation only at deployment to turn on the " +
      "bucket's EventBridge notifications; the managed policy only lets it write its CloudWatch logs, and its " +
      'S3 permission (s3:PutBucketNotification) is scoped to the bucket.',
  );
}
