import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MediaStore } from '../../lib/constructs/media-store.js';
import { TaskRegistry } from '../../lib/constructs/task-registry.js';
import { UploadTrigger } from '../../lib/constructs/upload-trigger.js';
import type { UploadTriggerProps } from '../../lib/constructs/upload-trigger.js';
import { actionsOf, logicalIdOf, newTestStack, resourcesOf, statementsOfRole } from './support.js';

interface Fixture {
  stack: Stack;
  props: UploadTriggerProps;
  ids: { table: string; stateMachine: string };
}

function prepare(overrides: Partial<UploadTriggerProps> = {}): Fixture {
  const stack = newTestStack();
  const registry = new TaskRegistry(stack, 'Registry');
  const stateMachine = new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(sfn.Succeed.jsonPath(stack, 'Done')),
  });
  return {
    stack,
    props: { stateMachine, table: registry.table, ...overrides },
    ids: { table: logicalIdOf(registry.table), stateMachine: logicalIdOf(stateMachine) },
  };
}

describe('UploadTrigger on a bucket of this app', () => {
  let template: Template;
  let trigger: UploadTrigger;
  let ids: Fixture['ids'];
  let media: MediaStore;

  beforeAll(() => {
    // Prepare
    const fixture = prepare();
    ids = fixture.ids;
    media = new MediaStore(fixture.stack, 'Media');
    // Act
    trigger = new UploadTrigger(fixture.stack, 'Trigger', {
      ...fixture.props,
      bucket: media.bucket,
      prefix: 'uploads/',
      outputFormats: ['mp4', 'm3u8'],
      outputDir: 'out',
      maxAttempts: 1,
    });
    template = Template.fromStack(fixture.stack);
  });

  it("turns on the bucket's EventBridge notifications (eventBridgeEnabled)", () => {
    // Assess
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalIdOf(media.bucket) },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    expect(trigger.bucket).toBe(media.bucket);
  });

  it('matches S3 Object Created events of that bucket under the prefix', () => {
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [{ Ref: logicalIdOf(media.bucket) }] },
          object: { key: [{ prefix: 'uploads/' }] },
        },
      },
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalIdOf(trigger.taskFunction.function), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(trigger.deadLetterQueue), 'Arn'] } },
        }),
      ],
    });
  });

  it('runs functions/triggers/upload-trigger-handler.ts with the trigger configuration', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          TASK_TABLE_NAME: { Ref: ids.table },
          TRIGGER_TASK_NAME: 'transcode',
          TRIGGER_STATE_MACHINE_ARN: { Ref: ids.stateMachine },
          TRIGGER_OUTPUT_FORMATS: 'mp4,m3u8',
          TRIGGER_OUTPUT_DIR: 'out',
          TRIGGER_PREFIX: 'uploads/',
          TASK_MAX_ATTEMPTS: '1',
        }),
      },
    });
    expect(trigger.taskFunction.function.node.path).toBe('TestStack/Trigger/Function/Function');
  });

  it('sends events that did not start their tasks to its dead-letter queue', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(trigger.taskFunction.function) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(trigger.deadLetterQueue), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('grants starting that state machine and the registry table, nothing broader', () => {
    // Assess
    const statements = statementsOfRole(template, logicalIdOf(trigger.taskFunction.role));
    const start = statements.filter((s) => actionsOf(s).includes('states:StartExecution'));
    expect(start).toHaveLength(1);
    expect(actionsOf(start[0]!)).toEqual(['states:StartExecution']);
    expect(resourcesOf(start[0]!)).toEqual([{ Ref: ids.stateMachine }]);
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(resourcesOf(dynamo[0]!)).toEqual([
      { 'Fn::GetAtt': [ids.table, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.table, 'Arn'] }, '/index/*']] },
    ]);
    expect(statements.flatMap(actionsOf).filter((a) => a.includes('*'))).toEqual([]);
    expect(statements.flatMap(actionsOf).some((a) => a.startsWith('s3:'))).toBe(false);
  });
});

describe('UploadTrigger defaults', () => {
  it('creates its own private media bucket and triggers on uploads/ with mp4 output to transcoded', () => {
    // Prepare
    const fixture = prepare();
    // Act
    const trigger = new UploadTrigger(fixture.stack, 'Trigger', fixture.props);
    // Assess
    const template = Template.fromStack(fixture.stack);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalIdOf(trigger.bucket) },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { LogFilePrefix: 'media/' },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ TRIGGER_PREFIX: 'uploads/', TRIGGER_OUTPUT_FORMATS: 'mp4', TRIGGER_OUTPUT_DIR: 'transcoded' }),
      },
    });
    expect(trigger.bucket).toBeDefined();
  });

  it('turns on EventBridge notifications of an imported bucket too, keeping its other notifications', () => {
    // Prepare
    const fixture = prepare();
    const bucket = s3.Bucket.fromBucketName(fixture.stack, 'Imported', 'someone-elses-media');
    // Act
    new UploadTrigger(fixture.stack, 'Trigger', { ...fixture.props, bucket });
    // Assess
    const template = Template.fromStack(fixture.stack);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'someone-elses-media',
      NotificationConfiguration: { EventBridgeConfiguration: {} },
      Managed: false,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { bucket: { name: ['someone-elses-media'] }, object: Match.anyValue() } }),
    });
  });
});

describe('UploadTrigger validation', () => {
  it.each([
    [{ prefix: '' }, 'prefix must not be empty'],
    [{ prefix: 'media/', outputDir: 'media/transcoded' }, "outputDir 'media/transcoded' must be outside prefix 'media/'"],
    [{ prefix: 'uploads/', outputDir: 'uploads' }, "outputDir 'uploads' must be outside prefix 'uploads/'"],
    [{ outputFormats: [] }, 'outputFormats must be a non-empty list'],
    [{ outputFormats: ['MP4'] }, 'outputFormats must be a non-empty list'],
    [{ maxAttempts: 0 }, 'maxAttempts must be an integer >= 1, got 0'],
    [{ taskName: 'Transcode' }, "taskName 'Transcode' is invalid"],
  ])('rejects %o', (overrides, message) => {
    // Prepare
    const fixture = prepare(overrides);
    // Act
    const act = () => new UploadTrigger(fixture.stack, 'Trigger', fixture.props);
    // Assess
    expect(act).toThrow(`UploadTrigger: ${message}`);
  });
});
