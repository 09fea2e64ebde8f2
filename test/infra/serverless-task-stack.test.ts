import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHORT_TASKS, ServerlessTaskStack, STACK_OUTPUTS, TRANSCODE_TASK_NAME } from '../../lib/serverless-task-stack.js';
import { LONG_TASK_STATES, TRANSIENT_WORK_ERRORS } from '../../lib/constructs/long-task.js';
import { SEGMENTED_STATES } from '../../lib/constructs/transcode-task.js';
import { actionsOf, allStates, arnOf, aslOf, logicalIdOf, newTestApp, resourcesOf, statementsOfRole } from './support.js';
import { DEFAULTS } from '../../functions/core/facts.js';

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
  it('contains one registry, the destinations, the stores, the sweeper, three short tasks, the transcode task and its trigger', () => {
    // Assess
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    // success, success DLQ, failure (task DLQ), upload trigger DLQ
    template.resourceCountIs('AWS::SQS::Queue', 4);
    // the task DLQ's depth, a failure rate per task (three short, two long), the sweeper's (test/infra/operations.test.ts)
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    // payloads, access logs (shared by payloads and media), media
    template.resourceCountIs('AWS::S3::Bucket', 3);
    // three short tasks (one in Python), the sweeper, the long tasks' admitter (issue 11), the upload trigger,
    // CDK's S3 notifications handler (eventBridgeEnabled), since the VPC's default security group is restricted
    // (issue 8), CDK's Custom::VpcRestrictDefaultSG provider, and the task API's function (issue 11)
    template.resourceCountIs('AWS::Lambda::Function', 9);
    template.resourceCountIs('Custom::S3BucketNotifications', 1);
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 4);
    // sweeper schedule, upload rule, the admitter's rule on ended long-task executions (issue 11)
    template.resourceCountIs('AWS::Events::Rule', 3);
    // transcode, cross-region-rollup (Python)
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    template.resourceCountIs('AWS::ECS::TaskDefinition', 2);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    expect([...stack.shortTasks.keys()]).toEqual(['analyze-slow-queries', 'always-fails', 'detect-query-regressions']);
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
        'MediaBucketName',
        'TranscodeStateMachineArn',
        'TaskFunctions',
        'ShortTaskAnalyzeSlowQueriesFunctionName',
        'ShortTaskAlwaysFailsFunctionName',
        'ShortTaskDetectQueryRegressionsFunctionName',
        'OperatorRoleArn',
        // analyze-slow-queries declares its payload schema: checked at submit.
        'PayloadSchemaAnalyzeSlowQueries',
        'AlarmTopicArn',
        'DashboardName',
        'TaskApiUrl',
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
    template.hasOutput('MediaBucketName', { Value: { Ref: logicalIdOf(stack.mediaStore.bucket) } });
    template.hasOutput('TranscodeStateMachineArn', { Value: { Ref: logicalIdOf(stack.transcodeTask.stateMachine) } });
    // TaskFunctions is a JSON document whose values CloudFormation fills in: every task with its lane,
    // function or state machine, log group and attempts.
    const json = JSON.stringify(template.findOutputs('TaskFunctions'));
    for (const { taskName } of SHORT_TASKS) {
      const task = stack.shortTasks.get(taskName)!;
      expect(json).toContain(`\\"${taskName}\\":{\\"kind\\":\\"lambda\\",\\"functionName\\":\\"`);
      expect(json).toContain(logicalIdOf(task.function));
      expect(json).toContain(logicalIdOf(task.taskFunction.logGroup));
    }
    expect(json).toContain('\\"maxAttempts\\":3');
    expect(json).toContain(`\\"${TRANSCODE_TASK_NAME}\\":{\\"kind\\":\\"stepfunctions\\",\\"stateMachineArn\\":\\"`);
    expect(json).toContain(logicalIdOf(stack.transcodeTask.stateMachine));
    expect(json).toContain(logicalIdOf(stack.transcodeTask.logGroup));
    expect(json).toContain('\\"maxAttempts\\":1,\\"maxConcurrency\\":10}');
  });

  it('renders TaskFunctions as JSON the CLI can read, once CloudFormation fills in the names', () => {
    // Prepare: replace every reference with a stand-in, as CloudFormation replaces it with a value.
    const value = template.findOutputs('TaskFunctions')['TaskFunctions']?.['Value'] as { 'Fn::Join': [string, unknown[]] };
    const text = value['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'NAME')).join('');
    // Act
    const parsed = JSON.parse(text) as Record<string, Record<string, unknown>>;
    // Assess
    expect(parsed).toEqual({
      'analyze-slow-queries': { kind: 'lambda', functionName: 'NAME', logGroupName: 'NAME', maxAttempts: 3 },
      'always-fails': { kind: 'lambda', functionName: 'NAME', logGroupName: 'NAME', maxAttempts: 3 },
      'detect-query-regressions': { kind: 'lambda', functionName: 'NAME', logGroupName: 'NAME', maxAttempts: 3 },
      transcode: { kind: 'stepfunctions', stateMachineArn: 'NAME', logGroupName: 'NAME', maxAttempts: 1, maxConcurrency: DEFAULTS.longTaskMaxConcurrency },
      'cross-region-rollup': { kind: 'stepfunctions', stateMachineArn: 'NAME', logGroupName: 'NAME', maxAttempts: 1, maxConcurrency: DEFAULTS.longTaskMaxConcurrency },
    });
  });

  it('produces no CDK warnings or errors', () => {
    // Act
    const annotations = Annotations.fromStack(stack);
    // Assess
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });
});

describe('ServerlessTaskStack transcode lane', () => {
  it('runs the transcode state machine on the stack\'s cluster, task definition, table and queues', () => {
    // Prepare
    const asl = aslOf(template, logicalIdOf(stack.transcodeTask.stateMachine));
    // Assess
    expect(Object.keys(asl.States).sort()).toEqual(Object.values(LONG_TASK_STATES).sort());
    const run = asl.States[LONG_TASK_STATES.runWork]!;
    expect(run.Catch).toEqual([
      // A stopped container's States.TaskFailed first gets its short reason (issue 8), then the FAILED path.
      { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: LONG_TASK_STATES.isStoppedContainer },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: LONG_TASK_STATES.markFailed },
    ]);
    // Segmented mode is on in the shipped stack (issue 8): the Fargate work starts with the plan step, which
    // transcodes inputs below the threshold in one pass.
    expect(run.Type).toBe('Parallel');
    const plan = allStates(asl)[SEGMENTED_STATES.plan]!;
    expect(plan.Resource).toBe('arn:<Ref:AWS::Partition>:states:::ecs:runTask.sync');
    expect(plan.TimeoutSeconds).toBe(DEFAULTS.longTaskTimeoutSeconds);
    expect(plan.Retry?.flatMap((r) => r.ErrorEquals)).toEqual([...TRANSIENT_WORK_ERRORS]);
    expect(plan.Retry?.flatMap((r) => r.ErrorEquals)).not.toContain('States.TaskFailed');
    expect(plan.Parameters).toMatchObject({
      Cluster: `<GetAtt:${logicalIdOf(stack.mediaNetwork.cluster)}.Arn>`,
      EnableExecuteCommand: true,
      LaunchType: 'FARGATE',
    });
    const table = `<Ref:${logicalIdOf(stack.registry.table)}>`;
    for (const name of [LONG_TASK_STATES.markRunning, LONG_TASK_STATES.markSucceeded, LONG_TASK_STATES.markFailed]) {
      expect(asl.States[name]?.Parameters?.['TableName']).toBe(table);
    }
    expect(asl.States[LONG_TASK_STATES.sendSuccess]?.Parameters?.['QueueUrl']).toBe(`<Ref:${logicalIdOf(stack.destinations.successQueue)}>`);
    expect(asl.States[LONG_TASK_STATES.sendFailure]?.Parameters?.['QueueUrl']).toBe(`<Ref:${logicalIdOf(stack.destinations.failureQueue)}>`);
  });

  it('gives the ARM64 transcoder 100 GiB of scratch, ECS Exec, its log group and the stack\'s names', () => {
    // Assess
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      EphemeralStorage: { SizeInGiB: 100 },
      ContainerDefinitions: [
        Match.objectLike({
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
          Environment: Match.arrayWith([
            { Name: 'TASK_TABLE_NAME', Value: { Ref: logicalIdOf(stack.registry.table) } },
            { Name: 'MEDIA_BUCKET_NAME', Value: { Ref: logicalIdOf(stack.mediaStore.bucket) } },
            { Name: 'PAYLOAD_BUCKET_NAME', Value: { Ref: logicalIdOf(stack.payloadStore.bucket) } },
            { Name: 'WORK_DIR', Value: '/scratch' },
          ]),
        }),
      ],
    });
    template.hasResource('AWS::ECS::TaskDefinition', { Metadata: { 'stask:local-command': ['functions/long/transcoder/worker.ts'] } });
  });

  it('stages the transcoder image (linux/arm64, functions/long/transcoder/Dockerfile, only what its build reads)', () => {
    // Prepare
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'ServerlessTask.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }>;
    };
    // Act
    const images = Object.values(manifest.dockerImages).filter((image) => image.source.dockerFile === 'functions/long/transcoder/Dockerfile');
    // Assess
    expect(images).toHaveLength(1);
    expect(images[0]?.source).toMatchObject({ dockerFile: 'functions/long/transcoder/Dockerfile', platform: 'linux/arm64' });
    const staged = path.join(outdir, images[0]!.source.directory);
    for (const included of ['functions/long/transcoder/Dockerfile', 'functions/long/transcoder/worker.ts', 'functions/core/registry.ts', 'package-lock.json', 'tsconfig.json']) {
      expect(existsSync(path.join(staged, included))).toBe(true);
    }
    for (const excluded of ['node_modules', 'cdk.out', '.git', 'test', 'local', 'lib', 'bin', 'functions/short', 'functions/triggers']) {
      expect(existsSync(path.join(staged, excluded))).toBe(false);
    }
  });

  it('keeps media and registry traffic off the NAT gateway: S3 and DynamoDB gateway endpoints', () => {
    // Assess
    const vpc = logicalIdOf(stack.mediaNetwork.vpc);
    for (const service of ['s3', 'dynamodb']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcId: { Ref: vpc },
        VpcEndpointType: 'Gateway',
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
      });
    }
  });

  it('starts transcode tasks for uploads under uploads/ of the media bucket', () => {
    // Assess
    const fn = logicalIdOf(stack.uploadTrigger.taskFunction.function);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ Ref: logicalIdOf(stack.mediaStore.bucket) }] }, object: { key: [{ prefix: 'uploads/' }] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] } })],
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalIdOf(stack.mediaStore.bucket) },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalIdOf(stack.payloadStore.accessLogsBucket) }, LogFilePrefix: 'media/' },
    });
    const env = template.findResources('AWS::Lambda::Function')[fn]?.['Properties'].Environment.Variables;
    expect(env).toMatchObject({
      TRIGGER_TASK_NAME: 'transcode',
      TRIGGER_STATE_MACHINE_ARN: { Ref: logicalIdOf(stack.transcodeTask.stateMachine) },
      TRIGGER_OUTPUT_FORMATS: 'mp4,m3u8',
      TRIGGER_OUTPUT_DIR: 'transcoded',
      TRIGGER_PREFIX: 'uploads/',
      TASK_MAX_ATTEMPTS: '1',
    });
  });

  it('scopes the long lane\'s grants: named actions only, on the stack\'s resources', () => {
    // Assess
    const machine = statementsOfRole(template, logicalIdOf(stack.transcodeTask.stateMachine.role));
    expect(machine.flatMap(actionsOf).filter((a) => a.includes('*'))).toEqual([]);
    const trigger = statementsOfRole(template, logicalIdOf(stack.uploadTrigger.taskFunction.role));
    const start = trigger.find((s) => actionsOf(s).includes('states:StartExecution'))!;
    expect(resourcesOf(start)).toEqual([{ Ref: logicalIdOf(stack.transcodeTask.stateMachine) }]);
    expect(trigger.flatMap(actionsOf).filter((a) => a.includes('*'))).toEqual([]);
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
    const table = logicalIdOf(stack.registry.table);
    const transcodeTaskPolicy = 'ServerlessTask/TranscodeTask/TaskDefinition/TaskRole/DefaultPolicy/Resource';
    const transcodeExecutionPolicy = 'ServerlessTask/TranscodeTask/TaskDefinition/ExecutionRole/DefaultPolicy/Resource';
    const stateMachinePolicy = 'ServerlessTask/TranscodeTask/LongTask/StateMachine/Role/DefaultPolicy/Resource';
    const triggerPolicy = 'ServerlessTask/UploadTrigger/Function/ServiceRole/DefaultPolicy/Resource';
    const notificationsHandler = stack.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
    const notificationsHandlerRole = `${notificationsHandler?.node.path}/Role/Resource`;
    const rollupFindings = (): string[] => {
      const policy = 'ServerlessTask/CrossRegionRollup/TaskDefinition/TaskRole/DefaultPolicy/Resource';
      const machinePolicy = 'ServerlessTask/CrossRegionRollup/LongTask/StateMachine/Role/DefaultPolicy/Resource';
      const payloads = logicalIdOf(stack.payloadStore.bucket);
      return [
        'error AwsSolutions-ECS2 @ ServerlessTask/CrossRegionRollup/TaskDefinition/Resource',
        `error AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*] @ ${policy}`,
        `error AwsSolutions-IAM5[Resource::<${logicalIdOf(stack.mediaStore.bucket)}.Arn>/*] @ ${policy}`,
        `error AwsSolutions-IAM5[Resource::<${payloads}.Arn>/payloads/*] @ ${policy}`,
        `error AwsSolutions-IAM5[Resource::<${payloads}.Arn>/results/*] @ ${policy}`,
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*'].map((action) => `error AwsSolutions-IAM5[Action::${action}] @ ${policy}`),
        'error AwsSolutions-IAM5[Resource::*] @ ServerlessTask/CrossRegionRollup/TaskDefinition/ExecutionRole/DefaultPolicy/Resource',
        `error AwsSolutions-IAM5[Resource::*] @ ${machinePolicy}`,
        `error AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${logicalIdOf(stack.mediaNetwork.cluster)}>/*] @ ${machinePolicy}`,
      ];
    };
    // Issue 11: DescribeExecution on a limited long task's executions (admission and the slot reconcile).
    const executionsFinding = (machine: string, policy: string): string =>
      `error AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machine}"}]}]}:*] @ ${policy}`;
    const machines = [logicalIdOf(stack.transcodeTask.stateMachine), logicalIdOf(stack.rollupTask.stateMachine)];
    const admitterPolicy = 'ServerlessTask/LongTaskAdmitter/Function/ServiceRole/DefaultPolicy/Resource';
    const admitterFindings = (): string[] => [
      `error AwsSolutions-IAM5[Resource::*] @ ${admitterPolicy}`,
      `error AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*] @ ${admitterPolicy}`,
      ...machines.map((m) => executionsFinding(m, admitterPolicy)),
      ...machines.map((m) => executionsFinding(m, sweeperPolicy)),
      executionsFinding(logicalIdOf(stack.transcodeTask.stateMachine), triggerPolicy),
    ];
    const operatorFindings = (): string[] => {
      const policy = 'ServerlessTask/TaskOperator/Role/DefaultPolicy/Resource';
      const bucket = logicalIdOf(stack.payloadStore.bucket);
      const cluster = logicalIdOf(stack.mediaNetwork.cluster);
      const machine = logicalIdOf(stack.transcodeTask.stateMachine);
      return [
        `error AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*] @ ${policy}`,
        ...[...stack.shortTasks.values()].map((t) => `error AwsSolutions-IAM5[Resource::<${logicalIdOf(t.function)}.Arn>:*] @ ${policy}`),
        ...[machine, logicalIdOf(stack.rollupTask.stateMachine)].map(
          (m) => `error AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${m}"}]}]}:*] @ ${policy}`,
        ),
        `error AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${cluster}>/*] @ ${policy}`,
        `error AwsSolutions-IAM5[Resource::<${bucket}.Arn>/*] @ ${policy}`,
        `error AwsSolutions-IAM5[Resource::<${bucket}.Arn>/payloads/*] @ ${policy}`,
        `error AwsSolutions-IAM5[Action::s3:GetObject*] @ ${policy}`,
        `error AwsSolutions-IAM5[Action::s3:GetBucket*] @ ${policy}`,
        `error AwsSolutions-IAM5[Action::s3:List*] @ ${policy}`,
        `error AwsSolutions-IAM5[Action::s3:Abort*] @ ${policy}`,
      ];
    };
    const taskApiFindings = (): string[] => {
      const policy = 'ServerlessTask/TaskApi/Function/ServiceRole/DefaultPolicy/Resource';
      const bucket = logicalIdOf(stack.payloadStore.bucket);
      return [
        `error AwsSolutions-IAM5[Resource::*] @ ${policy}`,
        `error AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*] @ ${policy}`,
        ...[...stack.shortTasks.values()].map((t) => `error AwsSolutions-IAM5[Resource::<${logicalIdOf(t.function)}.Arn>:*] @ ${policy}`),
        ...[logicalIdOf(stack.transcodeTask.stateMachine), logicalIdOf(stack.rollupTask.stateMachine)].map(
          (m) => `error AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${m}"}]}]}:*] @ ${policy}`,
        ),
        `error AwsSolutions-IAM5[Resource::<${bucket}.Arn>/*] @ ${policy}`,
        `error AwsSolutions-IAM5[Resource::<${bucket}.Arn>/payloads/*] @ ${policy}`,
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*'].map((action) => `error AwsSolutions-IAM5[Action::${action}] @ ${policy}`),
      ];
    };
    expect(acknowledged).toEqual(
      [
        'error AwsSolutions-SQS3 @ ServerlessTask/TaskDestinations/FailureQueue/Resource',
        ...perTask('AnalyzeSlowQueries'),
        ...perTask('AlwaysFails'),
        ...perTask('DetectQueryRegressions'),
        // python3.15, the newest runtime aws-cdk-lib lists, is a preview runtime
        'error AwsSolutions-L1 @ ServerlessTask/ShortTaskDetectQueryRegressions/TaskFunction/Function/Resource',
        `error AwsSolutions-IAM5[Resource::*] @ ${sweeperPolicy}`,
        `error AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*] @ ${sweeperPolicy}`,
        // The sweeper dispatches QUEUED tasks whose submitter died: invoke on each short task's function.
        ...[...stack.shortTasks.values()].map((t) => `error AwsSolutions-IAM5[Resource::<${logicalIdOf(t.function)}.Arn>:*] @ ${sweeperPolicy}`),
        // The transcode task: plain configuration in the container environment, the worker's grants,
        // ECS Exec, the ECR pull of the image asset, and the state machine's log delivery and X-Ray.
        'error AwsSolutions-ECS2 @ ServerlessTask/TranscodeTask/TaskDefinition/Resource',
        `error AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*] @ ${transcodeTaskPolicy}`,
        `error AwsSolutions-IAM5[Resource::<${logicalIdOf(stack.mediaStore.bucket)}.Arn>/*] @ ${transcodeTaskPolicy}`,
        `error AwsSolutions-IAM5[Resource::<${logicalIdOf(stack.payloadStore.bucket)}.Arn>/payloads/*] @ ${transcodeTaskPolicy}`,
        `error AwsSolutions-IAM5[Action::s3:GetObject*] @ ${transcodeTaskPolicy}`,
        `error AwsSolutions-IAM5[Action::s3:GetBucket*] @ ${transcodeTaskPolicy}`,
        `error AwsSolutions-IAM5[Action::s3:List*] @ ${transcodeTaskPolicy}`,
        `error AwsSolutions-IAM5[Action::s3:Abort*] @ ${transcodeTaskPolicy}`,
        `error AwsSolutions-IAM5[Resource::*] @ ${transcodeTaskPolicy}`,
        `error AwsSolutions-IAM5[Resource::*] @ ${transcodeExecutionPolicy}`,
        `error AwsSolutions-IAM5[Resource::*] @ ${stateMachinePolicy}`,
        // ecs:StopTask/DescribeTasks of ecs:runTask.sync, scoped to the cluster's tasks (issue 8).
        `error AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${logicalIdOf(stack.mediaNetwork.cluster)}>/*] @ ${stateMachinePolicy}`,
        // The cross-region-rollup Python job: the same kinds of findings as the transcoder's, without ECS Exec.
        ...rollupFindings(),
        // The upload trigger: its dead-letter queue, X-Ray, the registry's indexes, and CDK's handler that
        // turns on the media bucket's EventBridge notifications at deployment.
        'error AwsSolutions-SQS3 @ ServerlessTask/UploadTrigger/DeadLetterQueue/Resource',
        `error AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole] @ ${notificationsHandlerRole}`,
        `error AwsSolutions-IAM5[Resource::*] @ ${triggerPolicy}`,
        `error AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*] @ ${triggerPolicy}`,
        // The operator role (grantOperate): wildcards only within the stack's own resources.
        ...operatorFindings(),
        ...admitterFindings(),
        // The task API's function: the TaskClient's grants, wildcards only within the stack's own resources.
        ...taskApiFindings(),
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
      )
      // aws-cdk-lib acknowledges findings of its own CloudFormation validation on some L2s (VPC AZs, flow log
      // options); those are not cdk-nag's and are left to aws-cdk-lib.
      .filter((ack) => !ack.id.startsWith('CloudFormation-Validate::'));
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
