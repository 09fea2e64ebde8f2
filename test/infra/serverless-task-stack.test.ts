import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHORT_TASKS, ServerlessTaskStack, STACK_OUTPUTS } from '../../lib/serverless-task-stack.js';
import { arnOf, logicalIdOf, newTestApp } from './support.js';

// The real stack, bundled for real (esbuild, no Docker) and synthesized once with the cdk-nag plugin
// registered exactly as bin/app.ts does.
let outdir: string;
let stack: ServerlessTaskStack;
let template: Template;

beforeAll(() => {
  // Prepare
  outdir = mkdtempSync(path.join(tmpdir(), 'serverless-task-stack-'));
  const app = newTestApp({ bundle: true, outdir });
  stack = new ServerlessTaskStack(app, 'ServerlessTask');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  // Act: throws if a validation plugin reports an error.
  app.synth();
  template = Template.fromStack(stack);
});

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

describe('ServerlessTaskStack', () => {
  it('contains one registry, the destinations, the payload store, the sweeper and two short tasks', () => {
    // Assess
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::SQS::Queue', 3);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
    template.resourceCountIs('AWS::Events::Rule', 1);
    expect([...stack.shortTasks.keys()]).toEqual(['analyze-slow-queries', 'always-fails']);
  });

  it('wires every short task to the shared table, queues and bucket', () => {
    // Assess
    for (const task of stack.shortTasks.values()) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalIdOf(task.function) },
        DestinationConfig: {
          OnSuccess: { Destination: arnOf(logicalIdOf(stack.destinations.successQueue)) },
          OnFailure: { Destination: arnOf(logicalIdOf(stack.destinations.failureQueue)) },
        },
      });
      const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(task.function)];
      expect(fn?.['Properties'].Environment.Variables).toMatchObject({
        TASK_TABLE_NAME: { Ref: logicalIdOf(stack.registry.table) },
        PAYLOAD_BUCKET_NAME: { Ref: logicalIdOf(stack.payloadStore.bucket) },
      });
    }
  });

  it('retries always-fails twice', () => {
    // Assess
    const alwaysFails = stack.shortTasks.get('always-fails');
    expect(alwaysFails).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(alwaysFails!.function) },
      MaximumRetryAttempts: 2,
    });
  });

  it('exports the outputs the CLI reads, under stable IDs', () => {
    // Assess
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      [
        'TaskTableName',
        'SuccessQueueUrl',
        'FailureQueueUrl',
        'PayloadBucketName',
        'TaskFunctions',
        'ShortTaskAnalyzeSlowQueriesFunctionName',
        'ShortTaskAlwaysFailsFunctionName',
      ].sort(),
    );
    template.hasOutput('TaskTableName', { Value: { Ref: logicalIdOf(stack.registry.table) } });
    template.hasOutput('SuccessQueueUrl', { Value: { Ref: logicalIdOf(stack.destinations.successQueue) } });
    template.hasOutput('FailureQueueUrl', { Value: { Ref: logicalIdOf(stack.destinations.failureQueue) } });
    template.hasOutput('PayloadBucketName', { Value: { Ref: logicalIdOf(stack.payloadStore.bucket) } });
    for (const { taskName } of SHORT_TASKS) {
      template.hasOutput(STACK_OUTPUTS.shortTaskFunctionName(taskName), {
        Value: { Ref: logicalIdOf(stack.shortTasks.get(taskName)!.function) },
      });
    }
    // TaskFunctions is a JSON document whose values CloudFormation fills in: every task with its function,
    // log group and attempts.
    const json = JSON.stringify(template.findOutputs('TaskFunctions'));
    for (const { taskName } of SHORT_TASKS) {
      const task = stack.shortTasks.get(taskName)!;
      expect(json).toContain(`\\"${taskName}\\":{\\"functionName\\":\\"`);
      expect(json).toContain(logicalIdOf(task.function));
      expect(json).toContain(logicalIdOf(task.taskFunction.logGroup));
    }
    expect(json).toContain('\\"maxAttempts\\":3');
  });

  it('produces no CDK warnings or errors', () => {
    // Act
    const annotations = Annotations.fromStack(stack);
    // Assess
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });
});

describe('cdk-nag AwsSolutions', () => {
  /** The pack with acknowledgements ignored: shows every finding the stack's acknowledgements cover. */
  class UnacknowledgedChecks extends AwsSolutionsChecks {}
  Object.defineProperty(UnacknowledgedChecks.prototype, 'isAcknowledged', { value: () => false });

  const findings = (checks: AwsSolutionsChecks): string[] =>
    checks
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} @ ${r.constructPath}`))
      .sort();

  it('reports no unacknowledged error', () => {
    // Act
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    // Assess
    expect(report.violations.filter((v) => v.severity === 'error')).toEqual([]);
  });

  it('reports no unacknowledged warning', () => {
    // Act
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    // Assess
    expect(report.violations.filter((v) => v.severity === 'warning')).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges exactly these findings, on the resources they concern', () => {
    // Act
    const acknowledged = findings(new UnacknowledgedChecks());
    // Assess
    const sweeperPolicy = 'ServerlessTask/TaskSweeper/Function/ServiceRole/DefaultPolicy/Resource';
    const perTask = (task: string) => {
      const policy = `ServerlessTask/ShortTask${task}/TaskFunction/ServiceRole/DefaultPolicy/Resource`;
      const table = logicalIdOf(stack.registry.table);
      const bucket = logicalIdOf(stack.payloadStore.bucket);
      return [
        `error AwsSolutions-IAM5[Resource::*] @ ${policy}`,
        `error AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*] @ ${policy}`,
        `error AwsSolutions-IAM5[Resource::<${bucket}.Arn>/*] @ ${policy}`,
        `error AwsSolutions-IAM5[Action::s3:GetObject*] @ ${policy}`,
        `error AwsSolutions-IAM5[Action::s3:GetBucket*] @ ${policy}`,
        `error AwsSolutions-IAM5[Action::s3:List*] @ ${policy}`,
        `error AwsSolutions-IAM5[Resource::<${bucket}.Arn>/results/*] @ ${policy}`,
        `error AwsSolutions-IAM5[Action::s3:Abort*] @ ${policy}`,
      ];
    };
    expect(acknowledged).toEqual(
      [
        'error AwsSolutions-SQS3 @ ServerlessTask/TaskDestinations/FailureQueue/Resource',
        ...perTask('AnalyzeSlowQueries'),
        ...perTask('AlwaysFails'),
        `error AwsSolutions-IAM5[Resource::*] @ ${sweeperPolicy}`,
        `error AwsSolutions-IAM5[Resource::<${logicalIdOf(stack.registry.table)}.Arn>/index/*] @ ${sweeperPolicy}`,
      ].sort(),
    );
  });

  it('gives every acknowledgement a concrete reason and no acknowledgement is stale', () => {
    // Prepare
    const raw = findings(new UnacknowledgedChecks());
    const acks = stack.node
      .findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) =>
            Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
              path: construct.node.path,
              id: id.replace(/^annotation::/i, ''),
              reason,
            })),
          ),
      );
    // Act
    const stale = acks.filter((ack) => !raw.some((f) => f.includes(` ${ack.id} @ ${ack.path}/`)));
    const vague = acks.filter((ack) => ack.reason.length < 60);
    // Assess
    expect(acks.length).toBeGreaterThan(0);
    expect(stale).toEqual([]);
    expect(vague).toEqual([]);
  });

  it('is live: it reports a finding once an acknowledgement is missing', () => {
    // Act
    const raw = findings(new UnacknowledgedChecks());
    // Assess
    expect(raw.length).toBeGreaterThan(0);
    expect(raw.every((finding) => finding.startsWith('error AwsSolutions-'))).toBe(true);
  });
});

describe('TaskSweeper', () => {
  const stack = new ServerlessTaskStack(newTestApp(), 'SweeperStack');
  const template = Template.fromStack(stack);

  it('runs the sweeper every minute, one at a time, with the registry and the runtime heartbeat', () => {
    const fn = logicalIdOf(stack.sweeper.taskFunction.function);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] } })]),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          TASK_TABLE_NAME: { Ref: logicalIdOf(stack.registry.table) },
          TASK_HEARTBEAT_SECONDS: '10',
          TASK_RETRY_WINDOW_SECONDS: '1200',
          TASK_QUEUED_EXPIRY_SECONDS: '22500',
        }),
      },
    });
  });
});
