import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag, iam5ActionFinding, iam5ResourceFinding } from './nag.js';
import { PAYLOADS_KEY_PATTERN } from './transcoder-image.js';

/** What `stask` works against in a stack. */
export interface OperatedResources {
  readonly table: dynamodb.ITable;
  /** The failure destination (task dead-letter queue): `stask redrive --dlq` consumes it, `stask stop` of a long task sends to it. */
  readonly failureQueue: sqs.IQueue;
  /** Claim-check payloads: `stask invoke` puts large payloads, `stask get` reads payloads and results. */
  readonly payloadBucket: s3.IBucket;
  /** Short-lane functions (asynchronous invoke). */
  readonly functions: readonly lambda.IFunction[];
  /** Long-lane state machines (start, stop, redrive, describe, history). */
  readonly stateMachines: readonly sfn.IStateMachine[];
  /** Log groups `stask logs` filters. */
  readonly logGroups: readonly logs.ILogGroup[];
  /** The cluster whose tasks `stask exec` logs in to (ECS Exec), if any. */
  readonly cluster?: ecs.ICluster;
}

/**
 * Grants exactly what the `stask` CLI needs against a stack: read the stack's outputs, invoke the short tasks,
 * start/stop/redrive/describe the long tasks' executions and read their history, read and write the task
 * registry, consume the dead-letter queue (and send a stopped long task's record to it), put and read claim-check
 * payloads, filter the tasks' logs, and ECS Exec into running transcodes.
 */
export function grantOperate(grantee: iam.IGrantable, resources: OperatedResources): void {
  const stack = Stack.of(resources.table);
  iam.Grant.addToPrincipal({ grantee, actions: ['cloudformation:DescribeStacks'], resourceArns: [stack.stackId] });
  for (const fn of resources.functions) fn.grantInvoke(grantee);
  for (const machine of resources.stateMachines) {
    machine.grantStartExecution(grantee);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution', 'states:GetExecutionHistory'],
      resourceArns: [executionsOf(machine)],
    });
  }
  resources.table.grantReadWriteData(grantee);
  resources.failureQueue.grantConsumeMessages(grantee);
  resources.failureQueue.grantSendMessages(grantee);
  resources.payloadBucket.grantRead(grantee);
  resources.payloadBucket.grantPut(grantee, PAYLOADS_KEY_PATTERN);
  for (const group of resources.logGroups) group.grant(grantee, 'logs:FilterLogEvents');
  const cluster = resources.cluster;
  if (cluster) {
    // ECS Exec: the cluster's tasks only; the session's data key from the cluster's Exec key.
    iam.Grant.addToPrincipal({ grantee, actions: ['ecs:ExecuteCommand', 'ecs:DescribeTasks'], resourceArns: [tasksOf(cluster), cluster.clusterArn] });
    cluster.executeCommandConfiguration?.kmsKey?.grant(grantee, 'kms:GenerateDataKey');
  }
}

/** The executions of a state machine: `arn:…:execution:<name>:*`. */
export function executionsOf(machine: sfn.IStateMachine): string {
  const name = Arn.split(machine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName;
  return Arn.format({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }, Stack.of(machine));
}

/** The tasks of a cluster: `arn:…:task/<cluster>/*`. */
function tasksOf(cluster: ecs.ICluster): string {
  return Arn.format(
    { service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME },
    Stack.of(cluster),
  );
}

export interface TaskOperatorProps {
  readonly resources: OperatedResources;
}

/**
 * A role for operators: everything `stask` needs against the stack (grantOperate), nothing more, assumable by
 * principals of this account that are allowed to assume it.
 */
export class TaskOperator extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TaskOperatorProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Operates the tasks of this stack with the stask CLI (stask --stack)',
    });
    grantOperate(this.role, props.resources);
    this.acknowledgeFindings(props.resources);
  }

  private acknowledgeFindings(resources: OperatedResources): void {
    const ack = (finding: string, reason: string): void => acknowledgeNag(this.role, finding, reason);
    ack(
      iam5ResourceFinding(this, resources.table.tableArn, '/index/*'),
      "grantReadWriteData on the task registry: stask ls queries the status, function, ID-prefix and created-day indexes of this one table (and BatchGetItem reads the created-day listing's records); the wildcard only spans that table's indexes.",
    );
    for (const fn of resources.functions) {
      ack(
        iam5ResourceFinding(this, fn.functionArn, ':*'),
        'grantInvoke on a short task function: Lambda checks Invoke against the function ARN with its version or alias qualifier; the wildcard only spans qualifiers of that one function.',
      );
    }
    for (const machine of resources.stateMachines) {
      ack(
        iam5ResourceFinding(this, executionsOf(machine)),
        'stask stop/retry/get/logs act on executions of this state machine, whose names derive from task IDs at run time; the wildcard only spans executions of that one state machine.',
      );
    }
    if (resources.cluster) {
      ack(
        iam5ResourceFinding(this, tasksOf(resources.cluster)),
        'stask exec (ECS Exec) logs in to the running transcode of a task, an ECS task whose ID is only known at run time; the wildcard only spans tasks of the media cluster.',
      );
    }
    ack(
      iam5ResourceFinding(this, resources.payloadBucket.bucketArn, '/*'),
      'grantRead on the payload bucket: stask get reads claim-checked payloads and results, whose keys derive from task IDs and content hashes at run time; only objects of that one bucket.',
    );
    ack(
      iam5ResourceFinding(this, resources.payloadBucket.bucketArn, `/${PAYLOADS_KEY_PATTERN}`),
      'grantPut on the payload bucket, restricted to payloads/: stask invoke stores payloads above the inline limit under keys derived from the task ID and content hash.',
    );
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*']) {
      ack(iam5ActionFinding(action), `${action} comes from grantRead on the payload bucket (read-only actions, resources scoped to that bucket).`);
    }
    ack(iam5ActionFinding('s3:Abort*'), 's3:Abort* (AbortMultipartUpload) comes from grantPut on the payload bucket, scoped to its payloads/ prefix.');
  }
}
