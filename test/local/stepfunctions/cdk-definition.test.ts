// What deploys is what runs: a definition synthesized by aws-cdk-lib (stepfunctions-tasks), with its
// intrinsic functions resolved by local/template.ts, registers and runs against the local servers.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { CfnElement } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { resolve, type LocalResource } from '../../../local/template.js';
import { lambdaArn, runToEnd, uniqueName, type Sfn, type Storage } from './harness.js';
import { useStepFunctions } from '../../support/step-functions.js';

let storage: Storage;
let sfnServer: Sfn;
useStepFunctions((started) => ({ storage, sfn: sfnServer } = started));

interface Synthesized {
  readonly definition: string;
  readonly table: string;
  readonly successQueue: string;
  readonly dlq: string;
  readonly validate: string;
  readonly processPart: string;
}

/** Synthesizes a long-lane state machine with CDK and resolves its DefinitionString onto fresh local resources. */
async function synthesize(): Promise<Synthesized> {
  const stack = new Stack(new App(), 'LongLane');
  const table = new dynamodb.Table(stack, 'Tasks', { partitionKey: { name: 'taskId', type: dynamodb.AttributeType.STRING } });
  const code = lambda.Code.fromInline('exports.handler = async () => null');
  const validateFn = new lambda.Function(stack, 'Validate', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
  const partFn = new lambda.Function(stack, 'Part', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
  const success = new sqs.Queue(stack, 'Success');
  const dlq = new sqs.Queue(stack, 'DeadLetters');

  const markRunning = new tasks.DynamoUpdateItem(stack, 'Mark running', {
    table,
    key: { taskId: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.taskId')) },
    updateExpression: 'SET #status = :running',
    expressionAttributeNames: { '#status': 'status' },
    expressionAttributeValues: { ':running': tasks.DynamoAttributeValue.fromString('RUNNING') },
    resultPath: sfn.JsonPath.DISCARD,
  });
  const validate = new tasks.LambdaInvoke(stack, 'Validate input', { lambdaFunction: validateFn, resultSelector: { 'parts.$': '$.Payload.parts' }, resultPath: '$.validated' });
  const parts = new sfn.Map(stack, 'Process parts', { itemsPath: '$.validated.parts', maxConcurrency: 2, resultPath: '$.results' });
  parts.itemProcessor(new tasks.LambdaInvoke(stack, 'Process part', { lambdaFunction: partFn, payloadResponseOnly: true }));
  const send = new tasks.SqsSendMessage(stack, 'Send success record', {
    queue: success,
    messageBody: sfn.TaskInput.fromObject({ taskId: sfn.JsonPath.stringAt('$.taskId'), results: sfn.JsonPath.objectAt('$.results') }),
    resultPath: sfn.JsonPath.DISCARD,
  });
  const toDlq = new tasks.SqsSendMessage(stack, 'Send to the dead-letter queue', {
    queue: dlq,
    messageBody: sfn.TaskInput.fromJsonPathAt('$.error'),
    resultPath: sfn.JsonPath.DISCARD,
  });
  parts.addCatch(toDlq.next(new sfn.Fail(stack, 'Task failed', { error: 'TaskFailed', cause: 'a part failed' })), { resultPath: '$.error' });
  const chain = markRunning.next(validate).next(parts).next(send).next(new sfn.Succeed(stack, 'Done'));
  new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(chain) });

  const [machine] = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine')) as { Properties: { DefinitionString: unknown } }[];
  const names = { table: await storage.createTable(), successQueue: await storage.createQueue('success'), dlq: await storage.createQueue('dlq') };
  const fnNames = { validate: uniqueName('validate'), processPart: uniqueName('part') };
  const id = (construct: { node: { defaultChild?: unknown } }): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const resources = new Map<string, LocalResource>([
    [id(table), { ref: names.table, attributes: { Arn: `arn:aws:dynamodb:us-east-1:000000000000:table/${names.table}` } }],
    [id(success), { ref: names.successQueue, attributes: { Arn: 'arn:aws:sqs:us-east-1:000000000000:success', QueueUrl: names.successQueue } }],
    [id(dlq), { ref: names.dlq, attributes: { Arn: 'arn:aws:sqs:us-east-1:000000000000:dlq', QueueUrl: names.dlq } }],
    [id(validateFn), { ref: fnNames.validate, attributes: { Arn: lambdaArn(fnNames.validate) } }],
    [id(partFn), { ref: fnNames.processPart, attributes: { Arn: lambdaArn(fnNames.processPart) } }],
  ]);
  const definition = resolve(machine?.Properties.DefinitionString, { region: 'us-east-1', accountId: '000000000000', resources });
  return { definition: String(definition), ...names, ...fnNames };
}

describe('a CDK-synthesized definition', () => {
  it('registers and runs: DynamoUpdateItem, LambdaInvoke, Map of function ARNs, SqsSendMessage, Catch → DLQ', async () => {
    // Prepare
    const s = await synthesize();
    storage.functions.set(s.validate, async (payload) => ({ parts: (payload as { parts: number[] }).parts }));
    storage.functions.set(s.processPart, async (part) => {
      if (part === 13) throw Object.assign(new Error('unlucky part'), { name: 'PartFailed' });
      return `part-${String(part)}-done`;
    });
    const stateMachineArn = sfnServer.server.registerStateMachine(uniqueName('cdk'), s.definition);

    // Act
    const ok = await runToEnd(sfnServer, stateMachineArn, { taskId: 'cdk-1', parts: [1, 2, 3] });
    const failed = await runToEnd(sfnServer, stateMachineArn, { taskId: 'cdk-2', parts: [1, 13] });

    // Assess
    expect(s.definition).toContain('arn:aws:states:::lambda:invoke');
    expect(s.definition).toContain('arn:aws:states:::dynamodb:updateItem');
    expect(ok.status).toBe('SUCCEEDED');
    expect(await storage.item(s.table, { taskId: { S: 'cdk-1' } })).toEqual({ taskId: { S: 'cdk-1' }, status: { S: 'RUNNING' } });
    expect(await storage.drain(s.successQueue)).toEqual([{ taskId: 'cdk-1', results: ['part-1-done', 'part-2-done', 'part-3-done'] }]);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'TaskFailed', cause: 'a part failed' });
    const [dead] = (await storage.drain(s.dlq)) as { Error: string; Cause: string }[];
    expect(dead?.Error).toBe('PartFailed');
    expect(JSON.parse(dead?.Cause ?? '{}')).toMatchObject({ errorType: 'PartFailed', errorMessage: 'unlucky part' });
  });
});
