import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MediaNetwork } from '../../lib/constructs/media-network.js';
import { logicalIdOf, newTestStack } from './support.js';

describe('MediaNetwork', () => {
  let template: Template;
  let network: MediaNetwork;

  beforeAll(() => {
    // Prepare
    const stack = newTestStack();
    // Act
    network = new MediaNetwork(stack, 'Network');
    template = Template.fromStack(stack);
  });

  it('spans two AZs with a public and a private-with-egress subnet each, behind one NAT gateway', () => {
    // Assess
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    template.hasResourceProperties('AWS::EC2::Subnet', {
      MapPublicIpOnLaunch: false,
      Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Public' }]),
    });
    expect(network.vpc.privateSubnets).toHaveLength(2);
    expect(network.vpc.publicSubnets).toHaveLength(2);
  });

  it('routes S3 and DynamoDB traffic through gateway endpoints on the private route tables', () => {
    // Assess
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    const privateTables = network.vpc.privateSubnets.map((subnet) => Stack.of(network).resolve(subnet.routeTable.routeTableId));
    expect(privateTables).toHaveLength(2);
    for (const service of ['s3', 'dynamodb']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
        RouteTableIds: privateTables,
      });
    }
  });

  it('logs all VPC traffic to a retained log group', () => {
    // Assess
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: { Ref: logicalIdOf(network.flowLogGroup) },
    });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain', Properties: { RetentionInDays: 30 } });
  });

  it('creates an ECS cluster with Container Insights, Fargate capacity providers and ECS Exec session logging', () => {
    // Assess
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
      Configuration: {
        ExecuteCommandConfiguration: {
          Logging: 'OVERRIDE',
          LogConfiguration: { CloudWatchLogGroupName: { Ref: logicalIdOf(network.execLogGroup) } },
        },
      },
    });
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: ['FARGATE', 'FARGATE_SPOT'],
    });
  });

  it('restricts the default security group (issue 8: it allows no traffic)', () => {
    // Assess: CDK's custom resource removes the default group's rules at deployment.
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
    template.hasResourceProperties('Custom::VpcRestrictDefaultSG', { DefaultSecurityGroupId: { 'Fn::GetAtt': [logicalIdOf(network.vpc), 'DefaultSecurityGroup'] } });
  });

  it('encrypts ECS Exec sessions and their log group with a rotated KMS key', () => {
    // Assess
    const key = logicalIdOf(network.execKey);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      Configuration: {
        ExecuteCommandConfiguration: {
          KmsKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
          Logging: 'OVERRIDE',
          LogConfiguration: { CloudWatchEncryptionEnabled: true, CloudWatchLogGroupName: { Ref: logicalIdOf(network.execLogGroup) } },
        },
      },
    });
    // CloudWatch Logs may use the key for log groups of this account and region only.
    const policy = JSON.stringify(template.findResources('AWS::KMS::Key')[key]?.['Properties'].KeyPolicy);
    expect(policy).toContain('kms:EncryptionContext:aws:logs:arn');
    expect(policy).toContain('logs.');
  });

  it.each([
    [{ natGateways: 0 }, 'natGateways must be an integer from 1 to maxAzs (2), got 0'],
    [{ natGateways: 3 }, 'natGateways must be an integer from 1 to maxAzs (2), got 3'],
    [{ maxAzs: 1 }, 'maxAzs must be an integer >= 2, got 1'],
  ])('rejects %o', (props, message) => {
    // Prepare
    const stack = newTestStack();
    // Act
    const act = () => new MediaNetwork(stack, 'Network', props);
    // Assess
    expect(act).toThrow(`MediaNetwork: ${message}`);
  });

  it('honours natGateways', () => {
    // Prepare
    const stack = newTestStack();
    // Act
    new MediaNetwork(stack, 'Network', { natGateways: 2 });
    // Assess
    Template.fromStack(stack).resourceCountIs('AWS::EC2::NatGateway', 2);
  });
});
