// Where an operator's outputs go. SQS FIFO (default): the record key is the deduplication ID and
// `topic-partition` the message group, so order per partition holds and a resend within SQS's 5-minute window
// is dropped. DynamoDB: a conditional write on `pk` = the record key, so a rewrite is a no-op at any time.
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { deduplicationId } from './record-key.js';

export interface SinkOutput {
  /** The record key, suffixed `#i` when a record has several outputs. */
  readonly key: string;
  /** `topic-partition`: the FIFO message group. */
  readonly group: string;
  readonly body: unknown;
}

export interface Sink {
  readonly kind: 'sqs' | 'dynamodb';
  write(outputs: readonly SinkOutput[]): Promise<void>;
}

export class SqsFifoSink implements Sink {
  readonly kind = 'sqs';
  constructor(private readonly sqs: SQSClient, private readonly queueUrl: string) {}

  async write(outputs: readonly SinkOutput[]): Promise<void> {
    for (let i = 0; i < outputs.length; i += 10) {
      const chunk = outputs.slice(i, i + 10);
      if (chunk.length === 1 && chunk[0]) {
        await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, ...entry(chunk[0]) }));
        continue;
      }
      const out = await this.sqs.send(new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: chunk.map((o, j) => ({ Id: String(j), ...entry(o) })),
      }));
      if (out.Failed?.length) {
        throw new Error(`the sink queue refused ${out.Failed.length} message(s): ${out.Failed.map((f) => `${f.Code}: ${f.Message}`).join('; ')}`);
      }
    }
  }
}

function entry(o: SinkOutput) {
  return { MessageBody: JSON.stringify(o.body), MessageGroupId: o.group, MessageDeduplicationId: deduplicationId(o.key) };
}

export class DynamoSink implements Sink {
  readonly kind = 'dynamodb';
  private readonly doc: DynamoDBDocumentClient;
  constructor(client: DynamoDBClient, private readonly tableName: string) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async write(outputs: readonly SinkOutput[]): Promise<void> {
    for (const o of outputs) {
      const item = typeof o.body === 'object' && o.body !== null && !Array.isArray(o.body) ? o.body : { value: o.body };
      try {
        await this.doc.send(new PutCommand({
          TableName: this.tableName,
          Item: { ...item, pk: o.key },
          ConditionExpression: 'attribute_not_exists(pk)',
        }));
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }
}
