import { Duration } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PayloadStore } from '../../lib/constructs/payload-store.js';
import { pascalCase, ShortTask } from '../../lib/constructs/short-task.js';
import type { ShortTaskProps } from '../../lib/constructs/short-task.js';
import { TaskDestinations } from '../../lib/constructs/task-destinations.js';
import { TaskRegistry } from '../../lib/constructs/task-registry.js';
import {
  actionsOf,
  arnOf,
  FIXTURE_ENTRY,
  logicalIdOf,
  newTestStack,
  resourcesOf,
  statementsOfRole,
} from './support.js';
import type { PolicyStatement } from './support.js';

interface Fixture {
  stack: Stack;
  props: ShortTaskProps;
  ids: { table: string; success: string; failure: string; bucket: string };
}

/** A stack holding the shared resources a short task is wired to, plus valid props for one task. */
function prepare(overrides: Partial<ShortTaskProps> = {}): Fixture {
  const stack = newTestStack();
  const registry = new TaskRegistry(stack, 'Registry');
  const destinations = new TaskDestinations(stack, 'Destinations');
  const store = new PayloadStore(stack, 'Store');
  return {
    stack,
    props: {
      taskName: 'demo-task',
      entry: FIXTURE_ENTRY,
      table: registry.table,
      successQueue: destinations.successQueue,
      failureQueue: destinations.failureQueue,
      payloadBucket: store.bucket,
      ...overrides,
    },
    ids: {
      table: logicalIdOf(registry.table),
      success: logicalIdOf(destinations.successQueue),
      failure: logicalIdOf(destinations.failureQueue),
      bucket: logicalIdOf(store.bucket),
    },
  };
}

const hasAction = (statement: PolicyStatement, prefix: string) => actionsOf(statement).some((a) => a.startsWith(prefix));

describe('ShortTask', () => {
  let template: Template;
  let ids: Fixture['ids'];
  let task: ShortTask;

  beforeAll(() => {
    // Prepare
    const fixture = prepare();
    ids = fixture.ids;
    // Act
    task = new ShortTask(fixture.stack, 'Demo', fixture.props);
    template = Template.fromStack(fixture.stack);
  });

  it('configures asynchronous invocation: 2 retries, 6 hours, success and failure queues', () => {
    // Assess
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(task.function) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21_600,
      DestinationConfig: {
        OnSuccess: { Destination: arnOf(ids.success) },
        OnFailure: { Destination: arnOf(ids.failure) },
      },
    });
  });

  it('builds its function with the shared TaskFunction settings', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 1024,
      Timeout: 300,
    });
    expect(task.function).toBe(task.taskFunction.function);
  });

  it('passes generated names and limits to the code through the exact environment variables', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          TASK_NAME: 'demo-task',
          TASK_TABLE_NAME: { Ref: ids.table },
          SUCCESS_QUEUE_URL: { Ref: ids.success },
          FAILURE_QUEUE_URL: { Ref: ids.failure },
          PAYLOAD_BUCKET_NAME: { Ref: ids.bucket },
          TASK_MAX_RETRIES: '2',
          TASK_MAX_EVENT_AGE_SECONDS: '21600',
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'demo-task',
          POWERTOOLS_METRICS_NAMESPACE: 'ServerlessTask',
        },
      },
    });
  });

  it('grants read/write on the task table and its indexes only', () => {
    // Assess
    const statements = statementsOfRole(template, logicalIdOf(task.taskFunction.role));
    const dynamo = statements.filter((s) => hasAction(s, 'dynamodb:'));
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0]!)).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem']),
    );
    expect(resourcesOf(dynamo[0]!)).toEqual([
      arnOf(ids.table),
      { 'Fn::Join': ['', [arnOf(ids.table), '/index/*']] },
    ]);
  });

  it('grants reading the payload bucket, and writing only under its results/ prefix', () => {
    // Assess
    const statements = statementsOfRole(template, logicalIdOf(task.taskFunction.role));
    const s3 = statements.filter((s) => hasAction(s, 's3:'));
    expect(s3).toHaveLength(2);
    const read = s3.find((s) => actionsOf(s).includes('s3:GetObject*'));
    const write = s3.find((s) => actionsOf(s).includes('s3:PutObject'));
    expect(actionsOf(read!).sort()).toEqual(['s3:GetBucket*', 's3:GetObject*', 's3:List*']);
    expect(resourcesOf(read!)).toEqual([arnOf(ids.bucket), { 'Fn::Join': ['', [arnOf(ids.bucket), '/*']] }]);
    expect(actionsOf(write!).every((a) => a.startsWith('s3:Put') || a === 's3:Abort*')).toBe(true);
    expect(resourcesOf(write!)).toEqual([{ 'Fn::Join': ['', [arnOf(ids.bucket), '/results/*']] }]);
    expect(s3.flatMap(actionsOf).some((a) => a.startsWith('s3:Delete'))).toBe(false);
  });

  it('grants sending to the success and failure queues only', () => {
    // Assess
    const statements = statementsOfRole(template, logicalIdOf(task.taskFunction.role));
    const sqs = statements.filter((s) => hasAction(s, 'sqs:'));
    expect(sqs.flatMap(actionsOf)).toContain('sqs:SendMessage');
    expect(sqs.flatMap(actionsOf).every((a) => ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'].includes(a))).toBe(true);
    expect(sqs.flatMap(resourcesOf)).toEqual(expect.arrayContaining([arnOf(ids.success), arnOf(ids.failure)]));
    expect(sqs.flatMap(resourcesOf)).toHaveLength(2);
  });

  it('has no "*" resource except the X-Ray statement', () => {
    // Assess
    const statements = statementsOfRole(template, logicalIdOf(task.taskFunction.role));
    const wildcard = statements.filter((s) => resourcesOf(s).includes('*'));
    expect(wildcard.flatMap(actionsOf).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('honours retryAttempts, maxEventAge, memorySize, timeout and reservedConcurrency', () => {
    // Prepare
    const fixture = prepare({
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      memorySize: 512,
      timeout: Duration.minutes(15),
      reservedConcurrency: 4,
    });
    // Act
    new ShortTask(fixture.stack, 'Demo', fixture.props);
    // Assess
    const custom = Template.fromStack(fixture.stack);
    custom.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      Timeout: 900,
      ReservedConcurrentExecutions: 4,
      Environment: {
        Variables: Match.objectLike({ TASK_MAX_RETRIES: '0', TASK_MAX_EVENT_AGE_SECONDS: '60' }),
      },
    });
  });

  it.each(['analyze-slow-queries', 'a', `a${'b'.repeat(62)}`, 'x9-1'])('accepts taskName %s', (taskName) => {
    // Prepare
    const fixture = prepare({ taskName });
    // Act
    new ShortTask(fixture.stack, 'Demo', fixture.props);
    // Assess
    Template.fromStack(fixture.stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TASK_NAME: taskName }) },
    });
  });

  it.each(['Bad_Name', 'UPPER', '1starts-with-digit', '-dash', '', 'has space', `a${'b'.repeat(63)}`])(
    'rejects taskName %j',
    (taskName) => {
      // Prepare
      const fixture = prepare({ taskName });
      // Act
      const act = () => new ShortTask(fixture.stack, 'Demo', fixture.props);
      // Assess
      expect(act).toThrow(`ShortTask: taskName '${taskName}' is invalid; it must match ^[a-z][a-z0-9-]{0,62}$`);
    },
  );

  it.each([3, -1, 1.5])('rejects retryAttempts %s', (retryAttempts) => {
    // Prepare
    const fixture = prepare({ retryAttempts });
    // Act
    const act = () => new ShortTask(fixture.stack, 'Demo', fixture.props);
    // Assess
    expect(act).toThrow(`ShortTask: retryAttempts must be an integer from 0 to 2, got ${retryAttempts}`);
  });

  it.each([
    [Duration.seconds(59), '59'],
    [Duration.seconds(21_601), '21601'],
    [Duration.millis(60_500), '60.5'],
  ])('rejects maxEventAge %s', (maxEventAge, seconds) => {
    // Prepare
    const fixture = prepare({ maxEventAge });
    // Act
    const act = () => new ShortTask(fixture.stack, 'Demo', fixture.props);
    // Assess
    expect(act).toThrow(
      `ShortTask: maxEventAge must be a whole number of seconds from 60 to 21600 (1 minute to 6 hours), got ${seconds} seconds`,
    );
  });

  it('accepts the maxEventAge bounds 60 s and 21600 s', () => {
    // Prepare
    const low = prepare({ maxEventAge: Duration.seconds(60) });
    const high = prepare({ maxEventAge: Duration.seconds(21_600) });
    // Act
    new ShortTask(low.stack, 'Demo', low.props);
    new ShortTask(high.stack, 'Demo', high.props);
    // Assess
    Template.fromStack(low.stack).hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 60 });
    Template.fromStack(high.stack).hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 21_600 });
  });
});

describe('pascalCase', () => {
  it.each([
    ['analyze-slow-queries', 'AnalyzeSlowQueries'],
    ['always-fails', 'AlwaysFails'],
    ['a', 'A'],
    ['x9-1', 'X91'],
  ])('%s -> %s', (taskName, expected) => {
    // Act
    const result = pascalCase(taskName);
    // Assess
    expect(result).toBe(expected);
  });
});

describe('ShortTask payloadSchema', () => {
  const schema = { type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, required: ['n'], additionalProperties: false };

  it('publishes the schema as the stack output PayloadSchema<Task>, and nothing without one', () => {
    // Prepare
    const withSchema = prepare({ payloadSchema: schema });
    const without = prepare();
    // Act
    new ShortTask(withSchema.stack, 'Demo', withSchema.props);
    new ShortTask(without.stack, 'Demo', without.props);
    // Assess
    const outputs = Template.fromStack(withSchema.stack).findOutputs('*');
    expect(Object.keys(outputs)).toContain('PayloadSchemaDemoTask');
    expect(JSON.parse(String(outputs['PayloadSchemaDemoTask']?.['Value']))).toEqual(schema);
    expect(Object.keys(Template.fromStack(without.stack).findOutputs('*')).filter((k) => k.startsWith('PayloadSchema'))).toEqual([]);
  });

  it('refuses at synth a schema that is not valid JSON Schema, or larger than an output carries', () => {
    const invalid = prepare({ payloadSchema: { type: 'integr' } });
    expect(() => new ShortTask(invalid.stack, 'Demo', invalid.props)).toThrow(/payload schema of task 'demo-task' is not a valid JSON Schema/);
    const large = prepare({ payloadSchema: { type: 'object', description: 'x'.repeat(5000) } });
    expect(() => new ShortTask(large.stack, 'Demo', large.props)).toThrow(/a stack output carries at most 4096/);
  });
});
