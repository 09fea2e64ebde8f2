import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { describe, expect, it } from 'vitest';
import { ShortTask } from '../../lib/constructs/short-task.js';
import { TaskSweeper } from '../../lib/constructs/task-sweeper.js';
import type { Platform } from '../../local/platform.js';
import { INERT_TYPES, provisionStack } from '../../local/provisioner.js';
import { readTemplate, type CfnTemplate } from '../../local/template.js';
import { usePlatform } from '../support/embedded-platform.js';
import { addTaskFoundation, addTaskFunctionsOutput } from '../support/task-stack.js';

// A stack with every resource type the project uses, state machine included, provisioned completely.
let cdkOut: string;
let platform: Platform;

function synthEveryType(outdir: string): void {
  const app = new App({ outdir });
  const stack = new Stack(app, 'EveryType');
  const { registry, destinations, payloadStore } = addTaskFoundation(stack);
  new TaskSweeper(stack, 'TaskSweeper', { table: registry.table });
  const task = new ShortTask(stack, 'Misbehave', {
    taskName: 'misbehave',
    entry: 'test/local/fixtures/misbehave-handler.ts',
    table: registry.table,
    successQueue: destinations.successQueue,
    failureQueue: destinations.failureQueue,
    payloadBucket: payloadStore.bucket,
    timeout: Duration.seconds(10),
  });
  const results = new sqs.Queue(stack, 'Results', { enforceSSL: true });
  const definition = new tasks.DynamoPutItem(stack, 'Record the start', {
    table: registry.table,
    item: {
      taskId: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.taskId')),
      status: tasks.DynamoAttributeValue.fromString('RUNNING'),
    },
    resultPath: sfn.JsonPath.DISCARD,
  })
    .next(new tasks.SqsSendMessage(stack, 'Send the result', { queue: results, messageBody: sfn.TaskInput.fromJsonPathAt('$.taskId'), resultPath: sfn.JsonPath.DISCARD }))
    .next(new sfn.Succeed(stack, 'Done'));
  const machine = new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(definition) });
  new CfnOutput(stack, 'MachineArn', { value: machine.stateMachineArn });
  new CfnOutput(stack, 'ResultsUrl', { value: results.queueUrl });
  addTaskFunctionsOutput(stack, { misbehave: { functionName: task.function.functionName, maxAttempts: 3 } });
  app.synth();
}

usePlatform(
  { synth: synthEveryType, tempPrefix: 'cdk-out-every-type-', platform: { stackName: 'EveryType', functionEnv: { POWERTOOLS_LOG_LEVEL: 'SILENT' } } },
  (started) => ({ platform, cdkOut } = started),
);

describe('the template reader', () => {
  it('provisions every resource of a stack that uses every type the project uses, and says what serves it', () => {
    const template = readTemplate(cdkOut, 'EveryType');
    const declared = Object.entries(template.Resources).map(([id, r]) => `${r.Type} ${id}`).sort();
    const types = new Set(Object.values(template.Resources).map((r) => r.Type));

    expect(platform.resources.map((r) => `${r.type} ${r.logicalId}`).sort()).toEqual(declared);
    for (const type of ['AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::Lambda::Function', 'AWS::Lambda::EventInvokeConfig', 'AWS::Events::Rule', 'AWS::StepFunctions::StateMachine', 'AWS::IAM::Role', 'AWS::IAM::Policy']) {
      expect(types.has(type), type).toBe(true);
    }
    for (const r of platform.resources) {
      expect(r.servedBy === 'inert locally').toBe(INERT_TYPES.has(r.type));
    }
  });

  it('runs the synthesized state machine on the local Step Functions API, its tasks on the local table and queue', async () => {
    const client = new SFNClient({ endpoint: platform.endpoints.sfn, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: platform.outputs.MachineArn, name: 'exec-1', input: JSON.stringify({ taskId: 'sm_task' }) }));
    let status = 'RUNNING';
    for (let i = 0; i < 100 && status === 'RUNNING'; i++) {
      status = (await client.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'RUNNING';
      if (status === 'RUNNING') await new Promise((resolve) => setTimeout(resolve, 100));
    }

    expect(status).toBe('SUCCEEDED');
    const item = await platform.servers.dynamo.client.send(new GetItemCommand({ TableName: platform.outputs.TaskTableName, Key: { taskId: { S: 'sm_task' } } }));
    expect(item.Item?.status?.S).toBe('RUNNING');
    const messages = await platform.servers.sqs.client.send(new ReceiveMessageCommand({ QueueUrl: platform.outputs.ResultsUrl }));
    expect(messages.Messages?.map((m) => m.Body)).toEqual(['sm_task']);
  });

  it('provisions again over existing resources (a restart) without error', async () => {
    const template = readTemplate(cdkOut, 'EveryType');
    const clients = { dynamodb: platform.servers.dynamo.client, sqs: platform.servers.sqs.client, s3: platform.servers.s3.client };
    await platform.servers.dynamo.client.send(new PutItemCommand({ TableName: platform.outputs.TaskTableName, Item: { taskId: { S: 'kept' } } }));

    const again = await provisionStack({ template, cdkOut, clients });

    expect(again.resources).toHaveLength(platform.resources.length);
    const kept = await platform.servers.dynamo.client.send(new GetItemCommand({ TableName: platform.outputs.TaskTableName, Key: { taskId: { S: 'kept' } } }));
    expect(kept.Item).toBeDefined();
  });

  it('refuses a resource type it does not know, naming it, and a schedule it cannot serve', async () => {
    const template = readTemplate(cdkOut, 'EveryType');
    const clients = { dynamodb: platform.servers.dynamo.client, sqs: platform.servers.sqs.client, s3: platform.servers.s3.client };
    const withUnknown: CfnTemplate = { Resources: { ...template.Resources, Mystery: { Type: 'AWS::Foo::Bar' }, Other: { Type: 'AWS::AppSync::GraphQLApi' } } };
    await expect(provisionStack({ template: withUnknown, cdkOut, clients })).rejects.toThrow(
      'the template declares resource types the embedded platform does not know: AWS::Foo::Bar (Mystery), AWS::AppSync::GraphQLApi (Other)',
    );
    const withCron: CfnTemplate = { Resources: { Nightly: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'cron(0 3 * * ? *)', Targets: [] } } } };
    await expect(provisionStack({ template: withCron, cdkOut, clients })).rejects.toThrow('rule Nightly: schedule cron(0 3 * * ? *) is not served locally');
  });
});
