import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { DEFAULT_MAX_ATTEMPTS, DEFAULTS, ENV, pascalCase, STACK_OUTPUTS } from '../functions/core/facts.js';
import { acknowledgeNag, iam5ResourceFinding } from './constructs/nag.js';
import { KafkaLane } from './constructs/kafka-lane.js';
import { LongTaskAdmitter } from './constructs/long-task-admitter.js';
import { MediaNetwork } from './constructs/media-network.js';
import { MediaStore } from './constructs/media-store.js';
import { ALARM_CONTEXT, OperationsAlarms } from './constructs/operations-alarms.js';
import { OperationsDashboard } from './constructs/operations-dashboard.js';
import type { MonitoredTask } from './constructs/task-metrics.js';
import { PayloadStore } from './constructs/payload-store.js';
import { PythonLongTask } from './constructs/python-long-task.js';
import { ShortTask } from './constructs/short-task.js';
import type { ShortTaskProps } from './constructs/short-task.js';
import { TaskDestinations } from './constructs/task-destinations.js';
import { TaskApi } from './constructs/task-api.js';
import { TaskRegistry } from './constructs/task-registry.js';
import { TaskSweeper } from './constructs/task-sweeper.js';
import { grantOperate, TaskOperator, type OperatedResources } from './constructs/task-operator.js';
import { TranscodeTask } from './constructs/transcode-task.js';
import { UploadTrigger } from './constructs/upload-trigger.js';
import { analyzeSlowQueriesJsonSchema } from '../functions/short/analyze-slow-queries/payload.js';

/** A short task of this stack: everything but the shared resources, which the stack passes in. */
type ShortTaskDefinition = Pick<ShortTaskProps, 'taskName' | 'entry' | 'language' | 'retryAttempts' | 'maxEventAge' | 'timeout' | 'memorySize' | 'payloadSchema'>;

/** The short-lane tasks deployed by this stack. */
export const SHORT_TASKS: readonly ShortTaskDefinition[] = [
  // Declares its payload schema: a payload that does not match is refused at submit (exit 2), not FAILED later.
  { taskName: 'analyze-slow-queries', entry: 'functions/short/analyze-slow-queries/handler.ts', payloadSchema: analyzeSlowQueriesJsonSchema() },
  // Fails on every attempt: exercises retries, the failure destination and the DLQ alarm end to end.
  { taskName: 'always-fails', entry: 'functions/short/always-fails/handler.ts', retryAttempts: 2 },
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

/** The long-lane Python job (Fargate; locally a child process in a venv) that rolls up per-region summaries. */
export const ROLLUP_TASK_NAME = 'cross-region-rollup';

/** Stack output IDs (defined with the other shared facts; the CLI and the platform read them). */
export { STACK_OUTPUTS };

/** The heartbeat interval of every attempt (short tasks, transcode workers) and the sweeper's measure of it. */
export const HEARTBEAT = Duration.seconds(DEFAULTS.heartbeatSeconds);

export class ServerlessTaskStack extends Stack {
  public readonly registry: TaskRegistry;
  public readonly destinations: TaskDestinations;
  public readonly payloadStore: PayloadStore;
  public readonly sweeper: TaskSweeper;
  /** Starts waiting long tasks as executions of their task end (their concurrency limits). */
  public readonly admitter: LongTaskAdmitter;
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
  /** The long-lane Python job cross-region-rollup (reads and writes the media bucket). */
  public readonly rollupTask: PythonLongTask;
  /** The stream lane (MSK → enrich-slow-queries → SQS FIFO), unless the context leaves it out. */
  public readonly kafkaLane?: KafkaLane;
  /** A role with exactly what `stask` needs against this stack (output OperatorRoleArn). */
  public readonly operator: TaskOperator;
  /** The CloudWatch dashboard (output DashboardName). */
  public readonly dashboard: OperationsDashboard;
  /** Every alarm → one SNS topic (output AlarmTopicArn); `-c alarmEmail=...` subscribes an address. */
  public readonly alarms: OperationsAlarms;
  /** The task API (HTTP API, IAM authorization; output TaskApiUrl). */
  public readonly taskApi: TaskApi;
  private readonly operated: OperatedResources;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.registry = new TaskRegistry(this, 'TaskRegistry');
    this.destinations = new TaskDestinations(this, 'TaskDestinations');
    this.payloadStore = new PayloadStore(this, 'PayloadStore');
    this.sweeper = new TaskSweeper(this, 'TaskSweeper', { table: this.registry.table, heartbeat: HEARTBEAT, failureQueue: this.destinations.failureQueue });
    this.admitter = new LongTaskAdmitter(this, 'LongTaskAdmitter', { table: this.registry.table });

    const shortTasks = new Map<string, ShortTask>();
    for (const definition of SHORT_TASKS) {
      const task = new ShortTask(this, `ShortTask${pascalCase(definition.taskName)}`, {
        ...definition,
        table: this.registry.table,
        successQueue: this.destinations.successQueue,
        failureQueue: this.destinations.failureQueue,
        payloadBucket: this.payloadStore.bucket,
        heartbeat: HEARTBEAT,
      });
      shortTasks.set(definition.taskName, task);
      this.sweeper.dispatches(definition.taskName, { function: task.function, maxAttempts: (definition.retryAttempts ?? DEFAULTS.retryAttempts) + 1 });
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
      uploadPrefix: UPLOAD_PREFIX,
      heartbeat: HEARTBEAT,
      // On AWS each segment is its own Fargate task: inputs above the threshold are split and transcoded in
      // parallel; shorter ones (every local run's clips) stay single pass.
      segmented: {},
    });
    this.sweeper.dispatches(TRANSCODE_TASK_NAME, { stateMachine: this.transcodeTask.stateMachine, maxAttempts: DEFAULTS.longTaskMaxAttempts, maxConcurrency: this.transcodeTask.maxConcurrency });
    this.admitter.admits(TRANSCODE_TASK_NAME, this.transcodeTask.stateMachine, this.transcodeTask.maxConcurrency);
    this.uploadTrigger = new UploadTrigger(this, 'UploadTrigger', {
      taskName: TRANSCODE_TASK_NAME,
      stateMachine: this.transcodeTask.stateMachine,
      table: this.registry.table,
      bucket: this.mediaStore.bucket,
      prefix: UPLOAD_PREFIX,
      outputFormats: UPLOAD_OUTPUT_FORMATS,
      outputDir: UPLOAD_OUTPUT_DIR,
      maxAttempts: DEFAULTS.longTaskMaxAttempts,
      maxConcurrency: this.transcodeTask.maxConcurrency,
    });

    this.rollupTask = new PythonLongTask(this, 'CrossRegionRollup', {
      taskName: ROLLUP_TASK_NAME,
      entry: 'functions/long/cross-region-rollup',
      handler: 'rollup_job:run',
      cluster: this.mediaNetwork.cluster,
      table: this.registry.table,
      successQueue: this.destinations.successQueue,
      failureQueue: this.destinations.failureQueue,
      payloadBucket: this.payloadStore.bucket,
      heartbeat: HEARTBEAT,
      // The summaries and the report live in the media bucket; no report may go under the upload prefix.
      environment: { [ENV.mediaBucketName]: this.mediaStore.bucket.bucketName, [ENV.mediaUploadPrefix]: UPLOAD_PREFIX },
    });
    this.mediaStore.bucket.grantRead(this.rollupTask.taskDefinition.taskRole);
    this.mediaStore.bucket.grantPut(this.rollupTask.taskDefinition.taskRole);
    acknowledgeNag(
      this.rollupTask.taskDefinition.taskRole,
      iam5ResourceFinding(this.rollupTask, this.mediaStore.bucket.bucketArn, '/*'),
      'grantRead and grantPut on the media bucket: the input prefix and the report key come from the task payload at ' +
        'run time; the wildcard only spans objects of that one bucket.',
    );
    this.sweeper.dispatches(ROLLUP_TASK_NAME, { stateMachine: this.rollupTask.stateMachine, maxAttempts: DEFAULTS.longTaskMaxAttempts, maxConcurrency: this.rollupTask.maxConcurrency });
    this.admitter.admits(ROLLUP_TASK_NAME, this.rollupTask.stateMachine, this.rollupTask.maxConcurrency);

    this.kafkaLane = KafkaLane.fromContext(this, 'KafkaLane', {
      vpc: this.mediaNetwork.vpc,
      table: this.registry.table,
      deadLetterQueue: this.destinations.failureQueue,
    });

    const monitored: MonitoredTask[] = [
      ...[...shortTasks].map(([taskName, task]) => ({ taskName, function: task.function })),
      { taskName: TRANSCODE_TASK_NAME, stateMachine: this.transcodeTask.stateMachine },
      { taskName: ROLLUP_TASK_NAME, stateMachine: this.rollupTask.stateMachine },
    ];
    const kafkaOperators = this.kafkaLane ? [this.kafkaLane.etl.operator.function] : [];
    this.dashboard = new OperationsDashboard(this, 'OperationsDashboard', {
      tasks: monitored,
      failureQueue: this.destinations.failureQueue,
      cluster: this.mediaNetwork.cluster,
      kafkaOperators,
    });
    const alarmEmail = this.node.tryGetContext(ALARM_CONTEXT.email) as unknown;
    this.alarms = new OperationsAlarms(this, 'OperationsAlarms', {
      tasks: monitored,
      // The task dead-letter queue's depth alarm.
      alarms: [this.destinations.failureAlarm],
      kafkaOperators,
      ...(alarmEmail === undefined || alarmEmail === '' ? {} : { email: String(alarmEmail) }),
    });
    new CfnOutput(this, STACK_OUTPUTS.alarmTopicArn, {
      value: this.alarms.topic.topicArn,
      description: `SNS topic every alarm of the stack notifies (deploy with -c ${ALARM_CONTEXT.email}=<address> to subscribe one)`,
    });
    new CfnOutput(this, STACK_OUTPUTS.dashboardName, {
      value: this.dashboard.dashboard.dashboardName,
      description: 'CloudWatch dashboard of the stack: tasks per function, durations, DLQ depth, Fargate tasks, sweeper, Kafka lag',
    });

    this.operated = {
      table: this.registry.table,
      failureQueue: this.destinations.failureQueue,
      payloadBucket: this.payloadStore.bucket,
      functions: [...shortTasks.values()].map((task) => task.function),
      stateMachines: [this.transcodeTask.stateMachine, this.rollupTask.stateMachine],
      logGroups: [
        ...[...shortTasks.values()].map((task) => task.taskFunction.logGroup),
        this.transcodeTask.logGroup,
        this.rollupTask.logGroup,
        // `stask logs` of the stream operator's batch tasks.
        ...(this.kafkaLane ? [this.kafkaLane.etl.operator.logGroup] : []),
      ],
      cluster: this.mediaNetwork.cluster,
    };
    this.operator = new TaskOperator(this, 'TaskOperator', { resources: this.operated });
    new CfnOutput(this, STACK_OUTPUTS.operatorRoleArn, {
      value: this.operator.role.roleArn,
      description: 'IAM role with exactly what the stask CLI needs against this stack (assume it to run stask --stack)',
    });

    const taskFunctionsJson = this.toJsonString({
      ...Object.fromEntries(
        SHORT_TASKS.map((definition) => {
          const task = shortTasks.get(definition.taskName);
          return [
            definition.taskName,
            {
              kind: 'lambda',
              functionName: task?.function.functionName,
              logGroupName: task?.taskFunction.logGroup.logGroupName,
              maxAttempts: definition.retryAttempts === undefined ? DEFAULT_MAX_ATTEMPTS : definition.retryAttempts + 1,
            },
          ];
        }),
      ),
      [TRANSCODE_TASK_NAME]: {
        kind: 'stepfunctions',
        stateMachineArn: this.transcodeTask.stateMachine.stateMachineArn,
        // The worker containers' log group (streams transcode/transcoder/<ECS task ID>).
        logGroupName: this.transcodeTask.logGroup.logGroupName,
        maxAttempts: DEFAULTS.longTaskMaxAttempts,
        maxConcurrency: this.transcodeTask.maxConcurrency,
      },
      [ROLLUP_TASK_NAME]: {
        kind: 'stepfunctions',
        stateMachineArn: this.rollupTask.stateMachine.stateMachineArn,
        // The job containers' log group; every line carries the task ID.
        logGroupName: this.rollupTask.logGroup.logGroupName,
        maxAttempts: DEFAULTS.longTaskMaxAttempts,
        maxConcurrency: this.rollupTask.maxConcurrency,
      },
    });
    new CfnOutput(this, STACK_OUTPUTS.taskFunctions, {
      value: taskFunctionsJson,
      description: 'Task name to lane, function or state machine, log group and attempts (JSON), read by the stask CLI',
    });

    this.taskApi = new TaskApi(this, 'TaskApi', {
      table: this.registry.table,
      functions: this.operated.functions,
      stateMachines: this.operated.stateMachines,
      payloadBucket: this.payloadStore.bucket,
      failureQueue: this.destinations.failureQueue,
      logGroups: this.operated.logGroups,
      taskFunctionsJson,
      payloadSchemas: Object.fromEntries(SHORT_TASKS.flatMap((d) => (d.payloadSchema ? [[d.taskName, d.payloadSchema]] : []))),
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

  /** Grants `grantee` exactly what the stask CLI needs against this stack (the OperatorRoleArn role has it too). */
  public grantOperate(grantee: iam.IGrantable): void {
    grantOperate(grantee, this.operated);
  }
}
