// The ECS state factory of the long lane: one `ecs:runTask.sync` state with the lane's container contract.
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { DEFAULTS, ENV } from '../../functions/core/facts.js';
import { acknowledgeNag, iam5ResourceFinding } from './nag.js';

/**
 * Errors of the services that run the work which say "try again later", never "this input is bad".
 * `States.TaskFailed` (a non-zero container exit, a function error) is deliberately absent: retrying
 * bad input only burns hours of compute.
 */
export const TRANSIENT_WORK_ERRORS = [
  'ECS.AmazonECSException',
  'ECS.ServerException',
  'ECS.LimitExceededException',
  'Lambda.ServiceException',
  'Lambda.TooManyRequestsException',
] as const;

/**
 * Makes the `ecs:runTask.sync` states created under `scope` grant ecs:RunTask on the task definition's ARN
 * instead of on every revision of its family (`<family>:*`, an IAM wildcard). This is CDK's
 * `@aws-cdk/aws-stepfunctions-tasks:fixRunEcsTaskPolicy` flag (recommended for new projects, absent from this
 * project's cdk.json), scoped to `scope`; it must run before `scope` has children.
 */
export function grantRunTaskOnTaskDefinitionArn(scope: Construct): void {
  scope.node.setContext('@aws-cdk/aws-stepfunctions-tasks:fixRunEcsTaskPolicy', true);
}

/** Default timeout of a long task's ECS work (`Run the work`'s TimeoutSeconds): DEFAULTS.longTaskTimeoutSeconds. */
export const DEFAULT_ECS_TIMEOUT = Duration.seconds(DEFAULTS.longTaskTimeoutSeconds);

/** ECS work: one Fargate task run to completion (`arn:aws:states:::ecs:runTask.sync`). */
export interface FargateWork {
  /** The cluster the task runs in; its VPC hosts the task's network interface. */
  readonly cluster: ecs.ICluster;
  /**
   * [disable-awslint:ref-via-interface] EcsRunTask needs the concrete task definition (family, roles).
   */
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The container whose environment the execution overrides. */
  readonly containerDefinition: ecs.ContainerDefinition;
  /**
   * Where the task's network interface goes.
   *
   * @default - the cluster VPC's private subnets with egress
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * Security groups of the task.
   *
   * @default - a new security group allowing all outbound traffic and no inbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Extra environment set on the container for every execution (next to TASK_ID, TASK_NAME, TASK_PAYLOAD,
   * EXECUTION_REF and TASK_TABLE_NAME).
   *
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Whether `aws ecs execute-command` may open a shell in the running task (ECS Exec). The task role then
   * needs the SSM channel permissions, which the caller grants (see TranscodeTask).
   *
   * @default false
   */
  readonly enableExecuteCommand?: boolean;
}

export interface FargateRunTaskProps {
  /** The state's name. */
  readonly stateName: string;
  /** Task name (`TASK_NAME`). */
  readonly taskName: string;
  /** The registry table (`TASK_TABLE_NAME`). */
  readonly table: dynamodb.ITable;
  readonly work: FargateWork;
  /** Per-state environment (after the common variables and `work.environment`, so it wins). */
  readonly environment?: readonly tasks.TaskEnvironmentVariable[];
  /** The state's `TimeoutSeconds`. */
  readonly timeout: Duration;
  readonly comment?: string;
}

/**
 * One `ecs:runTask.sync` state with the long lane's container contract: TASK_ID, TASK_NAME, TASK_PAYLOAD
 * (`States.JsonToString($.payload)`), EXECUTION_REF (`$$.Execution.Id`, the record's executionRef) and
 * TASK_TABLE_NAME, then `work.environment` and `environment`; Retry with backoff on TRANSIENT_WORK_ERRORS
 * only; `TimeoutSeconds`; result discarded. A non-zero exit fails it with `States.TaskFailed` (no retry).
 */
export function fargateRunTask(scope: Construct, id: string, props: FargateRunTaskProps): tasks.EcsRunTask {
  const work = props.work;
  const environment: tasks.TaskEnvironmentVariable[] = [
    { name: ENV.taskId, value: sfn.JsonPath.stringAt('$.taskId') },
    { name: ENV.taskName, value: props.taskName },
    { name: ENV.taskPayload, value: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.payload')) },
    { name: ENV.executionRef, value: sfn.JsonPath.stringAt('$$.Execution.Id') },
    { name: ENV.taskTableName, value: props.table.tableName },
    ...Object.entries(work.environment ?? {}).map(([name, value]) => ({ name, value })),
    ...(props.environment ?? []),
  ];
  // Later entries win: ECS rejects duplicate names in one override.
  const byName = new Map(environment.map((variable) => [variable.name, variable]));
  const task = tasks.EcsRunTask.jsonPath(scope, id, {
    stateName: props.stateName,
    comment: props.comment,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    cluster: work.cluster,
    taskDefinition: work.taskDefinition,
    launchTarget: new tasks.EcsFargateLaunchTarget({ platformVersion: ecs.FargatePlatformVersion.LATEST }),
    subnets: work.subnets,
    securityGroups: work.securityGroups,
    assignPublicIp: false,
    enableExecuteCommand: work.enableExecuteCommand ?? false,
    containerOverrides: [{ containerDefinition: work.containerDefinition, environment: [...byName.values()] }],
    taskTimeout: sfn.Timeout.duration(props.timeout),
    resultPath: sfn.JsonPath.DISCARD,
  });
  task.addRetry(WORK_RETRY);
  scopeStopAndDescribeToCluster(scope, task, work.cluster);
  return task;
}

/**
 * ecs:runTask.sync stops (on timeout or abort) and polls the task it started with ecs:StopTask and
 * ecs:DescribeTasks, which EcsRunTask grants on "*". Both take a task ARN, and every task this state starts
 * runs in `cluster`: the grant is narrowed to `arn:…:ecs:<region>:<account>:task/<cluster>/*`. EcsRunTask
 * exposes its statements only to the state machine it joins (`taskPolicies`), so they are replaced here,
 * before any state machine reads them.
 */
function scopeStopAndDescribeToCluster(scope: Construct, task: tasks.EcsRunTask, cluster: ecs.ICluster): void {
  const taskArns = Stack.of(scope).formatArn({
    service: 'ecs',
    resource: 'task',
    resourceName: `${cluster.clusterName}/*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const state = task as unknown as { taskPolicies?: iam.PolicyStatement[] };
  state.taskPolicies = state.taskPolicies?.map((statement) =>
    statement.actions.includes('ecs:StopTask') ? new iam.PolicyStatement({ actions: statement.actions, resources: [taskArns] }) : statement,
  );
  acknowledgeNag(
    scope,
    iam5ResourceFinding(scope, taskArns),
    'ecs:StopTask and ecs:DescribeTasks of ecs:runTask.sync act on the task the state starts, whose ID exists only ' +
      'at run time; the wildcard spans the tasks of that one cluster.',
  );
}


/** Retry of the states that run work: transient service errors only, 10 s, x2 backoff, 3 attempts, full jitter. */
export const WORK_RETRY: sfn.RetryProps = {
  errors: [...TRANSIENT_WORK_ERRORS],
  interval: Duration.seconds(10),
  backoffRate: 2,
  maxAttempts: 3,
  jitterStrategy: sfn.JitterType.FULL,
};

