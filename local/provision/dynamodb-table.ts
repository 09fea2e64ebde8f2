// AWS::DynamoDB::Table → a dynalite table with the template's keys and indexes.
import { CreateTableCommand, ResourceInUseException, waitUntilTableExists, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ResourceProvisioner } from './provisioner.js';

/** The subset of AWS::DynamoDB::Table properties that shape a table locally. */
export interface CfnTableProperties {
  readonly KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  readonly AttributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  readonly GlobalSecondaryIndexes?: {
    IndexName: string;
    KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
    Projection: { ProjectionType?: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
  }[];
  readonly TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
}

/**
 * CreateTable input for a table declared in a synthesized template, so the embedded DynamoDB has
 * exactly the keys and indexes that deploy. Billing, encryption and PITR do not apply locally.
 */
export function createTableInputFromCfn(tableName: string, props: CfnTableProperties): CreateTableCommandInput {
  return {
    TableName: tableName,
    KeySchema: props.KeySchema,
    AttributeDefinitions: props.AttributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
    ...(props.GlobalSecondaryIndexes?.length
      ? {
          GlobalSecondaryIndexes: props.GlobalSecondaryIndexes.map((gsi) => ({
            IndexName: gsi.IndexName,
            KeySchema: gsi.KeySchema,
            Projection: {
              ProjectionType: gsi.Projection.ProjectionType ?? 'KEYS_ONLY',
              ...(gsi.Projection.NonKeyAttributes ? { NonKeyAttributes: gsi.Projection.NonKeyAttributes } : {}),
            },
          })),
        }
      : {}),
  };
}

export const dynamoTable: ResourceProvisioner = {
  create: async (id, resource, ctx) => {
    await createTable(ctx.clients.dynamodb, id, resource.Properties as unknown as CfnTableProperties);
    return { ref: id, attributes: { Arn: `arn:aws:dynamodb:${ctx.resolve.region}:${ctx.resolve.accountId}:table/${id}` } };
  },
  provision: () => 'dynalite table',
};

async function createTable(client: DynamoDBClient, name: string, props: CfnTableProperties): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInputFromCfn(name, props)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error; // persisted from an earlier run
  }
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
}
