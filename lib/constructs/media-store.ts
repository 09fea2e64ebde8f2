import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { accessLogsBucket, privateBucketProps } from './private-bucket.js';
import { Construct } from 'constructs';

export interface MediaStoreProps {
  /**
   * Where the media bucket's server access logs go (e.g. PayloadStore's access log bucket).
   *
   * @default - a new private, SSE-S3 encrypted log bucket expiring logs after 90 days
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * Key prefix of the access log objects.
   *
   * @default 'media/'
   */
  readonly accessLogsPrefix?: string;

  /**
   * Keep every version of an object (a re-upload of the same key then is a new version, and a new task); an
   * overwritten or deleted version is kept for `noncurrentVersionExpiration`, so a mistake can be undone.
   *
   * @default true
   */
  readonly versioned?: boolean;

  /**
   * How long a noncurrent version is kept (versioned buckets).
   *
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * What happens to the bucket when it leaves the stack. Objects are never auto-deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The media bucket: uploads (inputs) and transcoded outputs. Private, TLS-only, SSE-S3 (the transcoder
 * reads and writes it without KMS grants), server access logs, stale multipart uploads (multi-GB inputs
 * are uploaded in parts) aborted after a day, versioned with noncurrent versions kept 30 days. No current object
 * expires: media belongs to the user.
 */
export class MediaStore extends Construct {
  public readonly bucket: s3.Bucket;
  /** Receives the bucket's server access logs. */
  public readonly accessLogsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: MediaStoreProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.accessLogsBucket =
      props.accessLogsBucket ?? accessLogsBucket(this, 'AccessLogsBucket', removalPolicy, 90);

    const versioned = props.versioned ?? true;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...privateBucketProps(removalPolicy),
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned,
      lifecycleRules: [
        { id: 'AbortStaleUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ...(versioned
          ? [{ id: 'ExpireNoncurrentVersions', noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30) }]
          : []),
      ],
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: props.accessLogsPrefix ?? 'media/',
    });
  }
}
