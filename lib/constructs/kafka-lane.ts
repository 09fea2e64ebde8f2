import { CfnOutput, Names, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as msk from 'aws-cdk-lib/aws-msk';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { STACK_OUTPUTS } from '../../functions/core/facts.js';
import { KafkaEtl } from './kafka-etl.js';

/**
 * Context switches of the sample stack's Kafka lane: `-c kafkaLane=true` deploys it with an MSK Serverless
 * cluster, `-c kafkaClusterArn=arn:…` with an existing cluster; without either the lane is left out (an idle
 * MSK Serverless cluster is billed by the hour). With the lane, `-c kafkaOperator=python` runs the Python
 * sample operator on the topic instead of the TypeScript one.
 */
export const KAFKA_CONTEXT = { clusterArn: 'kafkaClusterArn', enabled: 'kafkaLane', operator: 'kafkaOperator' } as const;
export const SLOW_QUERY_TOPIC = 'slow-queries';
export const SLOW_QUERY_OPERATOR = 'enrich-slow-queries';
/** The Python sample operator (functions/stream/classify-slow-queries-py). */
export const SLOW_QUERY_PYTHON_OPERATOR = 'classify-slow-queries-py';

export interface KafkaLaneProps {
  readonly vpc: ec2.IVpc;
  readonly table: dynamodb.ITable;
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The sample stack's stream lane: an MSK Serverless cluster (IAM auth) in the stack's VPC, or an existing
 * cluster named by context, and the `enrich-slow-queries` operator (or `classify-slow-queries-py`) on its `slow-queries` topic.
 */
export class KafkaLane extends Construct {
  /** Present when the stack creates the cluster. */
  public readonly cluster?: msk.CfnServerlessCluster;
  public readonly clusterArn: string;
  public readonly etl: KafkaEtl;

  /** The lane when the context asks for it (`kafkaLane=true` or a `kafkaClusterArn`). */
  static fromContext(scope: Construct, id: string, props: KafkaLaneProps): KafkaLane | undefined {
    const enabled = scope.node.tryGetContext(KAFKA_CONTEXT.enabled) as unknown;
    const arn = scope.node.tryGetContext(KAFKA_CONTEXT.clusterArn) as unknown;
    if (enabled === false || enabled === 'false') return undefined;
    if (enabled === true || enabled === 'true' || arn !== undefined) return new KafkaLane(scope, id, props);
    return undefined;
  }

  constructor(scope: Construct, id: string, props: KafkaLaneProps) {
    super(scope, id);
    const existing = this.node.tryGetContext(KAFKA_CONTEXT.clusterArn) as string | undefined;
    if (existing !== undefined && !/^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[^/]+\/[^/]+$/.test(existing)) {
      throw new Error(`KafkaLane: context ${KAFKA_CONTEXT.clusterArn} must be an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>), got '${existing}'`);
    }
    if (existing) {
      this.clusterArn = existing;
    } else {
      const securityGroup = new ec2.SecurityGroup(this, 'ClusterSecurityGroup', {
        vpc: props.vpc,
        description: 'MSK Serverless cluster of the Kafka ETL lane (IAM auth on 9098)',
        allowAllOutbound: true,
      });
      // The event source mapping's network interfaces use the cluster's security group: it reaches itself.
      securityGroup.addIngressRule(securityGroup, ec2.Port.tcp(9098), 'Kafka IAM auth from the mapping and clients in this group');
      this.cluster = new msk.CfnServerlessCluster(this, 'Cluster', {
        clusterName: Names.uniqueResourceName(this, { maxLength: 64 }),
        clientAuthentication: { sasl: { iam: { enabled: true } } },
        vpcConfigs: [{
          subnetIds: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
          securityGroups: [securityGroup.securityGroupId],
        }],
      });
      this.clusterArn = this.cluster.attrArn;
    }
    const language = this.node.tryGetContext(KAFKA_CONTEXT.operator) as unknown;
    if (language !== undefined && language !== 'typescript' && language !== 'python') {
      throw new Error(`KafkaLane: context ${KAFKA_CONTEXT.operator} must be 'typescript' or 'python', got '${String(language)}'`);
    }
    const shared = { clusterArn: this.clusterArn, topic: SLOW_QUERY_TOPIC, table: props.table, deadLetterQueue: props.deadLetterQueue };
    this.etl = language === 'python'
      ? new KafkaEtl(this, 'ClassifySlowQueriesPy', { ...shared, operatorName: SLOW_QUERY_PYTHON_OPERATOR, language: 'python', entry: 'functions/stream/classify-slow-queries-py' })
      : new KafkaEtl(this, 'EnrichSlowQueries', { ...shared, operatorName: SLOW_QUERY_OPERATOR, entry: 'functions/stream/enrich-slow-queries/handler.ts' });
    const operatorName = language === 'python' ? SLOW_QUERY_PYTHON_OPERATOR : SLOW_QUERY_OPERATOR;
    new CfnOutput(Stack.of(this), STACK_OUTPUTS.kafkaClusterArn, { value: this.clusterArn, description: 'MSK cluster of the Kafka ETL lane' });
    if (this.etl.sinkQueue) {
      new CfnOutput(Stack.of(this), STACK_OUTPUTS.kafkaSinkQueueUrl, { value: this.etl.sinkQueue.queueUrl, description: `SQS FIFO sink of ${operatorName}` });
    }
  }
}
