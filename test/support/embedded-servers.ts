// Real local servers for tests of the data path: dynalite (DynamoDB), local-aws-sqs (SQS) and s3rver (S3),
// each on an ephemeral loopback port. No SDK mocks.
import { CreateTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TaskRegistry as TaskRegistryConstruct } from '../../lib/constructs/task-registry.js';
import { createTableInputFromCfn, type CfnTableProperties } from '../../local/provision/dynamodb-table.js';

import type { EmbeddedDynamo } from '../../local/servers.js';

export { startDynalite, startS3, startSqs, type EmbeddedDynamo, type EmbeddedS3, type EmbeddedSqs } from '../../local/servers.js';

let cachedTableProps: CfnTableProperties | undefined;

/** The task table's properties as the TaskRegistry construct synthesizes them: tests use the deployed schema. */
export function taskTableCfnProperties(): CfnTableProperties {
  if (!cachedTableProps) {
    const stack = new Stack(new App(), 'RegistrySchema');
    new TaskRegistryConstruct(stack, 'Registry');
    const tables = Template.fromStack(stack).findResources('AWS::DynamoDB::Table');
    const [table] = Object.values(tables) as { Properties: CfnTableProperties }[];
    if (!table) throw new Error('TaskRegistry synthesized no AWS::DynamoDB::Table');
    cachedTableProps = table.Properties;
  }
  return cachedTableProps;
}

let tableCounter = 0;

/** Creates a fresh task table (unique name) on the embedded DynamoDB. */
export async function createTaskTable(dynamo: EmbeddedDynamo): Promise<string> {
  const name = `tasks-${process.pid}-${++tableCounter}`;
  await dynamo.client.send(new CreateTableCommand(createTableInputFromCfn(name, taskTableCfnProperties())));
  // dynalite creates tables asynchronously even with createTableMs 0: wait until ACTIVE, as against AWS.
  await waitUntilTableExists({ client: dynamo.client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: name });
  return name;
}

