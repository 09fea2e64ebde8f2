// The shipped stack's shared facts and hardening: one heartbeat for every attempt and the sweeper, the operator
// role (grantOperate), segmented transcodes, the media bucket's versions.
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, ENV, STACK_OUTPUTS } from '../../functions/core/facts.js';
import { HEARTBEAT, ServerlessTaskStack, UPLOAD_PREFIX } from '../../lib/serverless-task-stack.js';
import { actionsOf, logicalIdOf, newTestApp, resourcesOf, statementsOfRole } from './support.js';

const stack = new ServerlessTaskStack(newTestApp(), 'FactsStack');
const template = Template.fromStack(stack);

/** The value of one environment variable in every Lambda function and container that sets it. */
function valuesOf(name: string): unknown[] {
  const lambdas = Object.values(template.findResources('AWS::Lambda::Function')).map(
    (fn) => (fn['Properties'].Environment?.Variables as Record<string, unknown> | undefined)?.[name],
  );
  const containers = Object.values(template.findResources('AWS::ECS::TaskDefinition')).flatMap((td) =>
    (td['Properties'].ContainerDefinitions as { Environment?: { Name: string; Value: unknown }[] }[]).map(
      (c) => c.Environment?.find((e) => e.Name === name)?.Value,
    ),
  );
  return [...lambdas, ...containers].filter((v) => v !== undefined);
}

describe('one heartbeat', () => {
  it('passes the same heartbeat to the short tasks, the transcoder and the sweeper', () => {
    // Prepare
    const heartbeats = valuesOf(ENV.heartbeatSeconds);
    // Assess: three short tasks (one in Python) + the sweeper (Lambda) + the transcoder and the Python job
    // containers, all one value.
    expect(heartbeats).toHaveLength(6);
    expect(new Set(heartbeats)).toEqual(new Set([String(DEFAULTS.heartbeatSeconds)]));
    expect(HEARTBEAT.toSeconds()).toBe(10);
    for (const task of stack.shortTasks.values()) {
      const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(task.function)];
      expect(fn?.['Properties'].Environment.Variables[ENV.heartbeatSeconds]).toBe('10');
    }
  });
});

describe('operator permissions (grantOperate)', () => {
  const statements = statementsOfRole(template, logicalIdOf(stack.operator.role));
  const actions = statements.flatMap(actionsOf);

  it('is assumable within the account and exported as OperatorRoleArn', () => {
    // Assess
    template.hasOutput(STACK_OUTPUTS.operatorRoleArn, { Value: { 'Fn::GetAtt': [logicalIdOf(stack.operator.role), 'Arn'] } });
    const role = template.findResources('AWS::IAM::Role')[logicalIdOf(stack.operator.role)];
    expect(JSON.stringify(role?.['Properties'].AssumeRolePolicyDocument)).toContain(':root');
  });

  it('covers exactly what stask does: invoke, executions, history, table, dead-letter queue, payloads, logs, exec', () => {
    // Assess
    expect(new Set(actions)).toEqual(
      new Set([
        'cloudformation:DescribeStacks',
        'lambda:InvokeFunction',
        'states:StartExecution',
        'states:DescribeExecution',
        'states:StopExecution',
        'states:RedriveExecution',
        'states:GetExecutionHistory',
        ...actionsOfGrant('dynamodb'),
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueUrl',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:SendMessage',
        's3:GetObject*',
        's3:GetBucket*',
        's3:List*',
        's3:PutObject',
        's3:PutObjectLegalHold',
        's3:PutObjectRetention',
        's3:PutObjectTagging',
        's3:PutObjectVersionTagging',
        's3:Abort*',
        'logs:FilterLogEvents',
        'ecs:ExecuteCommand',
        'ecs:DescribeTasks',
        'kms:GenerateDataKey',
      ]),
    );
    // No action on every resource: each statement names the stack's resources.
    expect(statements.flatMap(resourcesOf)).not.toContain('*');
  });

  it('can grant the same to another principal', () => {
    // Prepare
    const fresh = new ServerlessTaskStack(newTestApp(), 'GrantStack');
    const other = new iam.Role(fresh, 'SomeOperator', { assumedBy: new iam.AccountRootPrincipal() });
    // Act
    fresh.grantOperate(other);
    // Assess
    const granted = statementsOfRole(Template.fromStack(fresh), logicalIdOf(other)).flatMap(actionsOf);
    expect(new Set(granted)).toEqual(new Set(actions));
  });
});

/** The DynamoDB actions of grantReadWriteData (as aws-cdk-lib defines them). */
function actionsOfGrant(service: 'dynamodb'): string[] {
  const probe = new ServerlessTaskStack(newTestApp(), 'Probe');
  const role = new iam.Role(probe, 'Probe', { assumedBy: new iam.AccountRootPrincipal() });
  probe.registry.table.grantReadWriteData(role);
  return statementsOfRole(Template.fromStack(probe), logicalIdOf(role))
    .flatMap(actionsOf)
    .filter((a) => a.startsWith(`${service}:`));
}

describe('the transcode lane as shipped', () => {
  it('runs segmented above the duration threshold and keeps shorter inputs single pass', () => {
    // Assess
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: ENV.mediaUploadPrefix, Value: UPLOAD_PREFIX },
            { Name: ENV.segmentMinDurationSeconds, Value: String(DEFAULTS.segmentMinDurationSeconds) },
          ]),
        }),
      ],
    });
    const definition = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(definition).toContain('Plan the segments');
    expect(definition).toContain('Transcode segments');
  });

  it('keeps noncurrent media versions for 30 days', () => {
    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Id: 'ExpireNoncurrentVersions', NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]),
      },
    });
  });
});
