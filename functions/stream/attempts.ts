// Deliveries of a record that asked for a retry, counted beside Powertools' idempotency records (same table,
// key `attempts#<record key>`, same TTL attribute) so the operator knows when the retries are used up.
import { UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export async function countAttempt(dynamo: DynamoDBClient, tableName: string, key: string, ttlSeconds: number): Promise<number> {
  const out = await dynamo.send(new UpdateItemCommand({
    TableName: tableName,
    Key: { id: { S: `attempts#${key}` } },
    UpdateExpression: 'ADD attempts :one SET expiration = :exp',
    ExpressionAttributeValues: { ':one': { N: '1' }, ':exp': { N: String(Math.floor(Date.now() / 1000) + ttlSeconds) } },
    ReturnValues: 'UPDATED_NEW',
  }));
  return Number(out.Attributes?.attempts?.N ?? '1');
}
