// A long-lane Python job: a LongTask whose work is an ARM64 Fargate task built from the Python job Dockerfile
// (functions/long/python-job/Dockerfile), running `python -m stask_runtime.long_job MODULE:FUNCTION`.
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULTS, ENV, LOCAL_COMMAND_METADATA, METRICS_NAMESPACE, type PythonLocalCommand } from '../../functions/core/facts.js';
import { DEFAULT_ECS_TIMEOUT, grantRunTaskOnTaskDefinitionArn, LongTask, type FargateWork } from './long-task.js';
import { arm64TaskDefinition, httpsOnlySecurityGroup, jobLogGroup, unprivilegedLinuxParameters } from './fargate-job.js';
import { acknowledgeNag, iam5ActionFinding, iam5ResourceFinding } from './nag.js';
import { taskRequirements } from './python-bundling.js';
import { PYTHON_RUNTIME } from './python-task-function.js';
import { RESULTS_KEY_PATTERN } from './short-task.js';
import { PROJECT_ROOT } from './task-function.js';
import { PAYLOADS_KEY_PATTERN } from './transcode-task.js';

/** The Python job image's Dockerfile, relative to the build context (the repository root). */
export const PYTHON_JOB_DOCKERFILE = 'functions/long/python-job/Dockerfile';
/** The runtime package (copied into the image, on PYTHONPATH locally). */
export const PYTHON_RUNTIME_PACKAGE = 'python/stask_runtime';
/** The module every Python job container runs: `python -m stask_runtime.long_job MODULE:FUNCTION`. */
export const PYTHON_LONG_JOB_MODULE = 'stask_runtime.long_job';
/** The image's unprivileged user (the Dockerfile's `job`). */
export const PYTHON_JOB_USER = '10001:10001';
/** The container's name (the middle part of its log stream names). */
export const PYTHON_JOB_CONTAINER_NAME = 'job';

export interface PythonLongTaskProps {
  /** Task name, `^[a-z][a-z0-9-]{0,62}$` (the execution input's `task`, the record's `function`). */
  readonly taskName: string;
  /** The job's directory, relative to the repository root: its modules and a pinned `requirements.txt`. */
  readonly entry: string;
  /** `MODULE:FUNCTION` in `entry`: `FUNCTION(payload, ctx)` returns the task's result. */
  readonly handler: string;
  readonly cluster: ecs.ICluster;
  readonly table: dynamodb.ITable;
  readonly successQueue: sqs.IQueue;
  readonly failureQueue: sqs.IQueue;
  /** Claim-check bucket: payloads read from `payloads/`, results too large for the record written to `results/`. */
  readonly payloadBucket: s3.IBucket;
  /**
   * Extra container environment (resource names the job reads; grant the task role what it needs on them).
   *
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** vCPU units (1024 = 1 vCPU). @default 1024 */
  readonly cpu?: number;
  /** Memory in MiB, valid for `cpu` (Fargate's table). @default 4096 */
  readonly memoryLimitMiB?: number;
  /**
   * How long one run may take before it is stopped (`States.Timeout`), at most one year (LongTask's `timeout`).
   *
   * @default Duration.seconds(DEFAULTS.longTaskTimeoutSeconds) - 24 hours
   */
  readonly timeout?: Duration;
  /** Runs at a time; the others wait QUEUED, in submission order (LongTask's `maxConcurrency`). @default DEFAULTS.longTaskMaxConcurrency (10) */
  readonly maxConcurrency?: number;
  /** The heartbeat interval (`TASK_HEARTBEAT_SECONDS`): the TaskSweeper's. @default Duration.seconds(DEFAULTS.heartbeatSeconds) */
  readonly heartbeat?: Duration;
  /** Retention of the container and execution log groups. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Where the task's network interface goes. @default - the cluster VPC's private subnets with egress */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * The container image.
   *
   * @default - built from PYTHON_JOB_DOCKERFILE with the repository root as context (linux/arm64, the Lambda
   * runtime's Python); staged at synth, built by `cdk deploy`
   */
  readonly image?: ecs.ContainerImage;
}

/**
 * A long-lane Python job (Step Functions Standard + Fargate), with the transcoder's heartbeat / progress / stop
 * semantics: the job heartbeats into the task record, reports `ctx.progress`, ends with 143 on a stop (SIGTERM,
 * STOPPING record), and records its result (exit 0) or error (exit 1) before the state machine's registry states
 * record SUCCEEDED or FAILED.
 *
 * The embedded platform does not run the image: the task definition's `stask:local-command` metadata names the
 * module, the requirements of the venv it runs in and the PYTHONPATH.
 */
export class PythonLongTask extends Construct {
  public readonly longTask: LongTask;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  /** The job containers' log group (streams `<taskName>/job/<ECS task ID>`). */
  public readonly logGroup: logs.LogGroup;
  /** No inbound, outbound HTTPS only. */
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: PythonLongTaskProps) {
    super(scope, id);
    grantRunTaskOnTaskDefinitionArn(this);
    if (!/^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*$/.test(props.handler)) {
      throw new Error(`PythonLongTask: handler must be MODULE:FUNCTION (e.g. rollup_job:run), got '${props.handler}'`);
    }
    const entry = props.entry.replace(/\/+$/, '');
    if (path.isAbsolute(entry) || entry.split('/').includes('..')) {
      throw new Error(`PythonLongTask: entry must be a directory relative to the repository root, got '${props.entry}'`);
    }
    const taskDir = path.join(PROJECT_ROOT, entry);
    const requirements = `${entry}/requirements.txt`;
    // Every line pinned (the image and the local venv install the same versions); throws naming the bad line.
    if (!taskRequirements(taskDir).length) {
      throw new Error(`PythonLongTask: ${requirements} is missing or pins nothing; write one name==version per line`);
    }

    this.logGroup = jobLogGroup(this, props.logRetention);
    this.taskDefinition = arm64TaskDefinition(this, { cpu: props.cpu ?? 1024, memoryLimitMiB: props.memoryLimitMiB ?? 4096 });
    const image =
      props.image ??
      ecs.ContainerImage.fromAsset(PROJECT_ROOT, {
        file: PYTHON_JOB_DOCKERFILE,
        buildArgs: { TASK_DIR: entry, PYTHON_VERSION: PYTHON_RUNTIME.name.replace(/^python/, '') },
        // Only what the build reads: the image changes only when the job, the runtime or the contract does.
        exclude: ['**', `!${PYTHON_JOB_DOCKERFILE}`, `!${PYTHON_RUNTIME_PACKAGE}/**`, '!functions/core/task-contract.json', `!${entry}/**`, '**/__pycache__', `${entry}/tests`],
        platform: Platform.LINUX_ARM64,
      });
    this.container = this.taskDefinition.addContainer('Job', {
      containerName: PYTHON_JOB_CONTAINER_NAME,
      image,
      command: [props.handler],
      essential: true,
      user: PYTHON_JOB_USER,
      linuxParameters: unprivilegedLinuxParameters(this),
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: props.taskName, logGroup: this.logGroup }),
      environment: {
        ...props.environment,
        [ENV.taskName]: props.taskName,
        [ENV.taskTableName]: props.table.tableName,
        [ENV.payloadBucketName]: props.payloadBucket.bucketName,
        [ENV.heartbeatSeconds]: String((props.heartbeat ?? Duration.seconds(DEFAULTS.heartbeatSeconds)).toSeconds()),
        [ENV.powertoolsServiceName]: props.taskName,
        [ENV.powertoolsMetricsNamespace]: METRICS_NAMESPACE,
      },
    });
    const localCommand: PythonLocalCommand = {
      python: {
        runtime: PYTHON_RUNTIME.name,
        module: PYTHON_LONG_JOB_MODULE,
        args: [props.handler],
        requirements: [requirements, `${PYTHON_RUNTIME_PACKAGE}/requirements.txt`],
        path: [entry, path.dirname(PYTHON_RUNTIME_PACKAGE)],
      },
    };
    (this.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition).addMetadata(LOCAL_COMMAND_METADATA, localCommand);

    this.securityGroup = httpsOnlySecurityGroup(this, props.cluster.vpc, `Python job ${props.taskName}: no inbound traffic; outbound HTTPS to AWS APIs`, 'HTTPS to AWS APIs (S3, DynamoDB, ECR, Logs)');

    const fargate: FargateWork = {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      containerDefinition: this.container,
      subnets: props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
    };
    this.longTask = new LongTask(this, 'LongTask', {
      taskName: props.taskName,
      table: props.table,
      successQueue: props.successQueue,
      failureQueue: props.failureQueue,
      timeout: props.timeout ?? DEFAULT_ECS_TIMEOUT,
      logRetention: props.logRetention,
      ...(props.maxConcurrency === undefined ? {} : { maxConcurrency: props.maxConcurrency }),
      work: { fargate },
    });

    const taskRole = this.taskDefinition.taskRole;
    props.table.grantReadWriteData(taskRole);
    props.payloadBucket.grantRead(taskRole, PAYLOADS_KEY_PATTERN);
    props.payloadBucket.grantPut(taskRole, RESULTS_KEY_PATTERN);
    this.acknowledgeFindings(props, image);
  }

  /** The job's state machine. */
  public get stateMachine() {
    return this.longTask.stateMachine;
  }

  /** Runs at a time. */
  public get maxConcurrency(): number {
    return this.longTask.maxConcurrency;
  }

  private acknowledgeFindings(props: PythonLongTaskProps, image: ecs.ContainerImage): void {
    const taskRole = this.taskDefinition.taskRole;
    acknowledgeNag(
      this.taskDefinition,
      'AwsSolutions-ECS2',
      'The container environment holds generated resource names (table, buckets) and non-secret tuning (heartbeat): ' +
        "configuration the job reads once at start, per Convention 3. There are no secrets; one would go through the container definition's `secrets`.",
    );
    if (image instanceof ecs.AssetImage || image instanceof ecs.EcrImage) {
      acknowledgeNag(
        this.taskDefinition.obtainExecutionRole(),
        iam5ResourceFinding(this, '*'),
        'ecr:GetAuthorizationToken, added by the ECR image grant, supports no resource-level permissions; the ' +
          'image pull actions (BatchGetImage, GetDownloadUrlForLayer) are scoped to the image repository.',
      );
    }
    acknowledgeNag(
      taskRole,
      iam5ResourceFinding(this, props.table.tableArn, '/index/*'),
      "grantReadWriteData on the task registry: the job writes heartbeats, progress and its result; the wildcard only spans that one table's indexes.",
    );
    acknowledgeNag(
      taskRole,
      iam5ResourceFinding(this, props.payloadBucket.bucketArn, `/${PAYLOADS_KEY_PATTERN}`),
      'grantRead on the payload bucket, restricted to payloads/: claim-checked payload keys are derived from task IDs and content hashes at run time.',
    );
    acknowledgeNag(
      taskRole,
      iam5ResourceFinding(this, props.payloadBucket.bucketArn, `/${RESULTS_KEY_PATTERN}`),
      'grantPut on the payload bucket, restricted to results/: result keys are derived from task IDs and content hashes at run time.',
    );
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*']) {
      acknowledgeNag(
        taskRole,
        iam5ActionFinding(action),
        `${action} comes from grantRead / grantPut on the payload bucket (resources scoped to its payloads/ and results/) and on the buckets the caller grants the job (resources scoped to those buckets).`,
      );
    }
  }
}
