import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { CREATED_DAY_ATTRIBUTE, TASK_TABLE_INDEXES, TTL_ATTRIBUTE } from '../../functions/core/registry-schema.js';

/** Attribute names of the task record that the table's keys are built on (see functions/core/task-record.ts). */
export const TASK_TABLE_KEYS = {
  taskId: 'taskId',
  status: 'status',
  function: 'function',
  createdAt: 'createdAt',
  idHead: 'idHead',
  createdDay: CREATED_DAY_ATTRIBUTE,
} as const;

export interface TaskRegistryProps {
  /**
   * What happens to the table (and its data) when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN - task history survives a stack deletion
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Whether CloudFormation refuses to delete the table.
   *
   * @default false
   */
  readonly deletionProtection?: boolean;
}

/**
 * The task registry: one DynamoDB item per task, keyed by `taskId`, with the indexes the CLI lists by
 * (status + time window, function, ID prefix) so that listing is always a Query, never a Scan.
 */
export class TaskRegistry extends Construct {
  /** The task table. */
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: TaskRegistryProps = {}) {
    super(scope, id);

    // `Table` (AWS::DynamoDB::Table) rather than `TableV2` (AWS::DynamoDB::GlobalTable): the registry is
    // single-region, and a plain table maps one-to-one onto DynamoDB's CreateTable, which is what the
    // embedded platform replays on dynalite from the synthesized template.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TASK_TABLE_KEYS.taskId, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // AWS managed key (aws/dynamodb) rather than a customer managed key: encryption at rest with KMS and
      // CloudTrail-audited key use, without a key policy to maintain, without $1/month per key, and without
      // having to grant kms:Decrypt to every reader (handlers, CLI users) next to each table grant.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    // Status + time window: `status = :s AND createdAt BETWEEN :from AND :to` (createdAt is ISO-8601).
    this.table.addGlobalSecondaryIndex({
      indexName: TASK_TABLE_INDEXES.byStatus,
      partitionKey: { name: TASK_TABLE_KEYS.status, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TASK_TABLE_KEYS.createdAt, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TASK_TABLE_INDEXES.byFunction,
      partitionKey: { name: TASK_TABLE_KEYS.function, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TASK_TABLE_KEYS.createdAt, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // ID prefix: `idHead = :first AND begins_with(taskId, :prefix)`; idHead is the first character of the ID.
    this.table.addGlobalSecondaryIndex({
      indexName: TASK_TABLE_INDEXES.byIdPrefix,
      partitionKey: { name: TASK_TABLE_KEYS.idHead, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TASK_TABLE_KEYS.taskId, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // Every function and status, newest first (bare `stask ls`): `createdDay = :day AND createdAt BETWEEN ...`,
    // one day bucket after the other. Keys only: createdDay and createdAt never change, so only the create
    // writes to this index (no heartbeat or transition does), which keeps a day's single partition far from
    // its write limit; the listing reads the page's records with BatchGetItem. Records created before the
    // attribute existed have no createdDay and are absent from it (they list by status, function or prefix).
    this.table.addGlobalSecondaryIndex({
      indexName: TASK_TABLE_INDEXES.byCreatedDay,
      partitionKey: { name: TASK_TABLE_KEYS.createdDay, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TASK_TABLE_KEYS.createdAt, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
  }
}
