import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TASK_API_SERVICE_NAME } from '../../functions/api/names.js';
import { TASK_API_ROUTES } from '../../functions/api/routes.js';
import { ENV, STACK_OUTPUTS } from '../../functions/core/facts.js';
import { acknowledgeNag, iam5ActionFinding, iam5ResourceFinding } from './nag.js';
import { TaskFunction } from './task-function.js';
import { executionsOf } from './task-operator.js';
import { PAYLOADS_KEY_PATTERN } from './transcoder-image.js';

export interface TaskApiProps {
  readonly table: dynamodb.ITable;
  /** Short-lane functions (asynchronous invoke). */
  readonly functions: readonly lambda.IFunction[];
  /** Long-lane state machines (start, stop, redrive, describe, history). */
  readonly stateMachines: readonly sfn.IStateMachine[];
  /** Claim-check payloads: large payloads are put, payloads and results read. */
  readonly payloadBucket: s3.IBucket;
  /** Where a stopped long task's record is sent. */
  readonly failureQueue: sqs.IQueue;
  /** The log groups GET /tasks/{id}/logs filters. */
  readonly logGroups: readonly logs.ILogGroup[];
  /** The TaskFunctions output's JSON (task name → lane, function or state machine, log group, attempts). */
  readonly taskFunctionsJson: string;
  /** Task name → payload JSON Schema, checked at submit. @default none */
  readonly payloadSchemas?: Readonly<Record<string, unknown>>;
  /** Steady requests per second of the stage. @default 50 */
  readonly rateLimit?: number;
  /** Burst of the stage. @default 100 */
  readonly burstLimit?: number;
}

/**
 * The task API: an API Gateway HTTP API with IAM (SigV4) authorization on every route, each a Lambda proxy
 * integration (payload format 2.0) of one function holding a TaskClient, with exactly the grants the TaskClient
 * needs. Access logs of the stage go to their own log group; the stage is throttled. Output TaskApiUrl.
 */
export class TaskApi extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly taskFunction: TaskFunction;
  public readonly accessLogs: logs.LogGroup;
  public readonly url: string;

  constructor(scope: Construct, id: string, props: TaskApiProps) {
    super(scope, id);
    this.taskFunction = new TaskFunction(this, 'Function', {
      entry: 'functions/api/task-api-handler.ts',
      serviceName: TASK_API_SERVICE_NAME,
      timeout: Duration.seconds(29), // API Gateway's integration timeout
      memorySize: 512,
      description: 'The task API: submit, get, list, stop, retry and read the logs of tasks (TaskClient)',
      environment: {
        [ENV.taskTableName]: props.table.tableName,
        [ENV.taskTargets]: props.taskFunctionsJson,
        [ENV.payloadBucketName]: props.payloadBucket.bucketName,
        [ENV.failureQueueUrl]: props.failureQueue.queueUrl,
        ...(props.payloadSchemas && Object.keys(props.payloadSchemas).length ? { [ENV.taskPayloadSchemas]: JSON.stringify(props.payloadSchemas) } : {}),
      },
    });
    this.grant(this.taskFunction.function, props);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.RETAIN });
    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Task API of the serverless task platform (IAM authorization)',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    const stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 50, burstLimit: props.burstLimit ?? 100 },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(this.accessLogs) },
    });
    const integration = new HttpLambdaIntegration('Integration', this.taskFunction.function, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 });
    for (const route of TASK_API_ROUTES) {
      this.api.addRoutes({ path: route.path, methods: [apigwv2.HttpMethod[route.method]], integration });
    }
    this.url = stage.url;
    new CfnOutput(Stack.of(this), STACK_OUTPUTS.taskApiUrl, {
      value: this.url,
      description: 'URL of the task API (HTTP API, IAM SigV4 authorization, service execute-api)',
    });
  }

  /** What the TaskClient calls, and nothing else: no CloudFormation, no queue consumption, no ECS Exec. */
  private grant(fn: lambda.IFunction, props: TaskApiProps): void {
    const role = this.taskFunction.role;
    const ack = (finding: string, reason: string): void => acknowledgeNag(role, finding, reason);
    props.table.grantReadWriteData(fn);
    ack(iam5ResourceFinding(this, props.table.tableArn, '/index/*'), 'grantReadWriteData on the task registry: GET /tasks queries the status, function, ID-prefix and created-day indexes of this one table; the wildcard only spans its indexes.');
    for (const target of props.functions) {
      target.grantInvoke(fn);
      ack(iam5ResourceFinding(this, target.functionArn, ':*'), 'grantInvoke on a short task function: Lambda checks Invoke against the function ARN with its qualifier; the wildcard only spans qualifiers of that one function.');
    }
    for (const machine of props.stateMachines) {
      machine.grantStartExecution(fn);
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution', 'states:GetExecutionHistory'],
        resourceArns: [executionsOf(machine)],
      });
      ack(iam5ResourceFinding(this, executionsOf(machine)), 'stop, retry and get act on executions of this state machine, whose names derive from task IDs at run time; the wildcard only spans executions of that one state machine.');
    }
    props.failureQueue.grantSendMessages(fn);
    props.payloadBucket.grantRead(fn);
    props.payloadBucket.grantPut(fn, PAYLOADS_KEY_PATTERN);
    ack(iam5ResourceFinding(this, props.payloadBucket.bucketArn, '/*'), 'grantRead on the payload bucket: claim-checked payloads and results have keys derived from task IDs and content hashes at run time; only objects of that one bucket.');
    ack(iam5ResourceFinding(this, props.payloadBucket.bucketArn, `/${PAYLOADS_KEY_PATTERN}`), 'grantPut on the payload bucket, restricted to payloads/: POST /tasks stores payloads above the inline limit under keys derived from the task ID and content hash.');
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*']) ack(iam5ActionFinding(action), `${action} comes from grantRead on the payload bucket (read-only actions, resources scoped to that bucket).`);
    ack(iam5ActionFinding('s3:Abort*'), 's3:Abort* (AbortMultipartUpload) comes from grantPut on the payload bucket, scoped to its payloads/ prefix.');
    for (const group of props.logGroups) group.grant(fn, 'logs:FilterLogEvents');
  }
}
