// The transcoder task role's extra permissions (ECS Exec) and its cdk-nag acknowledgements, each with its reason.
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledgeNag, iam5ActionFinding, iam5ResourceFinding } from './nag.js';
import { PAYLOADS_KEY_PATTERN } from './transcoder-image.js';

export interface TranscoderFindingsProps {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly image: ecs.ContainerImage;
  readonly enableExecuteCommand: boolean;
  readonly table: dynamodb.ITable;
  readonly mediaBucket: s3.IBucket;
  readonly payloadBucket: s3.IBucket;
}

/** What ECS Exec needs in the task, for `stask exec` into a running transcode. */
export function grantExecuteCommand(cluster: ecs.ICluster, taskRole: iam.IRole): void {
  // What ECS Exec needs in the task (the statements CDK adds for a service with enableExecuteCommand).
  taskRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        'ssmmessages:CreateControlChannel',
        'ssmmessages:CreateDataChannel',
        'ssmmessages:OpenControlChannel',
        'ssmmessages:OpenDataChannel',
      ],
      resources: ['*'],
    }),
  );
  // Sessions encrypted with the cluster's key: the agent in the task decrypts the data channel with it.
  cluster.executeCommandConfiguration?.kmsKey?.grantDecrypt(taskRole);
  const execLogGroup = cluster.executeCommandConfiguration?.logConfiguration?.cloudWatchLogGroup;
  if (execLogGroup) {
    taskRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:DescribeLogGroups'], resources: ['*'] }));
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        resources: [`${execLogGroup.logGroupRef.logGroupArn}`],
      }),
    );
  }
}

/** The transcoder's cdk-nag findings, each with its reason. */
export function acknowledgeTranscoderFindings(scope: Construct, props: TranscoderFindingsProps): void {
  const { taskDefinition, image, enableExecuteCommand } = props;
  const taskRole = taskDefinition.taskRole;
  acknowledgeNag(
    taskDefinition,
    'AwsSolutions-ECS2',
    'The container environment holds generated resource names (table, buckets) and non-secret tuning ' +
      '(WORK_DIR, segment sizes, heartbeat): configuration the worker reads once at start, per Convention 3. ' +
      'There are no secrets; one would go through the container definition\'s `secrets` instead.',
  );
  if (enableExecuteCommand) {
    acknowledgeNag(
      taskRole,
      iam5ResourceFinding(scope, '*'),
      'ECS Exec: ssmmessages:CreateControlChannel/CreateDataChannel/OpenControlChannel/OpenDataChannel and ' +
        'logs:DescribeLogGroups support no resource-level permissions (the statements CDK adds for a service ' +
        'with enableExecuteCommand); the session log writes are scoped to the ECS Exec log group.',
    );
  }
  if (image instanceof ecs.AssetImage || image instanceof ecs.EcrImage) {
    const executionRole = taskDefinition.obtainExecutionRole();
    acknowledgeNag(
      executionRole,
      iam5ResourceFinding(scope, '*'),
      'ecr:GetAuthorizationToken, added by the ECR image grant, supports no resource-level permissions; the ' +
        'image pull actions (BatchGetImage, GetDownloadUrlForLayer) are scoped to the image repository.',
    );
  }
  acknowledgeNag(
    taskRole,
    iam5ResourceFinding(scope, props.table.tableArn, '/index/*'),
    'grantReadWriteData on the task registry: the worker reads its record and writes heartbeats, progress and ' +
      "its result; the wildcard only spans that one table's indexes.",
  );
  acknowledgeNag(
    taskRole,
    iam5ResourceFinding(scope, props.mediaBucket.bucketArn, '/*'),
    'grantRead and grantPut on the media bucket: input keys and output directories come from the task payload ' +
      '(uploads, caller-chosen output_dir) at run time; the wildcard only spans objects of that one bucket.',
  );
  acknowledgeNag(
    taskRole,
    iam5ResourceFinding(scope, props.payloadBucket.bucketArn, `/${PAYLOADS_KEY_PATTERN}`),
    'grantRead on the payload bucket, restricted to payloads/: claim-checked payload keys are derived from task ' +
      'IDs and content hashes at run time.',
  );
  for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*']) {
    acknowledgeNag(
      taskRole,
      iam5ActionFinding(action),
      `${action} comes from grantRead on the media and payload buckets (read-only actions, resources scoped to those buckets).`,
    );
  }
  acknowledgeNag(
    taskRole,
    iam5ActionFinding('s3:Abort*'),
    's3:Abort* (AbortMultipartUpload) comes from grantPut on the media bucket: multi-GB outputs are uploaded in ' +
      'parts, and a failed upload must be abortable.',
  );
}
