import { Duration } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CONDITION_FAILED,
  LONG_TASK_STATES,
  LongTask,
  MAX_LONG_TASK_TIMEOUT,
  STATE_MACHINE_TIMEOUT_MARGIN,
  TRANSIENT_WORK_ERRORS,
} from '../../lib/constructs/long-task.js';
import { DEFAULTS } from '../../functions/core/facts.js';
import type { LongTaskProps, LongTaskWork } from '../../lib/constructs/long-task.js';
import { TaskDestinations } from '../../lib/constructs/task-destinations.js';
import { TaskRegistry } from '../../lib/constructs/task-registry.js';
import { actionsOf, aslOf, logicalIdOf, newTestStack, resourcesOf, statementsOfRole } from './support.js';
import type { AslDefinition, AslState } from './support.js';

const S = LONG_TASK_STATES;

interface Fixture {
  stack: Stack;
  props: Omit<LongTaskProps, 'work'>;
  ids: { table: string; success: string; failure: string; taskDefinition?: string; cluster?: string };
}

function prepare(): Fixture {
  const stack = newTestStack();
  const registry = new TaskRegistry(stack, 'Registry');
  const destinations = new TaskDestinations(stack, 'Destinations');
  return {
    stack,
    props: {
      taskName: 'long-demo',
      table: registry.table,
      successQueue: destinations.successQueue,
      failureQueue: destinations.failureQueue,
    },
    ids: {
      table: logicalIdOf(registry.table),
      success: logicalIdOf(destinations.successQueue),
      failure: logicalIdOf(destinations.failureQueue),
    },
  };
}

/** A Fargate work target: VPC, cluster, task definition with one container. */
function fargateWork(stack: Stack): LongTaskWork & { fargate: { taskDefinition: ecs.FargateTaskDefinition; cluster: ecs.ICluster } } {
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1, restrictDefaultSecurityGroup: false });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'TaskDef', { cpu: 1024, memoryLimitMiB: 2048 });
  const containerDefinition = taskDefinition.addContainer('Worker', {
    containerName: 'worker',
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest'),
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'demo' }),
  });
  return { fargate: { cluster, taskDefinition, containerDefinition, environment: { WORKER_MODE: 'demo' } } };
}

function lambdaWork(stack: Stack, timeout = Duration.minutes(3)): { lambda: lambda.Function } {
  return {
    lambda: new lambda.Function(stack, 'Worker', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      timeout,
    }),
  };
}

const envOf = (state: AslState): Record<string, unknown> => {
  const overrides = (state.Parameters?.['Overrides'] as { ContainerOverrides: { Environment: Record<string, unknown>[] }[] })
    .ContainerOverrides[0]!.Environment;
  return Object.fromEntries(overrides.map((e) => [e['Name'], e['Value'] ?? { path: e['Value.$'] }]));
};

describe('LongTask with Fargate work', () => {
  let template: Template;
  let task: LongTask;
  let asl: AslDefinition;
  let ids: Fixture['ids'];

  beforeAll(() => {
    // Prepare
    const fixture = prepare();
    const work = fargateWork(fixture.stack);
    ids = { ...fixture.ids, taskDefinition: logicalIdOf(work.fargate.taskDefinition), cluster: logicalIdOf(work.fargate.cluster) };
    // Act
    task = new LongTask(fixture.stack, 'Long', { ...fixture.props, work });
    template = Template.fromStack(fixture.stack);
    asl = aslOf(template, logicalIdOf(task.stateMachine));
  });

  it('is one Standard state machine with JSONPath, X-Ray tracing and ALL-level logs without execution data', () => {
    // Assess
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalIdOf(task.logGroup), 'Arn'] } } }],
      },
    });
    expect(asl.QueryLanguage).toBe('JSONPath');
    expect(JSON.stringify(asl)).not.toContain('JSONata');
    expect(JSON.stringify(asl)).not.toContain('{%');
  });

  it('has the readable states, in order, on both paths', () => {
    // Assess
    expect(Object.keys(asl.States).sort()).toEqual(Object.values(S).sort());
    expect(asl.StartAt).toBe(S.markRunning);
    const next = (name: string) => asl.States[name]?.Next;
    expect(next(S.markRunning)).toBe(S.runWork);
    expect(next(S.runWork)).toBe(S.markSucceeded);
    expect(next(S.markSucceeded)).toBe(S.sendSuccess);
    expect(next(S.sendSuccess)).toBe(S.done);
    expect(asl.States[S.done]?.Type).toBe('Succeed');
    expect(next(S.markFailed)).toBe(S.sendFailure);
    expect(next(S.sendFailure)).toBe(S.failed);
    expect(asl.States[S.failed]).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('marks the task RUNNING once, from QUEUED or RETRYING only, and ends quietly when it is taken', () => {
    // Assess
    const mark = asl.States[S.markRunning]!;
    expect(mark.Resource).toBe('arn:<Ref:AWS::Partition>:states:::dynamodb:updateItem');
    expect(mark.Parameters).toMatchObject({
      TableName: `<Ref:${ids.table}>`,
      Key: { taskId: { 'S.$': '$.taskId' } },
      ConditionExpression: '#status IN (:queued, :retrying)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':running': { S: 'RUNNING' },
        ':queued': { S: 'QUEUED' },
        ':retrying': { S: 'RETRYING' },
        ':executionRef': { 'S.$': '$$.Execution.Id' },
        ':now': { 'S.$': '$$.State.EnteredTime' },
        ':attemptRefs': { L: [{ 'S.$': '$$.Execution.Id' }] },
        ':event': {
          L: [
            {
              M: {
                status: { S: 'RUNNING' },
                at: { 'S.$': '$$.State.EnteredTime' },
                detail: { 'S.$': "States.Format('execution {} started', $$.Execution.Name)" },
              },
            },
          ],
        },
      },
    });
    const update = mark.Parameters?.['UpdateExpression'] as string;
    for (const clause of [
      '#status = :running',
      'executionRef = :executionRef',
      'startedAt = :now',
      'heartbeatAt = :now',
      'updatedAt = :now',
      '#attempts = if_not_exists(#attempts, :zero) + :one',
      'events = list_append(if_not_exists(events, :empty), :event)',
      'attemptRefs = list_append(if_not_exists(attemptRefs, :empty), :attemptRefs)',
    ]) {
      expect(update).toContain(clause);
    }
    expect(mark.ResultPath).toBeNull();
    expect(mark.Catch).toEqual([{ ErrorEquals: [CONDITION_FAILED], ResultPath: '$.error', Next: S.alreadyHandled }]);
    expect(asl.States[S.alreadyHandled]?.Type).toBe('Succeed');
    expect(mark.Retry?.flatMap((r) => r.ErrorEquals)).not.toContain(CONDITION_FAILED);
  });

  it('runs the work with ecs:runTask.sync, a 24-hour TimeoutSeconds and no HeartbeatSeconds', () => {
    // Assess
    const run = asl.States[S.runWork]!;
    expect(run.Resource).toBe('arn:<Ref:AWS::Partition>:states:::ecs:runTask.sync');
    expect(run.TimeoutSeconds).toBe(DEFAULTS.longTaskTimeoutSeconds);
    expect(DEFAULTS.longTaskTimeoutSeconds).toBe(24 * 3600);
    expect(run.HeartbeatSeconds).toBeUndefined();
    expect(run.ResultPath).toBeNull();
    expect(run.Parameters).toMatchObject({ LaunchType: 'FARGATE', EnableExecuteCommand: false });
    expect(run.Parameters?.['NetworkConfiguration']).toMatchObject({ AwsvpcConfiguration: { Subnets: expect.any(Array) } });
  });

  it('passes the task to the container through environment overrides', () => {
    // Assess
    const env = envOf(asl.States[S.runWork]!);
    expect(env).toEqual({
      TASK_ID: { path: '$.taskId' },
      TASK_NAME: 'long-demo',
      TASK_PAYLOAD: { path: 'States.JsonToString($.payload)' },
      EXECUTION_REF: { path: '$$.Execution.Id' },
      TASK_TABLE_NAME: `<Ref:${ids.table}>`,
      WORKER_MODE: 'demo',
    });
  });

  it('retries transient ECS and Lambda service errors with backoff and jitter, never States.TaskFailed', () => {
    // Assess
    const retry = asl.States[S.runWork]!.Retry!;
    expect(retry).toEqual([
      {
        ErrorEquals: [...TRANSIENT_WORK_ERRORS],
        IntervalSeconds: 10,
        BackoffRate: 2,
        MaxAttempts: 3,
        JitterStrategy: 'FULL',
      },
    ]);
    const retried = retry.flatMap((r) => r.ErrorEquals);
    for (const error of ['States.TaskFailed', 'States.ALL', 'States.Timeout']) expect(retried).not.toContain(error);
  });

  it('catches every failure of the work into the FAILED path, keeping the error at $.error', () => {
    // Assess
    expect(asl.States[S.runWork]?.Catch).toEqual([
      // A stopped container's States.TaskFailed first gets its short reason (issue 8), then the FAILED path.
      { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: S.isStoppedContainer },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.markFailed },
    ]);
    const failed = asl.States[S.markFailed]!;
    expect(failed.Parameters).toMatchObject({
      ConditionExpression: '#status = :running AND executionRef = :executionRef',
      ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
      ExpressionAttributeValues: {
        ':failed': { S: 'FAILED' },
        ':error': { M: { type: { 'S.$': '$.error.Error' }, message: { 'S.$': '$.error.Cause' } } },
        ':expiresAt': { 'N.$': "States.Format('{}', $$.Execution.Input.expiresAt)" },
      },
    });
    expect(failed.Parameters?.['UpdateExpression']).toContain('#error = if_not_exists(#error, :error)');
    expect(failed.Parameters?.['UpdateExpression']).toContain('endedAt = :now');
    // The TTL counts from the end, as in the short lane (issue 7): the invoker's expiresAt of the input.
    expect(failed.Parameters?.['UpdateExpression']).toContain('expiresAt = :expiresAt');
    // Not RUNNING any more: whoever changed it owns the record; the execution just fails.
    expect(failed.Catch).toEqual([{ ErrorEquals: [CONDITION_FAILED], ResultPath: null, Next: S.failed }]);
  });

  it('marks SUCCEEDED only while RUNNING under this execution, else fails without a record', () => {
    // Assess
    const succeeded = asl.States[S.markSucceeded]!;
    expect(succeeded.Parameters).toMatchObject({
      ConditionExpression: '#status = :running AND executionRef = :executionRef',
      ExpressionAttributeValues: {
        ':succeeded': { S: 'SUCCEEDED' },
        ':progress': { M: { percent: { N: '100' } } },
        ':expiresAt': { 'N.$': "States.Format('{}', $$.Execution.Input.expiresAt)" },
      },
    });
    expect(succeeded.Parameters?.['UpdateExpression']).toContain('#progress = :progress');
    expect(succeeded.Parameters?.['UpdateExpression']).toContain('expiresAt = :expiresAt');
    expect(succeeded.Catch).toEqual([{ ErrorEquals: [CONDITION_FAILED], ResultPath: '$.error', Next: S.notRecorded }]);
    expect(asl.States[S.notRecorded]).toMatchObject({ Type: 'Fail', Error: 'TaskNoLongerRunning' });
  });

  it("sends AWS Lambda's destination record to the success queue", () => {
    // Assess
    const send = asl.States[S.sendSuccess]!;
    expect(send.Resource).toBe('arn:<Ref:AWS::Partition>:states:::sqs:sendMessage');
    expect(send.Parameters).toEqual({
      QueueUrl: `<Ref:${ids.success}>`,
      MessageBody: {
        version: '1.0',
        'timestamp.$': '$$.State.EnteredTime',
        requestContext: {
          'requestId.$': '$$.Execution.Id',
          'functionArn.$': '$$.StateMachine.Id',
          condition: 'Success',
          // The real attempt: 1 for a new execution, one more per redrive (issue 7: no hard-coded 1).
          'approximateInvokeCount.$': 'States.MathAdd($$.Execution.RedriveCount, 1)',
        },
        'requestPayload.$': '$$.Execution.Input',
        responseContext: { statusCode: 200, executedVersion: '$LATEST' },
        responsePayload: { 'taskId.$': '$.taskId', status: 'SUCCEEDED' },
        'taskId.$': '$.taskId',
      },
    });
  });

  it("sends AWS Lambda's destination record with the error to the failure queue", () => {
    // Assess
    const send = asl.States[S.sendFailure]!;
    expect(send.Parameters).toEqual({
      QueueUrl: `<Ref:${ids.failure}>`,
      MessageBody: {
        version: '1.0',
        'timestamp.$': '$$.State.EnteredTime',
        requestContext: {
          'requestId.$': '$$.Execution.Id',
          'functionArn.$': '$$.StateMachine.Id',
          condition: 'RetriesExhausted',
          // The real attempt: 1 for a new execution, one more per redrive (issue 7: no hard-coded 1).
          'approximateInvokeCount.$': 'States.MathAdd($$.Execution.RedriveCount, 1)',
        },
        'requestPayload.$': '$$.Execution.Input',
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { 'errorType.$': '$.error.Error', 'errorMessage.$': '$.error.Cause' },
        'taskId.$': '$.taskId',
      },
    });
  });

  it('retries its registry writes and record sends on throttling only, never on a failed condition', () => {
    // Assess
    for (const name of [S.markRunning, S.markSucceeded, S.markFailed, S.sendSuccess, S.sendFailure]) {
      const errors = asl.States[name]!.Retry!.flatMap((r) => r.ErrorEquals);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors).not.toContain(CONDITION_FAILED);
      expect(errors).not.toContain('States.ALL');
    }
  });

  it('lets the state machine update the table, send to both queues and run the task definition only', () => {
    // Assess
    const statements = statementsOfRole(template, logicalIdOf(task.stateMachine.role));
    const byAction = (action: string) => statements.filter((s) => actionsOf(s).includes(action));
    expect(byAction('dynamodb:UpdateItem')).toHaveLength(1);
    expect(JSON.stringify(resourcesOf(byAction('dynamodb:UpdateItem')[0]!))).toContain(ids.table);
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:UpdateItem']);
    expect(resourcesOf(byAction('sqs:SendMessage')[0]!)).toEqual(
      expect.arrayContaining([{ 'Fn::GetAtt': [ids.success, 'Arn'] }, { 'Fn::GetAtt': [ids.failure, 'Arn'] }]),
    );
    // The task definition's ARN, not every revision of its family.
    expect(resourcesOf(byAction('ecs:RunTask')[0]!)).toEqual([{ Ref: ids.taskDefinition }]);
    expect(byAction('iam:PassRole')).toHaveLength(1);
    // No wildcard actions: every action is named.
    expect(statements.flatMap(actionsOf).filter((a) => a.includes('*'))).toEqual([]);
  });

  it("scopes ecs:StopTask and ecs:DescribeTasks to the cluster's tasks (issue 8), not to every resource", () => {
    // Assess
    const statements = statementsOfRole(template, logicalIdOf(task.stateMachine.role));
    const stopAndDescribe = statements.filter((s) => actionsOf(s).includes('ecs:StopTask'));
    expect(stopAndDescribe).toHaveLength(1);
    expect(actionsOf(stopAndDescribe[0]!).sort()).toEqual(['ecs:DescribeTasks', 'ecs:StopTask']);
    const resources = JSON.stringify(resourcesOf(stopAndDescribe[0]!));
    expect(resources).toContain(':task/');
    expect(resources).toContain(`{"Ref":"${ids.cluster ?? ''}"}`);
    expect(statements.filter((s) => actionsOf(s).some((a) => a.startsWith('ecs:')) && resourcesOf(s).includes('*'))).toEqual([]);
  });
});

describe('LongTask with Lambda work', () => {
  it('invokes the function with the whole input, its own retry and the function timeout', () => {
    // Prepare
    const fixture = prepare();
    const work = lambdaWork(fixture.stack, Duration.minutes(3));
    // Act
    const task = new LongTask(fixture.stack, 'Long', { ...fixture.props, work });
    // Assess
    const template = Template.fromStack(fixture.stack);
    const run = aslOf(template, logicalIdOf(task.stateMachine)).States[S.runWork]!;
    expect(run.Resource).toBe('arn:<Ref:AWS::Partition>:states:::lambda:invoke');
    expect(run.Parameters).toMatchObject({ FunctionName: `<GetAtt:${logicalIdOf(work.lambda)}.Arn>`, 'Payload.$': '$' });
    expect(run.TimeoutSeconds).toBe(180);
    expect(run.Retry).toEqual([expect.objectContaining({ ErrorEquals: [...TRANSIENT_WORK_ERRORS], IntervalSeconds: 10 })]);
    expect(run.Catch?.[0]?.Next).toBe(S.markFailed);
  });

  it('honours timeout and includeExecutionData', () => {
    // Prepare
    const fixture = prepare();
    // Act
    const task = new LongTask(fixture.stack, 'Long', {
      ...fixture.props,
      work: lambdaWork(fixture.stack),
      timeout: Duration.minutes(7),
      includeExecutionData: true,
    });
    // Assess
    const template = Template.fromStack(fixture.stack);
    expect(aslOf(template, logicalIdOf(task.stateMachine)).States[S.runWork]?.TimeoutSeconds).toBe(420);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { LoggingConfiguration: { IncludeExecutionData: true } });
  });
});

describe('LongTask with branch work', () => {
  it('wraps the branch in a Parallel state named "Run the work" whose Catch leads to the FAILED path', () => {
    // Prepare
    const fixture = prepare();
    const branch = sfn.Pass.jsonPath(fixture.stack, 'Step', { stateName: 'A step' });
    // Act
    const task = new LongTask(fixture.stack, 'Long', { ...fixture.props, work: { branch } });
    // Assess
    const run = aslOf(Template.fromStack(fixture.stack), logicalIdOf(task.stateMachine)).States[S.runWork]!;
    expect(run.Type).toBe('Parallel');
    expect(run.ResultPath).toBeNull();
    expect(run.Branches?.[0]?.StartAt).toBe('A step');
    expect(run.Catch).toEqual([
      // A stopped container's States.TaskFailed first gets its short reason (issue 8), then the FAILED path.
      { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: S.isStoppedContainer },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.markFailed },
    ]);
  });
});

describe('LongTask validation', () => {
  it.each(['Transcode', '1task', '', 'a'.repeat(64), 'under_score'])('rejects taskName %j', (taskName) => {
    // Prepare
    const fixture = prepare();
    const work = lambdaWork(fixture.stack);
    // Act
    const act = () => new LongTask(fixture.stack, 'Long', { ...fixture.props, taskName, work });
    // Assess
    expect(act).toThrow(`LongTask: taskName '${taskName}' is invalid`);
  });

  it('rejects work with both lambda and fargate', () => {
    // Prepare
    const fixture = prepare();
    const work = { ...lambdaWork(fixture.stack), ...fargateWork(fixture.stack) } as unknown as LongTaskWork;
    // Act
    const act = () => new LongTask(fixture.stack, 'Long', { ...fixture.props, work });
    // Assess
    expect(act).toThrow('LongTask: work must have exactly one of lambda, fargate or branch, got lambda, fargate');
  });

  it('rejects a timeout under one second', () => {
    // Prepare
    const fixture = prepare();
    const work = lambdaWork(fixture.stack);
    // Act
    const act = () => new LongTask(fixture.stack, 'Long', { ...fixture.props, work, timeout: Duration.millis(500) });
    // Assess
    expect(act).toThrow('LongTask: timeout must be at least 1 second, got 0.5 seconds');
  });

  it('rejects a timeout over Step Functions Standard\'s one year', () => {
    // Prepare
    const fixture = prepare();
    const work = fargateWork(fixture.stack);
    // Act
    const act = () => new LongTask(fixture.stack, 'Long', { ...fixture.props, work, timeout: Duration.days(366) });
    // Assess
    expect(act).toThrow("LongTask: timeout must be at most 31536000 seconds (365 days, Step Functions Standard's limit on an execution), got 31622400 seconds (366 days)");
  });
});

describe('LongTask timeout', () => {
  const machineTimeout = (timeout?: Duration, work: 'fargate' | 'branch' = 'fargate') => {
    const fixture = prepare();
    const task = new LongTask(fixture.stack, 'Long', {
      ...fixture.props,
      work: work === 'fargate' ? fargateWork(fixture.stack) : { branch: sfn.Pass.jsonPath(fixture.stack, 'Step', { stateName: 'A step' }) },
      ...(timeout ? { timeout } : {}),
    });
    const template = Template.fromStack(fixture.stack);
    const asl = aslOf(template, logicalIdOf(task.stateMachine));
    return { machine: asl.TimeoutSeconds, work: asl.States[S.runWork]?.TimeoutSeconds };
  };

  it('bounds the state machine by the default 24 hours plus the bookkeeping margin', () => {
    // Act
    const timeouts = machineTimeout();
    // Assess
    expect(timeouts.work).toBe(24 * 3600);
    expect(timeouts.machine).toBe(24 * 3600 + STATE_MACHINE_TIMEOUT_MARGIN.toSeconds());
  });

  it('applies a per-task timeout of days to the work and the state machine', () => {
    // Act
    const timeouts = machineTimeout(Duration.days(3));
    // Assess
    expect(timeouts.work).toBe(3 * 86400);
    expect(timeouts.machine).toBe(3 * 86400 + 15 * 60);
  });

  it('warns at synth when a task may outrun its record\'s retention, not at the default', () => {
    // Prepare
    const long = prepare();
    const usual = prepare();
    // Act
    new LongTask(long.stack, 'Long', { ...long.props, work: fargateWork(long.stack), timeout: Duration.days(60) });
    new LongTask(usual.stack, 'Long', { ...usual.props, work: fargateWork(usual.stack) });
    // Assess
    const retention = Match.stringLikeRegexp('records\' retention');
    expect(Annotations.fromStack(long.stack).findWarning('*', retention).map((w) => w.entry.data)).toEqual([
      expect.stringContaining("timeout 60 days is not shorter than the task records' retention (30 days"),
    ]);
    expect(Annotations.fromStack(usual.stack).findWarning('*', retention)).toEqual([]);
  });

  it('caps the state machine at one year when the work may take a year', () => {
    // Act
    const timeouts = machineTimeout(MAX_LONG_TASK_TIMEOUT);
    // Assess
    expect(timeouts.work).toBe(365 * 86400);
    expect(timeouts.machine).toBe(365 * 86400);
  });

  it('bounds branch work (a Parallel state has no TimeoutSeconds) by the state machine', () => {
    // Act
    const timeouts = machineTimeout(Duration.hours(30), 'branch');
    // Assess
    expect(timeouts.work).toBeUndefined();
    expect(timeouts.machine).toBe(30 * 3600 + 15 * 60);
  });
});

describe('LongTask: the reason of a stopped container', () => {
  it('reads the stopped task out of the Cause only when it looks like one, and checks every path it formats', () => {
    // Prepare
    const fixture = prepare();
    const task = new LongTask(fixture.stack, 'Long', { ...fixture.props, work: fargateWork(fixture.stack) });
    // Act
    const states = aslOf(Template.fromStack(fixture.stack), logicalIdOf(task.stateMachine)).States;
    // Assess
    const isStopped = states[S.isStoppedContainer] as unknown as { Choices: { StringMatches?: string; Next: string }[]; Default: string };
    expect(isStopped.Choices).toEqual([{ Variable: '$.error.Cause', StringMatches: '{*"Containers":*', Next: S.readStoppedTask }]);
    expect(isStopped.Default).toBe(S.markFailed);
    expect(states[S.readStoppedTask]).toMatchObject({ Type: 'Pass', Parameters: { 'value.$': 'States.StringToJson($.error.Cause)' }, ResultPath: '$.error.stoppedTask' });
    const what = states[S.whatStoppedIt] as unknown as { Choices: { Next: string }[]; Default: string };
    expect(what.Choices.map((c) => c.Next)).toEqual([S.containerKilled, S.containerExited, S.taskStopped]);
    expect(what.Default).toBe(S.markFailed);
    const presence = JSON.stringify(what.Choices[1]);
    for (const path of ['Containers[0].Name', 'Containers[0].ExitCode', 'StoppedReason']) expect(presence).toContain(`"$.error.stoppedTask.value.${path}","IsPresent":true`);
    for (const name of [S.containerKilled, S.containerExited, S.taskStopped]) {
      expect(states[name]).toMatchObject({ Type: 'Pass', ResultPath: '$.error', Next: S.markFailed, Parameters: { 'Error.$': '$.error.Error' } });
    }
    expect((states[S.containerKilled]?.Parameters as Record<string, string>)['Cause.$']).toBe(
      "States.Format('container {} was killed (exit code {}: SIGKILL or out of memory): {}', $.error.stoppedTask.value.Containers[0].Name, $.error.stoppedTask.value.Containers[0].ExitCode, $.error.stoppedTask.value.StoppedReason)",
    );
  });

  it('leaves Lambda work without it: a function error goes straight to the FAILED path', () => {
    const fixture = prepare();
    const task = new LongTask(fixture.stack, 'Long', { ...fixture.props, work: lambdaWork(fixture.stack) });
    const states = aslOf(Template.fromStack(fixture.stack), logicalIdOf(task.stateMachine)).States;
    expect(states[S.runWork]?.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.markFailed }]);
    expect(states[S.isStoppedContainer]).toBeUndefined();
  });
});
