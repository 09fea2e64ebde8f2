// Task states dispatched by Resource against real local servers: DynamoDB (dynalite), SQS (local-aws-sqs),
// in-process Lambda functions and an injected ECS runner, driven through the SFN API with the AWS SDK.
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import type { EcsRunTaskParams } from '../../../local/stepfunctions/index.js';
import { deferred, lambdaArn, runToEnd, uniqueName, type Sfn, type Storage } from './harness.js';
import { useStepFunctions } from '../../support/step-functions.js';

let storage: Storage;
let sfn: Sfn;
useStepFunctions((started) => ({ storage, sfn } = started));

async function history(client: SFNClient, executionArn: string | undefined): Promise<HistoryEvent[]> {
  return (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The long lane's shape: mark RUNNING → work (retried) → success record; on failure mark FAILED → DLQ → Fail. */
function taskMachine(table: string, successQueue: string, dlq: string, functionName: string): object {
  return {
    Comment: 'A long-lane task',
    StartAt: 'Mark running',
    States: {
      'Mark running': {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Parameters: {
          TableName: table,
          Key: { taskId: { 'S.$': '$.taskId' } },
          UpdateExpression: 'SET #status = :running, attempts = if_not_exists(attempts, :zero) + :one',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':running': { S: 'RUNNING' }, ':zero': { N: '0' }, ':one': { N: '1' } },
        },
        ResultPath: null,
        Next: 'Run the work',
      },
      'Run the work': {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: lambdaArn(functionName), 'Payload.$': '$' },
        ResultSelector: { 'value.$': '$.Payload', 'statusCode.$': '$.StatusCode' },
        ResultPath: '$.work',
        Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Mark failed' }],
        Next: 'Send success record',
      },
      'Send success record': {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: {
          QueueUrl: successQueue,
          MessageBody: { 'taskId.$': '$.taskId', 'result.$': '$.work.value', 'executionArn.$': '$$.Execution.Id' },
        },
        ResultSelector: { 'messageId.$': '$.MessageId' },
        ResultPath: '$.sent',
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
      'Mark failed': {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Parameters: {
          TableName: table,
          Key: { taskId: { 'S.$': '$.taskId' } },
          UpdateExpression: 'SET #status = :failed, errorType = :error',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':failed': { S: 'FAILED' }, ':error': { 'S.$': '$.error.Error' } },
        },
        ResultPath: null,
        Next: 'Send to the dead-letter queue',
      },
      'Send to the dead-letter queue': {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl: dlq, MessageBody: { 'taskId.$': '$.taskId', 'error.$': '$.error' } },
        ResultPath: null,
        Next: 'Task failed',
      },
      'Task failed': { Type: 'Fail', Error: 'TaskFailed', Cause: 'the work failed; see the dead-letter queue' },
    },
  };
}

describe('Task dispatch by Resource', () => {
  it('runs DynamoDB updateItem → Lambda invoke (retried once) → SQS sendMessage → Succeed, with AWS-shaped history', async () => {
    // Prepare: the work fails once with a retried error, then succeeds.
    const [table, successQueue, dlq] = await Promise.all([storage.createTable(), storage.createQueue('success'), storage.createQueue('dlq')]);
    const fn = uniqueName('work');
    const payloads: unknown[] = [];
    storage.functions.set(fn, async (payload) => {
      payloads.push(payload);
      if (payloads.length === 1) throw new NamedError('Flaky', 'first attempt fails');
      return { rows: 42 };
    });
    const arn = sfn.server.registerStateMachine(uniqueName('happy'), taskMachine(table, successQueue, dlq, fn));

    // Act
    const out = await runToEnd(sfn, arn, { taskId: 't-1', size: 3 }, 't-1');
    const events = await history(sfn.client, out.executionArn);

    // Assess: status and output
    expect(out.status).toBe('SUCCEEDED');
    const output = JSON.parse(out.output ?? '{}') as Record<string, unknown>;
    expect(output).toMatchObject({ taskId: 't-1', size: 3, work: { value: { rows: 42 }, statusCode: 200 } });
    expect(output.sent).toEqual({ messageId: expect.any(String) });
    expect(payloads).toEqual([{ taskId: 't-1', size: 3 }, { taskId: 't-1', size: 3 }]);
    // the DynamoDB item and the SQS messages
    expect(await storage.item(table, { taskId: { S: 't-1' } })).toEqual({ taskId: { S: 't-1' }, status: { S: 'RUNNING' }, attempts: { N: '1' } });
    expect(await storage.drain(successQueue)).toEqual([{ taskId: 't-1', result: { rows: 42 }, executionArn: out.executionArn }]);
    expect(await storage.drain(dlq)).toEqual([]);
    // the history: AWS's event types, in order, numbered, each pointing at the one before
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.slice(1).every((e, i) => e.previousEventId === i + 1)).toBe(true);
    expect(events.every((e) => e.timestamp instanceof Date && Math.abs(e.timestamp.getTime() - Date.now()) < 60_000)).toBe(true);
    expect(events.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails?.name)).toEqual([
      'Mark running',
      'Run the work',
      'Send success record',
    ]);
    expect(events[0]?.executionStartedEventDetails?.input).toBe(JSON.stringify({ taskId: 't-1', size: 3 }));
    const scheduled = events.find((e) => e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.resourceType === 'lambda');
    expect(scheduled?.taskScheduledEventDetails).toMatchObject({ resource: 'invoke', region: 'us-east-1' });
    expect(JSON.parse(scheduled?.taskScheduledEventDetails?.parameters ?? '{}')).toEqual({ FunctionName: lambdaArn(fn), Payload: { taskId: 't-1', size: 3 } });
    expect(events.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({ resourceType: 'lambda', resource: 'invoke', error: 'Flaky' });
    expect(JSON.parse(events.at(-1)?.executionSucceededEventDetails?.output ?? '{}')).toEqual(output);
  });

  it('catches a failed Lambda: marks the item FAILED, sends the error to the DLQ and fails the execution', async () => {
    // Prepare: the work always fails with an error no retrier matches.
    const [table, successQueue, dlq] = await Promise.all([storage.createTable(), storage.createQueue('success'), storage.createQueue('dlq')]);
    const fn = uniqueName('work');
    let calls = 0;
    storage.functions.set(fn, async () => {
      calls++;
      throw new NamedError('Fatal', 'the input cannot be processed');
    });
    const arn = sfn.server.registerStateMachine(uniqueName('sad'), taskMachine(table, successQueue, dlq, fn));

    // Act
    const out = await runToEnd(sfn, arn, { taskId: 't-2' });
    const events = await history(sfn.client, out.executionArn);

    // Assess
    expect(out.status).toBe('FAILED');
    expect(out.error).toBe('TaskFailed');
    expect(out.cause).toBe('the work failed; see the dead-letter queue');
    expect(calls).toBe(1);
    expect(await storage.item(table, { taskId: { S: 't-2' } })).toMatchObject({ status: { S: 'FAILED' }, errorType: { S: 'Fatal' } });
    const [record] = (await storage.drain(dlq)) as { taskId: string; error: { Error: string; Cause: string } }[];
    expect(record?.taskId).toBe('t-2');
    expect(record?.error.Error).toBe('Fatal');
    // The cause is Lambda's error JSON, as Step Functions passes it.
    expect(JSON.parse(record?.error.Cause ?? '{}')).toMatchObject({ errorType: 'Fatal', errorMessage: 'the input cannot be processed', trace: expect.any(Array) });
    expect(await storage.drain(successQueue)).toEqual([]);
    const types = events.map((e) => e.type);
    expect(types.slice(8, 12)).toEqual(['TaskStarted', 'TaskFailed', 'TaskStateExited', 'TaskStateEntered']);
    expect(types.slice(-7)).toEqual(['TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'TaskStateExited', 'FailStateEntered', 'ExecutionFailed']);
    expect(events.at(-1)?.executionFailedEventDetails).toEqual({ error: 'TaskFailed', cause: 'the work failed; see the dead-letter queue' });
  });

  it('surfaces Lambda errors by name, so ErrorEquals matches the function error type', async () => {
    // Prepare
    const fn = uniqueName('slow');
    storage.functions.set(fn, async () => {
      throw new NamedError('Timeout', 'gave up');
    });
    const arn = sfn.server.registerStateMachine(uniqueName('named-errors'), {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: lambdaArn(fn), // a plain function ARN: the result is the function's return value
          Catch: [
            { ErrorEquals: ['Timeout'], ResultPath: '$.caught', Next: 'Timed out' },
            { ErrorEquals: ['States.ALL'], Next: 'Other error' },
          ],
          End: true,
        },
        'Timed out': { Type: 'Pass', End: true },
        'Other error': { Type: 'Fail', Error: 'Unexpected' },
      },
    });

    // Act
    const out = await runToEnd(sfn, arn, {});
    const events = await history(sfn.client, out.executionArn);

    // Assess
    expect(out.status).toBe('SUCCEEDED');
    expect(JSON.parse(out.output ?? '{}')).toMatchObject({ caught: { Error: 'Timeout' } });
    expect(events.map((e) => e.type)).toContain('LambdaFunctionFailed');
    expect(events.find((e) => e.type === 'LambdaFunctionFailed')?.lambdaFunctionFailedEventDetails?.error).toBe('Timeout');
    expect(events.find((e) => e.type === 'PassStateEntered')?.stateEnteredEventDetails?.name).toBe('Timed out');
  });

  it("invokes asynchronously with InvocationType Event: 202 at once, the function runs on its own", async () => {
    // Prepare
    const fn = uniqueName('fire-and-forget');
    const received: unknown[] = [];
    const gate = deferred();
    storage.functions.set(fn, async (payload) => {
      await gate.promise;
      received.push(payload);
      return 'ignored';
    });
    const arn = sfn.server.registerStateMachine(uniqueName('event-invoke'), {
      StartAt: 'Notify',
      States: {
        Notify: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: fn, InvocationType: 'Event', 'Payload.$': '$' }, End: true },
      },
    });

    // Act
    const out = await runToEnd(sfn, arn, { note: 'hello' });
    gate.resolve();
    await new Promise((r) => setTimeout(r, 20));

    // Assess
    expect(out.status).toBe('SUCCEEDED');
    expect(JSON.parse(out.output ?? '{}')).toMatchObject({ StatusCode: 202, Payload: '' });
    expect(received).toEqual([{ note: 'hello' }]);
  });

  it('reports a failed DynamoDB condition as DynamoDB.ConditionalCheckFailedException', async () => {
    // Prepare: the item exists, and the machine claims it only if it does not.
    const table = await storage.createTable();
    const claim = {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Parameters: { TableName: table, Item: { taskId: { 'S.$': '$.taskId' } }, ConditionExpression: 'attribute_not_exists(taskId)' },
      ResultPath: null,
    };
    const arn = sfn.server.registerStateMachine(uniqueName('claim'), {
      StartAt: 'Claim',
      States: {
        Claim: { ...claim, Next: 'Claim again' },
        'Claim again': { ...claim, Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: '$.conflict', Next: 'Already claimed' }], Next: 'Not expected' },
        'Already claimed': { Type: 'Pass', End: true },
        'Not expected': { Type: 'Fail' },
      },
    });

    // Act
    const out = await runToEnd(sfn, arn, { taskId: 'dup' });

    // Assess
    expect(out.status).toBe('SUCCEEDED');
    const conflict = (JSON.parse(out.output ?? '{}') as { conflict: { Error: string; Cause: string } }).conflict;
    expect(conflict.Error).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(conflict.Cause).toContain('Error Code: ConditionalCheckFailedException');
    expect(await storage.item(table, { taskId: { S: 'dup' } })).toEqual({ taskId: { S: 'dup' } });
  });

  it('runs ecs:runTask.sync through the injected runner: exit 0 succeeds, exit 1 fails with States.TaskFailed', async () => {
    // Prepare: the runner exits with the code the task's command asks for.
    const seen: EcsRunTaskParams[] = [];
    const signals: AbortSignal[] = [];
    storage.ecs = {
      run: async (params, signal) => {
        seen.push(params);
        signals.push(signal);
        const command = params.Overrides?.ContainerOverrides?.[0]?.Command ?? [];
        return { exitCode: Number(command.at(-1)), taskArn: `arn:aws:ecs:us-east-1:000000000000:task/local/${seen.length}` };
      },
    };
    const arn = sfn.server.registerStateMachine(uniqueName('fargate'), {
      StartAt: 'Transcode',
      States: {
        Transcode: {
          Type: 'Task',
          Resource: 'arn:aws:states:::ecs:runTask.sync',
          Parameters: {
            Cluster: 'arn:aws:ecs:us-east-1:000000000000:cluster/local',
            TaskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/transcode:1',
            LaunchType: 'FARGATE',
            NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ['subnet-1'], AssignPublicIp: 'DISABLED' } },
            Overrides: {
              ContainerOverrides: [
                {
                  Name: 'ffmpeg',
                  'Command.$': "States.Array('transcode', $.exit)",
                  Environment: [{ Name: 'TASK_ID', 'Value.$': '$.taskId' }],
                },
              ],
            },
          },
          ResultSelector: { 'taskArn.$': '$.TaskArn', 'exitCode.$': '$.Containers[0].ExitCode' },
          End: true,
        },
      },
    });

    // Act
    const ok = await runToEnd(sfn, arn, { taskId: 'video-1', exit: '0' });
    const failed = await runToEnd(sfn, arn, { taskId: 'video-2', exit: '1' });
    const events = await history(sfn.client, failed.executionArn);

    // Assess
    expect(ok.status).toBe('SUCCEEDED');
    expect(JSON.parse(ok.output ?? '{}')).toEqual({ taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/local/1', exitCode: 0 });
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('States.TaskFailed');
    expect(JSON.parse(failed.cause ?? '{}')).toMatchObject({ LastStatus: 'STOPPED', TaskArn: 'arn:aws:ecs:us-east-1:000000000000:task/local/2', Containers: [{ Name: 'ffmpeg', ExitCode: 1 }] });
    expect(seen[1]).toMatchObject({
      TaskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/transcode:1',
      LaunchType: 'FARGATE',
      Overrides: { ContainerOverrides: [{ Name: 'ffmpeg', Command: ['transcode', '1'], Environment: [{ Name: 'TASK_ID', Value: 'video-2' }] }] },
    });
    expect(signals.every((s) => s instanceof AbortSignal)).toBe(true);
    expect(events.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails).toMatchObject({ resourceType: 'ecs', resource: 'runTask.sync' });
    expect(events.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails?.error).toBe('States.TaskFailed');
  });

  it('runs a Map state over the items, calling the Lambda at most MaxConcurrency at a time, results in order', async () => {
    // Prepare
    const fn = uniqueName('square');
    let active = 0;
    let peak = 0;
    storage.functions.set(fn, async (payload) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 20));
      active--;
      const { n } = payload as { n: number };
      return n * n;
    });
    const arn = sfn.server.registerStateMachine(uniqueName('map'), {
      StartAt: 'Each item',
      States: {
        'Each item': {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 2,
          ItemSelector: { 'n.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'Square',
            States: {
              Square: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke',
                Parameters: { FunctionName: fn, 'Payload.$': '$' },
                OutputPath: '$.Payload',
                End: true,
              },
            },
          },
          ResultPath: '$.squares',
          End: true,
        },
      },
    });

    // Act
    const out = await runToEnd(sfn, arn, { items: [1, 2, 3, 4, 5, 6] });
    const events = await history(sfn.client, out.executionArn);

    // Assess
    expect(out.status).toBe('SUCCEEDED');
    expect(JSON.parse(out.output ?? '{}')).toEqual({ items: [1, 2, 3, 4, 5, 6], squares: [1, 4, 9, 16, 25, 36] });
    expect(peak).toBe(2);
    const types = events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['ExecutionStarted', 'MapStateEntered', 'MapStateStarted']);
    expect(events.find((e) => e.type === 'MapStateStarted')?.mapStateStartedEventDetails?.length).toBe(6);
    expect(types.filter((t) => t === 'MapIterationStarted')).toHaveLength(6);
    expect(types.filter((t) => t === 'MapIterationSucceeded')).toHaveLength(6);
    expect(types.filter((t) => t === 'TaskSucceeded')).toHaveLength(6);
    expect(events.filter((e) => e.type === 'MapIterationSucceeded').map((e) => e.mapIterationSucceededEventDetails?.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(types.slice(-3)).toEqual(['MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
  });

  it('runs Choice, Parallel and Wait states (wait shortened by the override) with their AWS event types', async () => {
    // Prepare
    const fn = uniqueName('branch');
    storage.functions.set(fn, async (payload) => ({ doubled: (payload as { n: number }).n * 2 }));
    const arn = sfn.server.registerStateMachine(uniqueName('parallel'), {
      StartAt: 'Route',
      States: {
        Route: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 0, Next: 'Both' }], Default: 'Nothing to do' },
        'Nothing to do': { Type: 'Succeed' },
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Double', States: { Double: { Type: 'Task', Resource: lambdaArn(fn), End: true } } },
            { StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 3600, Next: 'Tag' }, Tag: { Type: 'Pass', Result: 'waited', End: true } } },
          ],
          ResultPath: '$.branches',
          End: true,
        },
      },
    });

    // Act
    const out = await runToEnd(sfn, arn, { n: 21 });
    const types = (await history(sfn.client, out.executionArn)).map((e) => e.type);

    // Assess
    expect(out.status).toBe('SUCCEEDED');
    expect(JSON.parse(out.output ?? '{}')).toEqual({ n: 21, branches: [{ doubled: 42 }, 'waited'] });
    expect(types.slice(0, 5)).toEqual(['ExecutionStarted', 'ChoiceStateEntered', 'ChoiceStateExited', 'ParallelStateEntered', 'ParallelStateStarted']);
    expect(types).toEqual(expect.arrayContaining(['LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'WaitStateEntered', 'WaitStateExited']));
    expect(types.slice(-3)).toEqual(['ParallelStateSucceeded', 'ParallelStateExited', 'ExecutionSucceeded']);
  });

  it('fails the execution, past any Catch, on a Resource it cannot run, naming the Resource', async () => {
    // Prepare
    const arn = sfn.server.registerStateMachine(uniqueName('unsupported'), {
      StartAt: 'Notify',
      States: {
        Notify: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sns:publish',
          Parameters: { TopicArn: 'arn:aws:sns:us-east-1:000000000000:topic', Message: 'hello' },
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Swallowed' }],
          End: true,
        },
        Swallowed: { Type: 'Succeed' },
      },
    });

    // Act
    const out = await runToEnd(sfn, arn, {});

    // Assess
    expect(out.status).toBe('FAILED');
    expect(out.error).toBe('States.Runtime');
    expect(out.cause).toContain('arn:aws:states:::sns:publish');
    expect(out.cause).toContain('cannot run locally');
  });

  it('times a Task out after its TimeoutSeconds with States.Timeout and aborts its work', async () => {
    // Prepare
    const fn = uniqueName('hangs');
    let aborted = false;
    storage.functions.set(
      fn,
      (_payload, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          }),
        ),
    );
    const arn = sfn.server.registerStateMachine(uniqueName('timeout'), {
      StartAt: 'Slow',
      States: {
        Slow: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: fn, Payload: {} },
          TimeoutSeconds: 1,
          // States.TaskFailed does not match a timeout (as on AWS); States.Timeout does.
          Catch: [
            { ErrorEquals: ['States.TaskFailed'], Next: 'Wrong catcher' },
            { ErrorEquals: ['States.Timeout'], Next: 'Gave up' },
          ],
          End: true,
        },
        'Wrong catcher': { Type: 'Fail' },
        'Gave up': { Type: 'Pass', End: true },
      },
    });

    // Act
    const out = await runToEnd(sfn, arn, {});
    const events = await history(sfn.client, out.executionArn);

    // Assess
    expect(out.status).toBe('SUCCEEDED');
    expect(aborted).toBe(true);
    expect(events.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails).toMatchObject({ resourceType: 'lambda', error: 'States.Timeout' });
    expect(events.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails?.timeoutInSeconds).toBe(1);
    expect(events.find((e) => e.type === 'PassStateEntered')?.stateEnteredEventDetails?.name).toBe('Gave up');
  });
});
