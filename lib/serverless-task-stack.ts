import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { MediaNetwork } from './constructs/media-network.js';
import { MediaStore } from './constructs/media-store.js';
import { PayloadStore } from './constructs/payload-store.js';
import { pascalCase, ShortTask } from './constructs/short-task.js';
import type { ShortTaskProps } from './constructs/short-task.js';
import { TaskDestinations } from './constructs/task-destinations.js';
import { TaskRegistry } from './constructs/task-registry.js';
import { TaskSweeper } from './constructs/task-sweeper.js';
import { TranscodeTask } from './constructs/transcode-task.js';
import { UploadTrigger } from './constructs/upload-trigger.js';

/** A short task of this stack: everything but the shared resources, which the stack passes in. */
type ShortTaskDefinition = Pick<ShortTaskProps, 'taskName' | 'entry' | 'language' | 'retryAttempts' | 'maxEventAge' | 'timeout' | 'memorySize'>;

/** The short-lane tasks deployed by this stack. */
export const SHORT_TASKS: readonly ShortTaskDefinition[] = [
  { taskName: 'analyze-slow-queries', entry: 'functions/tasks/analyze-slow-queries/handler.ts' },
  // Fails on every attempt: exercises retries, the failure destination and the DLQ alarm end to end.
  { taskName: 'always-fails', entry: 'functions/tasks/always-fails/handler.ts', retryAttempts: 2 },
  // Python (numpy/pandas): compares two analyze-slow-queries summaries and flags regressed fingerprints.
  { taskName: 'detect-query-regressions', entry: 'functions/short/detect-query-regressions', language: 'python' },
];

/** The long-lane (Step Functions + Fargate) FFmpeg transcoding task. */
export const TRANSCODE_TASK_NAME = 'transcode';
/** Uploads under this prefix of the media bucket start transcode tasks. */
export const UPLOAD_PREFIX = 'uploads/';
/** Output formats of the transcode tasks an upload starts (one task each). */
export const UPLOAD_OUTPUT_FORMATS: readonly string[] = ['mp4', 'm3u8'];
/** Where those tasks write their outputs (outside UPLOAD_PREFIX). */
export const UPLOAD_OUTPUT_DIR = 'transcoded';

/** Stack output IDs the CLI reads (CloudFormation DescribeStacks / cdk.out). Never rename them. */
export const STACK_OUTPUTS = {
  taskTableName: 'TaskTableName',
  successQueueUrl: 'SuccessQueueUrl',
  failureQueueUrl: 'FailureQueueUrl',
  payloadBucketName: 'PayloadBucketName',
  mediaBucketName: 'MediaBucketName',
  transcodeStateMachineArn: 'TranscodeStateMachineArn',
  /**
   * JSON: task name → `{ kind: 'lambda', functionName, logGroupName, maxAttempts }` or
   * `{ kind: 'stepfunctions', stateMachineArn, logGroupName, maxAttempts }` — what the CLI needs to start and
   * follow tasks.
   */
  taskFunctions: 'TaskFunctions',
  /** `ShortTask<PascalName>FunctionName`, e.g. `ShortTaskAnalyzeSlowQueriesFunctionName`. */
  shortTaskFunctionName: (taskName: string): string => `ShortTask${pascalCase(taskName)}FunctionName`,
} as const;

export class ServerlessTaskStack extends Stack {
  public readonly registry: TaskRegistry;
  public readonly destinations: TaskDestinations;
  public readonly payloadStore: PayloadStore;
  public readonly sweeper: TaskSweeper;
  /** Short tasks by task name. */
  public readonly shortTasks: ReadonlyMap<string, ShortTask>;
  /** VPC, gateway endpoints and ECS cluster of the media work. */
  public readonly mediaNetwork: MediaNetwork;
  /** Uploads and transcoded outputs. */
  public readonly mediaStore: MediaStore;
  /** The long-lane transcode task (Step Functions + Fargate). */
  public readonly transcodeTask: TranscodeTask;
  /** Uploads under `uploads/` start transcode tasks. */
  public readonly uploadTrigger: UploadTrigger;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.registry = new TaskRegistry(this, 'TaskRegistry');
    this.destinations = new TaskDestinations(this, 'TaskDestinations');
    this.payloadStore = new PayloadStore(this, 'PayloadStore');
    this.sweeper = new TaskSweeper(this, 'TaskSweeper', { table: this.registry.table });

    const shortTasks = new Map<string, ShortTask>();
    for (const definition of SHORT_TASKS) {
      const task = new ShortTask(this, `ShortTask${pascalCase(definition.taskName)}`, {
        ...definition,
        table: this.registry.table,
        successQueue: this.destinations.successQueue,
        failureQueue: this.destinations.failureQueue,
        payloadBucket: this.payloadStore.bucket,
      });
      shortTasks.set(definition.taskName, task);
      new CfnOutput(this, STACK_OUTPUTS.shortTaskFunctionName(definition.taskName), {
        value: task.function.functionName,
        description: `Lambda function of the short task ${definition.taskName}`,
      });
    }
    this.shortTasks = shortTasks;

    this.mediaNetwork = new MediaNetwork(this, 'MediaNetwork');
    // Its server access logs go to the payload store's log bucket, under media/.
    this.mediaStore = new MediaStore(this, 'MediaStore', { accessLogsBucket: this.payloadStore.accessLogsBucket });
    this.transcodeTask = new TranscodeTask(this, 'TranscodeTask', {
      taskName: TRANSCODE_TASK_NAME,
      cluster: this.mediaNetwork.cluster,
      table: this.registry.table,
      successQueue: this.destinations.successQueue,
      failureQueue: this.destinations.failureQueue,
      mediaBucket: this.mediaStore.bucket,
      payloadBucket: this.payloadStore.bucket,
    });
    this.uploadTrigger = new UploadTrigger(this, 'UploadTrigger', {
      taskName: TRANSCODE_TASK_NAME,
      stateMachine: this.transcodeTask.stateMachine,
      table: this.registry.table,
      bucket: this.mediaStore.bucket,
      prefix: UPLOAD_PREFIX,
      outputFormats: UPLOAD_OUTPUT_FORMATS,
      outputDir: UPLOAD_OUTPUT_DIR,
      maxAttempts: 1,
    });

    new CfnOutput(this, STACK_OUTPUTS.taskFunctions, {
      value: this.toJsonString({
        ...Object.fromEntries(
          SHORT_TASKS.map((definition) => {
            const task = shortTasks.get(definition.taskName);
            return [
              definition.taskName,
              {
                kind: 'lambda',
                functionName: task?.function.functionName,
                logGroupName: task?.taskFunction.logGroup.logGroupName,
                maxAttempts: (definition.retryAttempts ?? 2) + 1,
              },
            ];
          }),
        ),
        [TRANSCODE_TASK_NAME]: {
          kind: 'stepfunctions',
          stateMachineArn: this.transcodeTask.stateMachine.stateMachineArn,
          // The worker containers' log group (streams transcode/transcoder/<ECS task ID>).
          logGroupName: this.transcodeTask.logGroup.logGroupName,
          maxAttempts: 1,
        },
      }),
      description: 'Task name to lane, function or state machine, log group and attempts (JSON), read by the stask CLI',
    });

    new CfnOutput(this, STACK_OUTPUTS.taskTableName, {
      value: this.registry.table.tableName,
      description: 'DynamoDB task registry table',
    });
    new CfnOutput(this, STACK_OUTPUTS.successQueueUrl, {
      value: this.destinations.successQueue.queueUrl,
      description: 'SQS queue receiving success destination records',
    });
    new CfnOutput(this, STACK_OUTPUTS.failureQueueUrl, {
      value: this.destinations.failureQueue.queueUrl,
      description: 'SQS dead-letter queue receiving failure destination records',
    });
    new CfnOutput(this, STACK_OUTPUTS.payloadBucketName, {
      value: this.payloadStore.bucket.bucketName,
      description: 'S3 bucket holding claim-check task payloads',
    });
    new CfnOutput(this, STACK_OUTPUTS.mediaBucketName, {
      value: this.mediaStore.bucket.bucketName,
      description: `S3 bucket for media: uploads under ${UPLOAD_PREFIX} start ${TRANSCODE_TASK_NAME} tasks`,
    });
    new CfnOutput(this, STACK_OUTPUTS.transcodeStateMachineArn, {
      value: this.transcodeTask.stateMachine.stateMachineArn,
      description: `Step Functions state machine of the ${TRANSCODE_TASK_NAME} task`,
    });
  }
}
