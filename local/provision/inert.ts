// Resource types with no behaviour to emulate on one machine: listed as inert, never silently ignored.
import type { ResourceProvisioner } from './provisioner.js';

export const INERT_TYPE_LIST = [
  // Permissions, keys, alarms, metadata.
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::KMS::Key',
  'AWS::KMS::Alias',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  // Alarm notifications: nothing raises an alarm locally.
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::SQS::QueuePolicy',
  'AWS::S3::BucketPolicy',
  'AWS::Lambda::Permission',
  'AWS::CDK::Metadata',
  // Networking: one machine has no VPC; processes reach the embedded servers on loopback.
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::EC2::RouteTable',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::Route',
  'AWS::EC2::InternetGateway',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::EC2::NatGateway',
  'AWS::EC2::EIP',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::EC2::VPCEndpoint',
  'AWS::EC2::FlowLog',
  'AWS::ECS::ClusterCapacityProviderAssociations',
  // CDK's custom resources (e.g. restricting a VPC's default security group): nothing to do locally.
  'Custom::VpcRestrictDefaultSG',
] as const;

export const inertResource: ResourceProvisioner = { inert: true, provision: () => 'inert locally' };
