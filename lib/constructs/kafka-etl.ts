import { Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ManagedKafkaEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULTS, ENV } from '../../functions/core/facts.js';
import { acknowledgeNag, iam5ResourceFinding } from './nag.js';
import { PythonTaskFunction } from './python-task-function.js';
import { TaskFunction } from './task-function.js';

export interface KafkaEtlProps {
  /** The operator's name (its task records' `function`). */
  readonly operatorName: string;
  /**
   * The operator: a TypeScript handler file (a `streamOperator(...)` export), or with `language: 'python'` the
   * operator's directory (`handler.py` with a `stream_operator(...)` handler, its pinned requirements).
   */
  readonly entry: string;
  /**
   * The operator's language: a `TaskFunction` (Node.js) or a `PythonTaskFunction` (python/stask_runtime/stream.py).
   *
   * @default 'typescript'
   */
  readonly language?: 'typescript' | 'python';
  /** ARN of the MSK cluster (the stack's MSK Serverless cluster or an existing one), IAM auth. */
  readonly clusterArn: string;
  readonly topic: string;
  /** @default - the operator name */
  readonly consumerGroupId?: string;
  /** @default lambda.StartingPosition.TRIM_HORIZON */
  readonly startingPosition?: lambda.StartingPosition;
  /** 1–10000. @default 100 */
  readonly batchSize?: number;
  /** Whole seconds, at most 300. @default - Lambda's default for Kafka (500 ms) */
  readonly maxBatchingWindow?: Duration;
  /** Provisioned-mode event pollers; retries, bisect and record age need provisioned mode on AWS. @default { minimumPollers: 1, maximumPollers: 2 } */
  readonly provisionedPollers?: { readonly minimumPollers: number; readonly maximumPollers: number };
  /** Retries of a failing record before it goes to the DLQ (0–10000). @default 2 */
  readonly retryAttempts?: number;
  /** @default true */
  readonly bisectBatchOnError?: boolean;
  /** @default true (the operator wrapper reports failures per record) */
  readonly reportBatchItemFailures?: boolean;
  /** 60 s – 7 days. @default - records never age out */
  readonly maxRecordAge?: Duration;
  /** The task registry's table: each batch is a task. */
  readonly table: dynamodb.ITable;
  /** The dead-letter queue: failed records (one message each) and whole-batch failures (the on-failure record). */
  readonly deadLetterQueue: sqs.IQueue;
  /** Where outputs go: a DynamoDB table (conditional write) instead of the FIFO queue the construct creates. @default - an SQS FIFO queue */
  readonly sinkTable?: dynamodb.ITable;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
}

/**
 * The stream lane: an MSK topic → Lambda's event source mapping → the operator (a TaskFunction wrapped by
 * `streamOperator`, or a PythonTaskFunction wrapped by stask_runtime.stream) → an SQS FIFO sink (or a DynamoDB table), with per-record idempotency in its own table,
 * bad records in the DLQ and the whole-batch on-failure record there too.
 */
export class KafkaEtl extends Construct {
  public readonly operator: TaskFunction | PythonTaskFunction;
  /** The FIFO sink queue (absent when `sinkTable` is given). */
  public readonly sinkQueue?: sqs.Queue;
  /** Powertools Idempotency's table (key `id`, TTL `expiration`). */
  public readonly idempotencyTable: dynamodb.Table;
  public readonly eventSource: ManagedKafkaEventSource;

  constructor(scope: Construct, id: string, props: KafkaEtlProps) {
    super(scope, id);
    validate(props);
    const retryAttempts = props.retryAttempts ?? DEFAULTS.streamRetryAttempts;

    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    if (!props.sinkTable) {
      this.sinkQueue = new sqs.Queue(this, 'SinkQueue', {
        fifo: true,
        contentBasedDeduplication: false,
        enforceSSL: true,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        retentionPeriod: Duration.days(14),
      });
      acknowledgeNag(this.sinkQueue, 'AwsSolutions-SQS3', 'The sink is the output of the lane, read by downstream consumers; failed records have their own DLQ (deadLetterQueue).');
    }

    const operatorProps = {
      entry: props.entry,
      serviceName: props.operatorName,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(1),
      description: `Kafka ETL operator ${props.operatorName} (topic ${props.topic})`,
      environment: {
        [ENV.taskTableName]: props.table.tableName,
        [ENV.streamDlqUrl]: props.deadLetterQueue.queueUrl,
        [ENV.streamIdempotencyTableName]: this.idempotencyTable.tableName,
        [ENV.streamRetryAttempts]: String(retryAttempts),
        ...(this.sinkQueue ? { [ENV.streamSinkQueueUrl]: this.sinkQueue.queueUrl } : {}),
        ...(props.sinkTable ? { [ENV.streamSinkTableName]: props.sinkTable.tableName } : {}),
      },
    };
    // The Python runtime reads every value from the environment (no defaults of its own): the TTL is passed too.
    this.operator = props.language === 'python'
      ? new PythonTaskFunction(this, 'Operator', {
        ...operatorProps,
        environment: { ...operatorProps.environment, [ENV.streamIdempotencyTtlSeconds]: String(DEFAULTS.streamIdempotencyTtlSeconds) },
      })
      : new TaskFunction(this, 'Operator', operatorProps);
    const fn = this.operator.function;
    props.table.grantReadWriteData(fn);
    this.idempotencyTable.grantReadWriteData(fn);
    props.deadLetterQueue.grantSendMessages(fn);
    this.sinkQueue?.grantSendMessages(fn);
    props.sinkTable?.grantWriteData(fn);

    this.eventSource = new ManagedKafkaEventSource({
      clusterArn: props.clusterArn,
      topic: props.topic,
      consumerGroupId: props.consumerGroupId ?? props.operatorName,
      startingPosition: props.startingPosition ?? lambda.StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize ?? 100,
      ...(props.maxBatchingWindow ? { maxBatchingWindow: props.maxBatchingWindow } : {}),
      provisionedPollerConfig: props.provisionedPollers ?? { minimumPollers: 1, maximumPollers: 2 },
      // The ESM's own retries outlast the wrapper's: the wrapper sends a record to the DLQ after
      // `retryAttempts`, the ESM discards a batch (on-failure record) only when the function itself fails.
      retryAttempts: retryAttempts + 1,
      bisectBatchOnError: props.bisectBatchOnError ?? true,
      reportBatchItemFailures: props.reportBatchItemFailures ?? true,
      ...(props.maxRecordAge ? { maxRecordAge: props.maxRecordAge } : {}),
      onFailure: new SqsDlq(props.deadLetterQueue),
    });
    fn.addEventSource(this.eventSource);

    // MSK IAM auth: connect to the cluster, read the topic, manage the consumer group — these ARNs only.
    const clusterPath = `${Fn.select(1, Fn.split('/', props.clusterArn))}/${Fn.select(2, Fn.split('/', props.clusterArn))}`;
    const arnPrefix = Fn.select(0, Fn.split(':cluster/', props.clusterArn));
    const topicArn = `${arnPrefix}:topic/${clusterPath}/${props.topic}`;
    const groupArn = `${arnPrefix}:group/${clusterPath}/${props.consumerGroupId ?? props.operatorName}`;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'], resources: [props.clusterArn] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], resources: [topicArn] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'], resources: [groupArn] }));

    acknowledgeNag(this.operator.role, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
      'ManagedKafkaEventSource attaches AWSLambdaMSKExecutionRole: the event source mapping creates network interfaces in the cluster VPC (ec2:CreateNetworkInterface and friends support no resource scoping).');
    acknowledgeNag(this.operator.role, iam5ResourceFinding(this, props.table.tableArn, '/index/*'),
      'grantReadWriteData on the task table: batch tasks are listed through the GSIs of this table only.');
  }
}

function validate(props: KafkaEtlProps): void {
  const fail = (message: string): never => { throw new Error(`KafkaEtl: ${message}`); };
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(props.topic)) fail(`topic must be 1-249 characters of letters, digits, '.', '_' or '-', got '${props.topic}'`);
  const batch = props.batchSize ?? 100;
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) fail(`batchSize must be an integer from 1 to 10000, got ${batch}`);
  const window = props.maxBatchingWindow?.toSeconds({ integral: false }) ?? 0;
  if (window > 300 || !Number.isInteger(window)) fail(`maxBatchingWindow must be whole seconds, at most 300, got ${window}`);
  const retries = props.retryAttempts ?? DEFAULTS.streamRetryAttempts;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10_000) fail(`retryAttempts must be an integer from 0 to 10000, got ${retries}`);
  const age = props.maxRecordAge?.toSeconds();
  if (age !== undefined && (age < 60 || age > 604_800)) fail(`maxRecordAge must be from 60 seconds to 7 days, got ${age} seconds`);
  const pollers = props.provisionedPollers;
  if (pollers && (!Number.isInteger(pollers.minimumPollers) || pollers.minimumPollers < 1 || pollers.maximumPollers < pollers.minimumPollers || pollers.maximumPollers > 2000)) {
    fail(`provisionedPollers must satisfy 1 <= minimumPollers <= maximumPollers <= 2000, got ${pollers.minimumPollers}..${pollers.maximumPollers}`);
  }
  if (props.consumerGroupId !== undefined && !/^[a-zA-Z0-9-/*:_+=.@-]{1,200}$/.test(props.consumerGroupId)) fail(`consumerGroupId is not a valid group ID: '${props.consumerGroupId}'`);
}
