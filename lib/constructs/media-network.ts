import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface MediaNetworkProps {
  /**
   * NAT gateways for the private subnets' egress (ECR image pulls, CloudWatch Logs, ECS Exec). S3 and
   * DynamoDB traffic does not use them (gateway endpoints). One is cheaper; two survive the loss of an AZ.
   *
   * @default 1
   */
  readonly natGateways?: number;

  /**
   * Availability zones of the VPC (a public and a private subnet in each).
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * Retention of the VPC flow log and the ECS Exec session log groups.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Where media work runs: a VPC with public subnets (NAT only) and private subnets with egress for the
 * Fargate tasks, S3 and DynamoDB gateway endpoints so that media and registry traffic never crosses the
 * NAT gateway (no per-GB NAT charge on multi-GB inputs), flow logs, and an ECS cluster with Container
 * Insights, Fargate capacity providers and ECS Exec: its sessions encrypted with a customer managed KMS key
 * (rotated yearly) and logged to a log group encrypted with the same key. The VPC's default security group
 * allows no traffic.
 */
export class MediaNetwork extends Construct {
  public readonly vpc: ec2.Vpc;
  public readonly cluster: ecs.Cluster;
  /** Gateway endpoint for S3 (media and payload buckets). */
  public readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  /** Gateway endpoint for DynamoDB (the task registry). */
  public readonly dynamoDbEndpoint: ec2.GatewayVpcEndpoint;
  /** VPC flow log (all traffic). */
  public readonly flowLogGroup: logs.LogGroup;
  /** ECS Exec session logs (`aws ecs execute-command`), encrypted with `execKey`. */
  public readonly execLogGroup: logs.LogGroup;
  /** Encrypts ECS Exec sessions and their log group. */
  public readonly execKey: kms.Key;

  constructor(scope: Construct, id: string, props: MediaNetworkProps = {}) {
    super(scope, id);

    const natGateways = props.natGateways ?? 1;
    const maxAzs = props.maxAzs ?? 2;
    if (!Number.isInteger(maxAzs) || maxAzs < 2) {
      throw new Error(`MediaNetwork: maxAzs must be an integer >= 2, got ${maxAzs}`);
    }
    if (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > maxAzs) {
      throw new Error(`MediaNetwork: natGateways must be an integer from 1 to maxAzs (${maxAzs}), got ${natGateways}`);
    }
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs,
      natGateways,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      // The default security group is attached to nothing (every task gets its own group): it allows no
      // traffic either (CDK removes its rules through a custom resource at deployment).
      restrictDefaultSecurityGroup: true,
    });
    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3Endpoint', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
    });
    this.dynamoDbEndpoint = this.vpc.addGatewayEndpoint('DynamoDbEndpoint', {
      service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
    });

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', { retention, removalPolicy: RemovalPolicy.RETAIN });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    this.execKey = new kms.Key(this, 'ExecKey', {
      description: 'Encrypts ECS Exec sessions of the media cluster and their session log group',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts the session log group with the key (AWS's key policy for encrypted log groups).
    const { region, account, partition } = Stack.of(this);
    this.execKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` } },
      }),
    );
    this.execLogGroup = new logs.LogGroup(this, 'ExecLogGroup', { retention, removalPolicy: RemovalPolicy.RETAIN, encryptionKey: this.execKey });
    this.execLogGroup.node.addDependency(this.execKey);
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      enableFargateCapacityProviders: true,
      executeCommandConfiguration: {
        kmsKey: this.execKey,
        logging: ecs.ExecuteCommandLogging.OVERRIDE,
        logConfiguration: { cloudWatchLogGroup: this.execLogGroup, cloudWatchEncryptionEnabled: true },
      },
    });
  }
}

