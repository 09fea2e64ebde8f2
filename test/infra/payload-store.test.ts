import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PayloadStore } from '../../lib/constructs/payload-store.js';
import { arnOf, logicalIdOf, newTestStack } from './support.js';

const BLOCK_ALL = {
  BlockPublicAcls: true,
  BlockPublicPolicy: true,
  IgnorePublicAcls: true,
  RestrictPublicBuckets: true,
};

describe('PayloadStore', () => {
  let template: Template;
  let bucketId: string;
  let logsBucketId: string;

  beforeAll(() => {
    // Prepare
    const stack = newTestStack();
    // Act
    const store = new PayloadStore(stack, 'Store');
    template = Template.fromStack(stack);
    bucketId = logicalIdOf(store.bucket);
    logsBucketId = logicalIdOf(store.accessLogsBucket);
  });

  it('creates the payload bucket and its access log bucket, without physical names', () => {
    // Assess
    template.resourceCountIs('AWS::S3::Bucket', 2);
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(bucket['Properties'].BucketName).toBeUndefined();
    }
  });

  it('makes the payload bucket private, SSE-S3 encrypted and unversioned', () => {
    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: BLOCK_ALL,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: Match.absent(),
      LoggingConfiguration: Match.anyValue(),
    });
  });

  it('expires payloads after 30 days and aborts stale multipart uploads', () => {
    // Assess
    const bucket = template.findResources('AWS::S3::Bucket')[bucketId];
    expect(bucket?.['Properties'].LifecycleConfiguration).toEqual({
      Rules: [
        { Id: 'ExpirePayloads', Status: 'Enabled', ExpirationInDays: 30, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
      ],
    });
  });

  it('writes server access logs to the separate log bucket, which accepts them by bucket policy', () => {
    // Assess
    const bucket = template.findResources('AWS::S3::Bucket')[bucketId];
    expect(bucket?.['Properties'].LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logsBucketId },
      LogFilePrefix: 'payloads/',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:PutObject',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': arnOf(bucketId) } }),
          }),
        ]),
      },
    });
  });

  it('makes the log bucket private, SSE-S3 encrypted and expiring after 90 days', () => {
    // Assess
    const logs = template.findResources('AWS::S3::Bucket')[logsBucketId];
    expect(logs?.['Properties']).toMatchObject({
      PublicAccessBlockConfiguration: BLOCK_ALL,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: { Rules: [{ Id: 'ExpireAccessLogs', Status: 'Enabled', ExpirationInDays: 90 }] },
    });
  });

  it('denies non-TLS requests on both buckets (enforceSSL)', () => {
    // Assess
    for (const id of [bucketId, logsBucketId]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('retains both buckets and never auto-deletes objects', () => {
    // Assess
    const buckets = template.findResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(Object.keys(buckets).sort()).toEqual([bucketId, logsBucketId].sort());
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('honours expirationDays, accessLogsExpirationDays and removalPolicy', () => {
    // Prepare
    const stack = newTestStack();
    // Act
    const store = new PayloadStore(stack, 'Store', {
      expirationDays: 7,
      accessLogsExpirationDays: 365,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Assess
    const custom = Template.fromStack(stack);
    const buckets = custom.findResources('AWS::S3::Bucket');
    expect(buckets[logicalIdOf(store.bucket)]?.['Properties'].LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(7);
    expect(buckets[logicalIdOf(store.accessLogsBucket)]?.['Properties'].LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(365);
    expect(Object.keys(custom.findResources('AWS::S3::Bucket', { DeletionPolicy: 'Delete' }))).toHaveLength(2);
  });

  it.each([
    ['expirationDays', { expirationDays: 0 }, 0],
    ['expirationDays', { expirationDays: 1.5 }, 1.5],
    ['accessLogsExpirationDays', { accessLogsExpirationDays: -3 }, -3],
  ])('rejects %s %o', (name, props, value) => {
    // Prepare
    const stack = newTestStack();
    // Act
    const act = () => new PayloadStore(stack, 'Store', props);
    // Assess
    expect(act).toThrow(`PayloadStore: ${name} must be a whole number of days >= 1, got ${value}`);
  });
});
