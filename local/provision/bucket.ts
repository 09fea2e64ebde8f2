// AWS::S3::Bucket → an s3rver bucket (named by the lowercased logical ID); Custom::S3BucketNotifications →
// the bucket's object events routed to EventBridge rules by the platform.
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { resolve } from '../template.js';
import type { ResourceProvisioner } from './provisioner.js';

export const s3Bucket: ResourceProvisioner = {
  create: async (id, _resource, ctx) => {
    const name = id.toLowerCase().slice(0, 63);
    await createBucket(ctx.clients.s3, name);
    return { ref: name, attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` } };
  },
  provision: () => 's3rver bucket',
};

export const bucketNotifications: ResourceProvisioner = {
  provision: (_id, resource, ctx) => {
    const props = resolve({ BucketName: resource.Properties?.BucketName, NotificationConfiguration: resource.Properties?.NotificationConfiguration }, ctx.resolve) as {
      BucketName: string;
      NotificationConfiguration?: { EventBridgeConfiguration?: unknown };
    };
    if (props.NotificationConfiguration?.EventBridgeConfiguration) ctx.out.eventBridgeBuckets.push(props.BucketName);
    return `s3rver object events of ${props.BucketName} → EventBridge rules`;
  },
};

async function createBucket(client: S3Client, name: string): Promise<void> {
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    const code = (error as { name?: string }).name;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
  }
}
