// AWS::SQS::Queue → a local-aws-sqs queue (FIFO when declared so), its redrive policy set in pass 2.
import { CreateQueueCommand, GetQueueUrlCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { resolve } from '../template.js';
import type { ResourceProvisioner } from './provisioner.js';

export const sqsQueue: ResourceProvisioner = {
  create: async (id, resource, ctx) => {
    const fifo = resource.Properties?.FifoQueue === true;
    const url = await createQueue(
      ctx.clients.sqs,
      fifo ? `${id}.fifo` : id,
      fifo ? { FifoQueue: 'true', ContentBasedDeduplication: String(resource.Properties?.ContentBasedDeduplication === true) } : undefined,
    );
    return { ref: url, attributes: { Arn: `arn:aws:sqs:${ctx.resolve.region}:${ctx.resolve.accountId}:${id}`, QueueName: id, QueueUrl: url } };
  },
  provision: async (id, resource, ctx) => {
    if (resource.Properties?.RedrivePolicy) {
      await ctx.clients.sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: ctx.resolve.resources.get(id)?.ref,
          Attributes: { RedrivePolicy: JSON.stringify(resolve(resource.Properties.RedrivePolicy, ctx.resolve)) },
        }),
      );
    }
    return 'local-aws-sqs queue (journaled)';
  },
};

async function createQueue(client: SQSClient, name: string, attributes?: Record<string, string>): Promise<string> {
  try {
    return (await client.send(new CreateQueueCommand({ QueueName: name, ...(attributes ? { Attributes: attributes } : {}) }))).QueueUrl ?? '';
  } catch (error) {
    // It exists with the attributes set in pass 2 of an earlier provisioning: the queue is reused as is.
    if ((error as { name?: string }).name !== 'QueueNameExists') throw error;
    return (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? '';
  }
}
