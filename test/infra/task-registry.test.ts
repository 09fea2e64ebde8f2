import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TASK_TABLE_INDEXES, TTL_ATTRIBUTE } from '../../functions/core/registry-schema.js';
import { TaskRegistry } from '../../lib/constructs/task-registry.js';
import { newTestStack } from './support.js';

describe('TaskRegistry', () => {
  let template: Template;
  let registry: TaskRegistry;

  beforeAll(() => {
    // Prepare
    const stack = newTestStack();
    // Act
    registry = new TaskRegistry(stack, 'Registry');
    template = Template.fromStack(stack);
  });

  it('creates exactly one table, keyed by taskId (S), without a physical name', () => {
    // Assess
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'taskId', KeyType: 'HASH' }],
      TableName: Match.absent(),
    });
    expect(registry.table).toBeDefined();
  });

  it('is on-demand, with point-in-time recovery and an AWS managed KMS key', () => {
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a KMSMasterKeyId = the aws/dynamodb AWS managed key.
      SSESpecification: Match.objectEquals({ SSEEnabled: true }),
      ProvisionedThroughput: Match.absent(),
    });
  });

  it(`expires items through the TTL attribute ${TTL_ATTRIBUTE}`, () => {
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('has the three filtered listing indexes with their keys and ALL projection, and the keys-only day index', () => {
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        {
          IndexName: TASK_TABLE_INDEXES.byStatus,
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: TASK_TABLE_INDEXES.byFunction,
          KeySchema: [
            { AttributeName: 'function', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: TASK_TABLE_INDEXES.byIdPrefix,
          KeySchema: [
            { AttributeName: 'idHead', KeyType: 'HASH' },
            { AttributeName: 'taskId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          // Bare `stask ls`: every function and status by UTC day bucket, newest first; keys only, so that
          // heartbeats and transitions never write to it (only the create does).
          IndexName: TASK_TABLE_INDEXES.byCreatedDay,
          KeySchema: [
            { AttributeName: 'createdDay', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });

  it('declares every key attribute as a string', () => {
    // Assess
    const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0];
    const definitions = table?.['Properties'].AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
    expect(Object.fromEntries(definitions.map((d) => [d.AttributeName, d.AttributeType]))).toEqual({
      taskId: 'S',
      status: 'S',
      createdAt: 'S',
      function: 'S',
      idHead: 'S',
      createdDay: 'S',
    });
  });

  it('is retained when removed from the stack by default', () => {
    // Assess
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('honours removalPolicy and deletionProtection', () => {
    // Prepare
    const stack = newTestStack();
    // Act
    new TaskRegistry(stack, 'Registry', { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: true });
    // Assess
    const custom = Template.fromStack(stack);
    custom.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });
});
