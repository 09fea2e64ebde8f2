import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * What every bucket of the project is: private, TLS-only, SSE-S3 (S3 server access logging only delivers
 * to SSE-S3 targets, and readers need no KMS grants), and never emptied by a stack deletion.
 */
export function privateBucketProps(removalPolicy: RemovalPolicy): s3.BucketProps {
  return {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    removalPolicy,
    autoDeleteObjects: false,
  };
}

/**
 * A bucket that receives server access logs, expiring them after `expirationDays`. It needs no access
 * logging of its own: cdk-nag S1 treats a bucket that receives access logs as compliant. Object ownership
 * is left to CDK: with @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy (cdk.json) log delivery is granted
 * by bucket policy and ACLs stay disabled.
 */
export function accessLogsBucket(scope: Construct, id: string, removalPolicy: RemovalPolicy, expirationDays: number): s3.Bucket {
  return new s3.Bucket(scope, id, {
    ...privateBucketProps(removalPolicy),
    versioned: false,
    lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(expirationDays) }],
  });
}
