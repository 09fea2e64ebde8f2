// What 2,500 finished tasks leave in a data directory, for bench/boot.ts: their registry records and a success
// destination record of each in the success queue (nobody consumes it locally).
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { STACK_OUTPUTS, type EndpointsFile } from '../functions/core/facts.js';

/** `count` SUCCEEDED registry records, and a success destination record of each left in the success queue. */
export async function seed(endpoints: EndpointsFile, count: number): Promise<void> {
  const config = { region: endpoints.region, credentials: endpoints.credentials };
  const dynamodb = new DynamoDBClient({ ...config, endpoint: endpoints.endpoints.dynamodb });
  const sqs = new SQSClient({ ...config, endpoint: endpoints.endpoints.sqs });
  const table = endpoints.outputs[STACK_OUTPUTS.taskTableName] ?? '';
  const queueUrl = endpoints.outputs[STACK_OUTPUTS.successQueueUrl] ?? '';
  const base = Date.now() - 3_600_000;
  const ids = Array.from({ length: count }, (_, i) => `seed_${String(i).padStart(5, '0')}`);
  for (let i = 0; i < ids.length; i += 25) {
    const items = ids.slice(i, i + 25).map((taskId, j) => {
      const at = new Date(base + (i + j) * 1000).toISOString();
      return {
        PutRequest: {
          Item: {
            taskId: { S: taskId }, function: { S: 'analyze-slow-queries' }, status: { S: 'SUCCEEDED' }, idHead: { S: 's' },
            createdAt: { S: at }, createdDay: { S: at.slice(0, 10) }, updatedAt: { S: at }, endedAt: { S: at }, attempts: { N: '1' }, maxAttempts: { N: '3' },
            events: { L: [{ M: { status: { S: 'QUEUED' }, at: { S: at } } }, { M: { status: { S: 'SUCCEEDED' }, at: { S: at } } }] },
            payload: { M: { bucket: { S: 'logs' }, key: { S: `slow/${taskId}.log` } } }, payloadHash: { S: taskId }, payloadSizeBytes: { N: '40' },
            result: { M: { queries: { N: '12' } } }, expiresAt: { N: String(Math.floor(base / 1000) + 30 * 86_400) },
          },
        },
      };
    });
    await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: items } }));
  }
  for (let i = 0; i < ids.length; i += 10) {
    const entries = ids.slice(i, i + 10).map((taskId, j) => ({
      Id: String(j),
      MessageBody: JSON.stringify({ version: '1.0', timestamp: new Date().toISOString(), taskId, requestContext: { requestId: taskId, condition: 'Success', approximateInvokeCount: 1 }, responsePayload: { taskId, status: 'SUCCEEDED' } }),
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
  dynamodb.destroy();
  sqs.destroy();
}
