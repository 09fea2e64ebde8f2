import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULTS, ENV, LOCAL_COMMAND_METADATA, METRICS_NAMESPACE } from '../../functions/core/facts.js';
import { DEFAULT_ECS_TIMEOUT, grantRunTaskOnTaskDefinitionArn, LongTask, type FargateWork } from './long-task.js';
import { segmentedWork, segmentSizes, type SegmentedTranscodeProps } from './segmented-transcode.js';
import { segmentedOnePassUsage } from './usage-states.js';
import { arm64TaskDefinition, httpsOnlySecurityGroup, jobLogGroup, unprivilegedLinuxParameters } from './fargate-job.js';
import { PROJECT_ROOT } from './task-function.js';
import {
  PAYLOADS_KEY_PATTERN,
  SCRATCH_DIR,
  TRANSCODE_LOG_STREAM_PREFIX,
  TRANSCODER_CONTAINER_NAME,
  TRANSCODER_DOCKERFILE,
  TRANSCODER_IMAGE_EXCLUDE,
  TRANSCODER_USER,
  TRANSCODER_WORKER,
} from './transcoder-image.js';
import { acknowledgeTranscoderFindings, grantExecuteCommand } from './transcoder-permissions.js';

export { LOCAL_COMMAND_METADATA };
export { SEGMENTED_STATES, type SegmentedTranscodeProps } from './segmented-transcode.js';
export * from './transcoder-image.js';

/** The transcoder's Fargate size when its props give none (ARM64; `npm run bench:cost` prices it). */
export const TRANSCODER_SIZE = { cpu: 4096, memoryLimitMiB: 16_384, ephemeralStorageGiB: 100 } as const;

const MIN_EPHEMERAL_GIB = 21;
const MAX_EPHEMERAL_GIB = 200;

export interface TranscodeTaskProps {
  /**
   * Task name (the execution input's `task`).
   *
   * @default 'transcode'
   */
  readonly taskName?: string;

  /** The ECS cluster (with its VPC) the transcoder runs in, e.g. MediaNetwork's. */
  readonly cluster: ecs.ICluster;

  /**
   * Where the tasks' network interfaces go. Private subnets keep the workers unreachable from outside;
   * S3 and DynamoDB are reached through the VPC's gateway endpoints.
   *
   * @default { subnetType: PRIVATE_WITH_EGRESS }
   */
  readonly subnets?: ec2.SubnetSelection;

  /** The task registry table (read/write: heartbeats, progress, result). */
  readonly table: dynamodb.ITable;

  /** Receives the `Success` destination record. */
  readonly successQueue: sqs.IQueue;

  /** Receives the `RetriesExhausted` destination record. */
  readonly failureQueue: sqs.IQueue;

  /** Inputs are read from and outputs written to this bucket. */
  readonly mediaBucket: s3.IBucket;

  /**
   * Uploads under this prefix of `mediaBucket` start transcodes (an UploadTrigger): a payload whose output_dir
   * is under it is refused (`MEDIA_UPLOAD_PREFIX`), as its outputs would start new transcodes.
   *
   * @default - no upload area: any output_dir is accepted
   */
  readonly uploadPrefix?: string;

  /** Claim-check bucket: payloads too large for the execution input are read from `payloads/`. */
  readonly payloadBucket: s3.IBucket;

  /**
   * vCPU units of the Fargate task (1024 = 1 vCPU). FFmpeg scales with cores.
   *
   * @default 4096
   */
  readonly cpu?: number;

  /**
   * Memory of the Fargate task in MiB; must be valid for `cpu` (Fargate's table).
   *
   * @default 16384
   */
  readonly memoryLimitMiB?: number;

  /**
   * Ephemeral storage in GiB (21-200), holding the input, the output(s) and FFmpeg's temporary files under
   * `/scratch`: a 4 GB input with one output of similar size and an HLS rendition needs ~15 GB; the default
   * leaves room for several outputs and segment files.
   *
   * @default 100
   */
  readonly ephemeralStorageGiB?: number;

  /**
   * How long one transcode may run before it is stopped (`States.Timeout`), at most one year (LongTask's
   * `timeout`: each Fargate state's TimeoutSeconds and, plus a margin, the state machine's).
   *
   * @default Duration.seconds(DEFAULTS.longTaskTimeoutSeconds) - 24 hours
   */
  readonly timeout?: Duration;

  /**
   * Transcodes that run at a time (executions, each with its Fargate task or, segmented, its segments' tasks);
   * the others wait QUEUED and start as these end, in upload order (LongTask's `maxConcurrency`).
   *
   * @default DEFAULTS.longTaskMaxConcurrency (10)
   */
  readonly maxConcurrency?: number;

  /**
   * Segmented mode: `Run the work` becomes plan → read the plan → one segment? → transcode the segments in
   * parallel (one Fargate task each) → join them. Without it, one Fargate task transcodes the whole input.
   * Its sizes reach the container as SEGMENT_MIN_DURATION_SECONDS and SEGMENT_COUNT in both modes.
   *
   * @default - single pass (WORKER_MODE=transcode); SEGMENT_MIN_DURATION_SECONDS=600, SEGMENT_COUNT=4
   */
  readonly segmented?: SegmentedTranscodeProps;

  /**
   * The container image.
   *
   * @default - built from `functions/long/transcoder/Dockerfile` with the repository root as context
   * (linux/arm64); staged at synth, built by `cdk deploy`
   */
  readonly image?: ecs.ContainerImage;

  /**
   * Allow `aws ecs execute-command` into running transcodes (sessions logged to the cluster's ECS Exec log
   * group).
   *
   * @default true
   */
  readonly enableExecuteCommand?: boolean;

  /**
   * The worker's heartbeat interval (`TASK_HEARTBEAT_SECONDS`): the TaskSweeper's.
   *
   * @default Duration.seconds(DEFAULTS.heartbeatSeconds)
   */
  readonly heartbeat?: Duration;

  /**
   * Retention of the container and execution log groups.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * FFmpeg transcoding on the long lane: a `LongTask` whose work is an ARM64 Fargate task with large ephemeral
 * storage, run to completion by Step Functions (`ecs:runTask.sync`).
 *
 * Container environment (task definition): TASK_NAME, TASK_TABLE_NAME, MEDIA_BUCKET_NAME, PAYLOAD_BUCKET_NAME,
 * WORK_DIR (/scratch), SEGMENT_MIN_DURATION_SECONDS, SEGMENT_COUNT, TASK_HEARTBEAT_SECONDS,
 * POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, WORKER_MODE (transcode); per execution (container
 * overrides): TASK_ID, TASK_NAME, TASK_PAYLOAD (JSON of the input's payload), EXECUTION_REF (the execution
 * ARN = the record's executionRef, which heartbeats and annotations must match), TASK_TABLE_NAME,
 * WORKER_MODE (transcode | plan | segment | join) and, for a segment, SEGMENT_INDEX.
 *
 * Logs: the awslogs driver writes each task's output to `transcode/transcoder/<ECS task ID>` in `logGroup`.
 * The ECS task ID is not known before the run, so the worker writes the task ID on every line (JSON, from
 * TASK_ID): `stask logs ID` filters the log group (the `logGroupName` of the TaskFunctions output) with
 * `{ $.taskId = "ID" }` and `logStreamNamePrefix: "transcode/"`.
 *
 * The embedded platform does not run the image: the task definition's `stask:local-command` metadata names
 * the worker it runs as a host child process with the same environment.
 */
export class TranscodeTask extends Construct {
  /** The long task (state machine) that runs the transcodes. */
  public readonly longTask: LongTask;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  /** The worker containers' log group. */
  public readonly logGroup: logs.LogGroup;
  /** The tasks' security group: no inbound, outbound HTTPS only. */
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: TranscodeTaskProps) {
    super(scope, id);
    // The segmented mode's ecs:runTask.sync states are created here.
    grantRunTaskOnTaskDefinitionArn(this);

    const taskName = props.taskName ?? 'transcode';
    const ephemeralStorageGiB = props.ephemeralStorageGiB ?? TRANSCODER_SIZE.ephemeralStorageGiB;
    if (!Number.isInteger(ephemeralStorageGiB) || ephemeralStorageGiB < MIN_EPHEMERAL_GIB || ephemeralStorageGiB > MAX_EPHEMERAL_GIB) {
      throw new Error(
        `TranscodeTask: ephemeralStorageGiB must be an integer from ${MIN_EPHEMERAL_GIB} to ${MAX_EPHEMERAL_GIB}, got ${ephemeralStorageGiB}`,
      );
    }
    const sizes = segmentSizes(props.segmented);
    const timeout = props.timeout ?? DEFAULT_ECS_TIMEOUT;
    const enableExecuteCommand = props.enableExecuteCommand ?? true;

    this.logGroup = jobLogGroup(this, props.logRetention);
    this.taskDefinition = arm64TaskDefinition(this, {
      cpu: props.cpu ?? TRANSCODER_SIZE.cpu,
      memoryLimitMiB: props.memoryLimitMiB ?? TRANSCODER_SIZE.memoryLimitMiB,
      ephemeralStorageGiB,
    });
    this.taskDefinition.addVolume({ name: 'scratch' });
    // Segmented: one task's size is recorded at start; the plan step records its segments' (TASK_USAGE × their count).
    const onePassUsage = segmentedOnePassUsage(this.taskDefinition);

    const image =
      props.image ??
      ecs.ContainerImage.fromAsset(PROJECT_ROOT, {
        file: TRANSCODER_DOCKERFILE,
        exclude: [...TRANSCODER_IMAGE_EXCLUDE],
        platform: Platform.LINUX_ARM64,
      });
    this.container = this.taskDefinition.addContainer('Transcoder', {
      containerName: TRANSCODER_CONTAINER_NAME,
      image,
      essential: true,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: TRANSCODE_LOG_STREAM_PREFIX, logGroup: this.logGroup }),
      // An unprivileged user with no Linux capabilities and an init process (fargate-job.ts).
      user: TRANSCODER_USER,
      linuxParameters: unprivilegedLinuxParameters(this),
      environment: {
        [ENV.taskName]: taskName,
        [ENV.taskTableName]: props.table.tableName,
        [ENV.mediaBucketName]: props.mediaBucket.bucketName,
        [ENV.payloadBucketName]: props.payloadBucket.bucketName,
        ...(props.uploadPrefix ? { [ENV.mediaUploadPrefix]: props.uploadPrefix } : {}),
        [ENV.workDir]: SCRATCH_DIR,
        [ENV.segmentMinDurationSeconds]: String(sizes.minDurationSeconds),
        [ENV.segmentCount]: String(sizes.segments),
        ...(props.segmented ? { [ENV.segmentMaxConcurrency]: String(sizes.maxConcurrency), [ENV.taskUsage]: JSON.stringify(onePassUsage) } : {}),
        // The TaskSweeper's heartbeat interval: two missed beats and the task is resolved without the worker.
        [ENV.heartbeatSeconds]: String((props.heartbeat ?? Duration.seconds(DEFAULTS.heartbeatSeconds)).toSeconds()),
        [ENV.workerMode]: 'transcode',
        [ENV.powertoolsServiceName]: taskName,
        [ENV.powertoolsMetricsNamespace]: METRICS_NAMESPACE,
      },
    });
    this.container.addMountPoints({ sourceVolume: 'scratch', containerPath: SCRATCH_DIR, readOnly: false });

    const cfnTaskDefinition = this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
    cfnTaskDefinition.addMetadata(LOCAL_COMMAND_METADATA, [TRANSCODER_WORKER]);

    this.securityGroup = httpsOnlySecurityGroup(this, props.cluster.vpc, `Transcode workers (${taskName}): no inbound traffic; outbound to S3, DynamoDB, ECR, CloudWatch Logs and SSM`, 'HTTPS to AWS APIs (S3, DynamoDB, ECR, Logs, SSM)');

    const fargate: FargateWork = {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      containerDefinition: this.container,
      subnets: props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      environment: { [ENV.workerMode]: 'transcode' },
      enableExecuteCommand,
    };
    this.longTask = new LongTask(this, 'LongTask', {
      taskName,
      table: props.table,
      successQueue: props.successQueue,
      failureQueue: props.failureQueue,
      timeout,
      logRetention: props.logRetention,
      ...(props.maxConcurrency === undefined ? {} : { maxConcurrency: props.maxConcurrency }),
      work: props.segmented
        ? { branch: segmentedWork(this, { taskName, table: props.table, fargate, timeout, maxConcurrency: sizes.maxConcurrency }) }
        : { fargate },
      ...(props.segmented ? { usage: onePassUsage } : {}),
    });

    // Task role: what the worker does.
    const taskRole = this.taskDefinition.taskRole;
    props.table.grantReadWriteData(taskRole);
    props.mediaBucket.grantRead(taskRole);
    // Outputs go wherever the payload's output_dir says; no delete: an output is written, never removed.
    props.mediaBucket.grantPut(taskRole);
    props.payloadBucket.grantRead(taskRole, PAYLOADS_KEY_PATTERN);
    if (enableExecuteCommand) grantExecuteCommand(props.cluster, taskRole);

    acknowledgeTranscoderFindings(this, {
      taskDefinition: this.taskDefinition,
      image,
      enableExecuteCommand,
      table: props.table,
      mediaBucket: props.mediaBucket,
      payloadBucket: props.payloadBucket,
    });
  }

  /** The state machine of the transcode task. */
  public get stateMachine() {
    return this.longTask.stateMachine;
  }

  /** Transcodes that run at a time. */
  public get maxConcurrency(): number {
    return this.longTask.maxConcurrency;
  }
}
