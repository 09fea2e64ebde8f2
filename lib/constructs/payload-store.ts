import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { accessLogsBucket, privateBucketProps } from './private-bucket.js';
import { Construct } from 'constructs';

export interface PayloadStoreProps {
  /**
   * Days after which a stored payload is deleted. Keep it at least as long as task records live.
   *
   * @default 30
   */
  readonly expirationDays?: number;

  /**
   * Days after which a server access log object is deleted.
   *
   * @default 90
   */
  readonly accessLogsExpirationDays?: number;

  /**
   * What happens to both buckets when they leave the stack. Objects are never auto-deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Claim-check store: task payloads too large for the task record or an invocation are written here
 * and travel by reference. Private, TLS-only, SSE-S3, expiring, with server access logs.
 */
export class PayloadStore extends Construct {
  /** The payload bucket. */
  public readonly bucket: s3.Bucket;
  /** Receives the server access logs of `bucket`. */
  public readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: PayloadStoreProps = {}) {
    super(scope, id);

    const expirationDays = requireDays('expirationDays', props.expirationDays ?? 30);
    const accessLogsExpirationDays = requireDays('accessLogsExpirationDays', props.accessLogsExpirationDays ?? 90);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.accessLogsBucket = accessLogsBucket(this, 'AccessLogsBucket', removalPolicy, accessLogsExpirationDays);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...privateBucketProps(removalPolicy),
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Payloads are written once under a task-specific key and never updated; versions would only
      // keep expired payloads alive.
      versioned: false,
      lifecycleRules: [
        {
          id: 'ExpirePayloads',
          expiration: Duration.days(expirationDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'payloads/',
    });
  }
}

function requireDays(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`PayloadStore: ${name} must be a whole number of days >= 1, got ${value}`);
  }
  return value;
}
