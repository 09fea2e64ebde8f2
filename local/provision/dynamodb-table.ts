import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

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
