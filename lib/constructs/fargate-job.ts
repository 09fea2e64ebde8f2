// What every long-lane Fargate job shares (the transcoder, Python jobs): its log group, an ARM64 Linux task
// definition, a container that runs unprivileged with every Linux capability dropped and an init process, and a
// security group with no inbound traffic and outbound HTTPS only. One place, so a hardening reaches every job.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface FargateJobSize {
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  /** @default - Fargate's 20 GiB */
  readonly ephemeralStorageGiB?: number;
}

/** The job containers' log group (`LogGroup` in `scope`), kept when the stack is deleted. */
export function jobLogGroup(scope: Construct, retention: logs.RetentionDays | undefined): logs.LogGroup {
  return new logs.LogGroup(scope, 'LogGroup', {
    retention: retention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** An ARM64 Linux Fargate task definition (`TaskDefinition` in `scope`). */
export function arm64TaskDefinition(scope: Construct, size: FargateJobSize): ecs.FargateTaskDefinition {
  return new ecs.FargateTaskDefinition(scope, 'TaskDefinition', {
    cpu: size.cpu,
    memoryLimitMiB: size.memoryLimitMiB,
    ...(size.ephemeralStorageGiB === undefined ? {} : { ephemeralStorageGiB: size.ephemeralStorageGiB }),
    runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
  });
}

/**
 * An init process (it reaps the job's children, e.g. FFmpeg's, and forwards SIGTERM: the stop) and no Linux
 * capabilities: a job needs none, and neither does ECS Exec's agent (it runs beside the container's processes).
 */
export function unprivilegedLinuxParameters(scope: Construct): ecs.LinuxParameters {
  const parameters = new ecs.LinuxParameters(scope, 'LinuxParameters', { initProcessEnabled: true });
  parameters.dropCapabilities(ecs.Capability.ALL);
  return parameters;
}

/**
 * No inbound traffic; outbound TCP 443 only (`SecurityGroup` in `scope`). Every AWS API a job calls is HTTPS
 * (S3 and DynamoDB through the gateway endpoints, the rest through the NAT gateway); DNS goes to the VPC
 * resolver, which security groups do not filter.
 */
export function httpsOnlySecurityGroup(scope: Construct, vpc: ec2.IVpc, description: string, ruleDescription: string): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, 'SecurityGroup', { vpc, description, allowAllOutbound: false });
  group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), ruleDescription);
  return group;
}
