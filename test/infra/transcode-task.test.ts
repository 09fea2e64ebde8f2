import { Duration } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LONG_TASK_STATES, TRANSIENT_WORK_ERRORS } from '../../lib/constructs/long-task.js';
import { MediaNetwork } from '../../lib/constructs/media-network.js';
import { MediaStore } from '../../lib/constructs/media-store.js';
import { PayloadStore } from '../../lib/constructs/payload-store.js';
import { TaskDestinations } from '../../lib/constructs/task-destinations.js';
import { TaskRegistry } from '../../lib/constructs/task-registry.js';
import {
  LOCAL_COMMAND_METADATA,
  TRANSCODER_USER,
  SEGMENTED_STATES,
  TRANSCODER_IMAGE_EXCLUDE,
  TranscodeTask,
} from '../../lib/constructs/transcode-task.js';
import type { TranscodeTaskProps } from '../../lib/constructs/transcode-task.js';
import { actionsOf, allStates, aslOf, logicalIdOf, newTestStack, resourcesOf, statementsOfRole } from './support.js';
import type { AslState, PolicyStatement } from './support.js';
import { DEFAULTS, ENV } from '../../functions/core/facts.js';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:24-slim');

interface Fixture {
  stack: Stack;
  props: TranscodeTaskProps;
  ids: { table: string; media: string; payloads: string; execLogs: string };
}

function prepare(overrides: Partial<TranscodeTaskProps> = {}): Fixture {
  const stack = newTestStack();
  const network = new MediaNetwork(stack, 'Network');
  const registry = new TaskRegistry(stack, 'Registry');
  const destinations = new TaskDestinations(stack, 'Destinations');
  const payloads = new PayloadStore(stack, 'Payloads');
  const media = new MediaStore(stack, 'Media', { accessLogsBucket: payloads.accessLogsBucket });
  return {
    stack,
    props: {
      cluster: network.cluster,
      table: registry.table,
      successQueue: destinations.successQueue,
      failureQueue: destinations.failureQueue,
      mediaBucket: media.bucket,
      payloadBucket: payloads.bucket,
      image: IMAGE,
      ...overrides,
    },
    ids: {
      table: logicalIdOf(registry.table),
      media: logicalIdOf(media.bucket),
      payloads: logicalIdOf(payloads.bucket),
      execLogs: logicalIdOf(network.execLogGroup),
    },
  };
}

const envOf = (state: AslState): Record<string, unknown> => {
  const environment = (state.Parameters?.['Overrides'] as { ContainerOverrides: { Environment: Record<string, unknown>[] }[] })
    .ContainerOverrides[0]!.Environment;
  return Object.fromEntries(environment.map((e) => [e['Name'], e['Value'] ?? { path: e['Value.$'] }]));
};
const join = (id: string, suffix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, suffix]] });

describe('TranscodeTask', () => {
  let template: Template;
  let task: TranscodeTask;
  let ids: Fixture['ids'];
  let statements: PolicyStatement[];

  beforeAll(() => {
    // Prepare
    const fixture = prepare();
    ids = fixture.ids;
    // Act
    task = new TranscodeTask(fixture.stack, 'Transcode', fixture.props);
    template = Template.fromStack(fixture.stack);
    statements = statementsOfRole(template, logicalIdOf(task.taskDefinition.taskRole));
  });

  it('defines an ARM64 Linux Fargate task with 4 vCPU, 16 GiB and 100 GiB of ephemeral storage', () => {
    // Assess
    template.resourceCountIs('AWS::ECS::TaskDefinition', 1);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '4096',
      Memory: '16384',
      EphemeralStorage: { SizeInGiB: 100 },
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
  });

  it('mounts /scratch on the ephemeral storage and runs an init process', () => {
    // Assess
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Volumes: [{ Name: 'scratch' }],
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'transcoder',
          Essential: true,
          MountPoints: [{ ContainerPath: '/scratch', SourceVolume: 'scratch', ReadOnly: false }],
          LinuxParameters: Match.objectLike({ InitProcessEnabled: true }),
        }),
      ],
    });
  });

  it('sends container output to its log group with the awslogs driver, stream prefix "transcode"', () => {
    // Assess
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          LogConfiguration: {
            LogDriver: 'awslogs',
            Options: {
              'awslogs-group': { Ref: logicalIdOf(task.logGroup) },
              'awslogs-stream-prefix': 'transcode',
              'awslogs-region': { Ref: 'AWS::Region' },
            },
          },
        }),
      ],
    });
  });

  it('gives the container its configuration through the exact environment variables', () => {
    // Assess
    const definition = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0];
    const environment = definition?.['Properties'].ContainerDefinitions[0].Environment as { Name: string; Value: unknown }[];
    expect(Object.fromEntries(environment.map((e) => [e.Name, e.Value]))).toEqual({
      TASK_NAME: 'transcode',
      TASK_TABLE_NAME: { Ref: ids.table },
      MEDIA_BUCKET_NAME: { Ref: ids.media },
      PAYLOAD_BUCKET_NAME: { Ref: ids.payloads },
      WORK_DIR: '/scratch',
      SEGMENT_MIN_DURATION_SECONDS: '600',
      SEGMENT_COUNT: '4',
      TASK_HEARTBEAT_SECONDS: '10',
      WORKER_MODE: 'transcode',
      POWERTOOLS_SERVICE_NAME: 'transcode',
      POWERTOOLS_METRICS_NAMESPACE: 'ServerlessTask',
    });
  });

  it('tells the embedded platform which worker to run locally (stask:local-command metadata)', () => {
    // Assess
    template.hasResource('AWS::ECS::TaskDefinition', {
      Metadata: { [LOCAL_COMMAND_METADATA]: ['functions/long/transcoder/worker.ts'] },
    });
    expect(LOCAL_COMMAND_METADATA).toBe('stask:local-command');
  });

  it('runs it from a LongTask named transcode, with ECS Exec, in the private subnets, without a public IP', () => {
    // Assess
    const asl = aslOf(template, logicalIdOf(task.stateMachine));
    const run = asl.States[LONG_TASK_STATES.runWork]!;
    expect(run.Resource).toBe('arn:<Ref:AWS::Partition>:states:::ecs:runTask.sync');
    expect(run.TimeoutSeconds).toBe(DEFAULTS.longTaskTimeoutSeconds);
    expect(run.Retry?.[0]?.ErrorEquals).toEqual([...TRANSIENT_WORK_ERRORS]);
    expect(run.Parameters).toMatchObject({
      Cluster: expect.stringMatching(/^<GetAtt:NetworkCluster.*\.Arn>$/),
      LaunchType: 'FARGATE',
      EnableExecuteCommand: true,
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: [expect.stringMatching(/^<Ref:NetworkVpcPrivateSubnet1/), expect.stringMatching(/^<Ref:NetworkVpcPrivateSubnet2/)],
          SecurityGroups: [`<GetAtt:${logicalIdOf(task.securityGroup)}.GroupId>`],
        },
      },
    });
    expect(run.Parameters?.['NetworkConfiguration']).not.toHaveProperty('AwsvpcConfiguration.AssignPublicIp', 'ENABLED');
    expect(envOf(run)).toEqual({
      TASK_ID: { path: '$.taskId' },
      TASK_NAME: 'transcode',
      TASK_PAYLOAD: { path: 'States.JsonToString($.payload)' },
      EXECUTION_REF: { path: '$$.Execution.Id' },
      TASK_TABLE_NAME: `<Ref:${ids.table}>`,
      WORKER_MODE: 'transcode',
    });
  });

  it('opens no inbound port on the workers', () => {
    // Assess
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Transcode workers'),
      SecurityGroupIngress: Match.absent(),
      // Issue 8: HTTPS only (was all traffic, contradicting the group's description).
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.stringLikeRegexp('^HTTPS') }],
    });
  });

  it('runs the container as the image\'s unprivileged user with every Linux capability dropped', () => {
    // Assess
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          User: TRANSCODER_USER,
          LinuxParameters: Match.objectLike({ InitProcessEnabled: true, Capabilities: { Drop: ['ALL'] } }),
        }),
      ],
    });
    expect(TRANSCODER_USER).toBe('10001:10001');
  });

  it('grants the worker the registry table, media read and put (no delete), and payloads/ read', () => {
    // Assess
    const actions = statements.flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem', 's3:GetObject*', 's3:PutObject']));
    expect(actions.some((a) => a.startsWith('s3:Delete'))).toBe(false);
    const resources = JSON.stringify(statements.flatMap(resourcesOf));
    expect(resources).toContain(JSON.stringify(join(ids.media, '/*')));
    expect(resources).toContain(JSON.stringify(join(ids.payloads, '/payloads/*')));
    expect(resources).not.toContain(JSON.stringify(join(ids.payloads, '/*')));
    const put = statements.find((s) => actionsOf(s).includes('s3:PutObject'))!;
    expect(resourcesOf(put)).toEqual([join(ids.media, '/*')]);
  });

  it('grants what ECS Exec needs: the SSM channels and writing to the exec session log group only', () => {
    // Assess
    const ssm = statements.find((s) => actionsOf(s).includes('ssmmessages:OpenDataChannel'))!;
    expect(actionsOf(ssm).filter((a) => a.startsWith('ssmmessages:')).sort()).toEqual([
      'ssmmessages:CreateControlChannel',
      'ssmmessages:CreateDataChannel',
      'ssmmessages:OpenControlChannel',
      'ssmmessages:OpenDataChannel',
    ]);
    const write = statements.find((s) => actionsOf(s).includes('logs:PutLogEvents'))!;
    expect(resourcesOf(write)).toEqual([{ 'Fn::GetAtt': [ids.execLogs, 'Arn'] }]);
  });

  it('names every action of the task role (no wildcard action but the S3 grant families)', () => {
    // Assess
    const wildcards = statements.flatMap(actionsOf).filter((a) => a.includes('*'));
    expect(wildcards.sort()).toEqual(['s3:Abort*', 's3:GetBucket*', 's3:GetObject*', 's3:List*']);
  });
});

describe('TranscodeTask options', () => {
  it('honours cpu, memory, ephemeral storage, timeout and disabling ECS Exec', () => {
    // Prepare
    const fixture = prepare({
      cpu: 8192,
      memoryLimitMiB: 32_768,
      ephemeralStorageGiB: 200,
      timeout: Duration.hours(2),
      enableExecuteCommand: false,
    });
    // Act
    const task = new TranscodeTask(fixture.stack, 'Transcode', fixture.props);
    // Assess
    const template = Template.fromStack(fixture.stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '8192', Memory: '32768', EphemeralStorage: { SizeInGiB: 200 } });
    const run = aslOf(template, logicalIdOf(task.stateMachine)).States[LONG_TASK_STATES.runWork]!;
    expect(run.TimeoutSeconds).toBe(7200);
    expect(run.Parameters?.['EnableExecuteCommand']).toBe(false);
    const actions = statementsOfRole(template, logicalIdOf(task.taskDefinition.taskRole)).flatMap(actionsOf);
    expect(actions.some((a) => a.startsWith('ssmmessages:'))).toBe(false);
  });

  it.each([20, 201, 50.5])('rejects ephemeralStorageGiB %d', (ephemeralStorageGiB) => {
    // Prepare
    const fixture = prepare({ ephemeralStorageGiB });
    // Act
    const act = () => new TranscodeTask(fixture.stack, 'Transcode', fixture.props);
    // Assess
    expect(act).toThrow(`TranscodeTask: ephemeralStorageGiB must be an integer from 21 to 200, got ${ephemeralStorageGiB}`);
  });

  it.each([
    [{ segments: 0 }, 'segmented.segments must be an integer from 1 to 100, got 0'],
    [{ maxConcurrency: 41 }, 'segmented.maxConcurrency must be an integer from 1 to 40, got 41'],
    [{ minDurationSeconds: -1 }, 'segmented.minDurationSeconds must be a whole number of seconds >= 0, got -1'],
  ])('rejects segmented %o', (segmented, message) => {
    // Prepare
    const fixture = prepare({ segmented });
    // Act
    const act = () => new TranscodeTask(fixture.stack, 'Transcode', fixture.props);
    // Assess
    expect(act).toThrow(`TranscodeTask: ${message}`);
  });

  it('stages only what the image build reads: everything is excluded but the worker, the task model and the manifests', () => {
    // Assess
    expect(TRANSCODER_IMAGE_EXCLUDE[0]).toBe('**');
    expect(TRANSCODER_IMAGE_EXCLUDE.slice(1).sort()).toEqual(
      ['!functions/core/**', '!functions/long/transcoder/**', '!package-lock.json', '!package.json', '!tsconfig.json'].sort(),
    );
  });
});

describe('TranscodeTask segmented mode', () => {
  let states: Record<string, AslState>;
  let template: Template;
  let task: TranscodeTask;

  beforeAll(() => {
    // Prepare
    const fixture = prepare({ segmented: { minDurationSeconds: 900, segments: 6, maxConcurrency: 3 } });
    // Act
    task = new TranscodeTask(fixture.stack, 'Transcode', fixture.props);
    template = Template.fromStack(fixture.stack);
    states = allStates(aslOf(template, logicalIdOf(task.stateMachine)));
  });

  it('plans, reads the plan, and either is done or fans out segments and joins them, inside "Run the work"', () => {
    // Assess
    const run = states[LONG_TASK_STATES.runWork]!;
    expect(run.Type).toBe('Parallel');
    // States.ALL is the last catcher (the ASL rule); a stopped container's States.TaskFailed gets its short reason first.
    expect(run.Catch?.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'], Next: LONG_TASK_STATES.markFailed });
    expect(run.Catch?.[0]).toMatchObject({ ErrorEquals: ['States.TaskFailed'], Next: LONG_TASK_STATES.isStoppedContainer });
    expect(run.Branches?.[0]?.StartAt).toBe(SEGMENTED_STATES.plan);
    expect(states[SEGMENTED_STATES.plan]?.Next).toBe(SEGMENTED_STATES.readPlan);
    expect(states[SEGMENTED_STATES.readPlan]).toMatchObject({
      Resource: 'arn:<Ref:AWS::Partition>:states:::dynamodb:getItem',
      Next: SEGMENTED_STATES.oneSegment,
      ResultPath: '$.plan',
      Parameters: { ConsistentRead: true, ProjectionExpression: '#plan', ExpressionAttributeNames: { '#plan': 'plan' }, Key: { taskId: { 'S.$': '$.taskId' } } },
    });
    expect(states[SEGMENTED_STATES.oneSegment]).toMatchObject({
      Type: 'Choice',
      Choices: [
        { Variable: '$.plan.Item.plan.M.segmentCount.N', IsPresent: false, Next: SEGMENTED_STATES.noPlan },
        { Variable: '$.plan.Item.plan.M.segmentCount.N', StringEquals: '1', Next: SEGMENTED_STATES.onePass },
      ],
      Default: SEGMENTED_STATES.listSegments,
    });
    expect(states[SEGMENTED_STATES.onePass]?.Type).toBe('Succeed');
    expect(states[SEGMENTED_STATES.noPlan]).toMatchObject({ Type: 'Fail', Error: 'SegmentPlanMissing' });
    expect(states[SEGMENTED_STATES.listSegments]?.Parameters).toEqual({
      'indices.$': 'States.ArrayRange(0, States.MathAdd(States.StringToJson($.plan.Item.plan.M.segmentCount.N), -1), 1)',
    });
    expect(states[SEGMENTED_STATES.segments]).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.segments.indices',
      MaxConcurrency: 3,
      ResultPath: null,
      Next: SEGMENTED_STATES.join,
      ItemSelector: { 'taskId.$': '$.taskId', 'task.$': '$.task', 'payload.$': '$.payload', 'segmentIndex.$': '$$.Map.Item.Value' },
    });
    expect(states[SEGMENTED_STATES.join]?.End).toBe(true);
  });

  it('runs every step as an ECS task with its WORKER_MODE, retry and timeout; a segment gets SEGMENT_INDEX', () => {
    // Assess
    const modes = { [SEGMENTED_STATES.plan]: 'plan', [SEGMENTED_STATES.segment]: 'segment', [SEGMENTED_STATES.join]: 'join' };
    for (const [name, mode] of Object.entries(modes)) {
      const state = states[name]!;
      expect(state.Resource).toBe('arn:<Ref:AWS::Partition>:states:::ecs:runTask.sync');
      expect(state.TimeoutSeconds).toBe(DEFAULTS.longTaskTimeoutSeconds);
      expect(state.Retry?.[0]?.ErrorEquals).toEqual([...TRANSIENT_WORK_ERRORS]);
      expect(envOf(state)).toMatchObject({ WORKER_MODE: mode, TASK_ID: { path: '$.taskId' }, EXECUTION_REF: { path: '$$.Execution.Id' } });
    }
    expect(envOf(states[SEGMENTED_STATES.segment]!)['SEGMENT_INDEX']).toEqual({ path: "States.Format('{}', $.segmentIndex)" });
    expect(envOf(states[SEGMENTED_STATES.plan]!)).not.toHaveProperty('SEGMENT_INDEX');
  });

  it('passes the segment sizes to the container and lets the state machine read the plan', () => {
    // Assess
    const definition = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0];
    const environment = definition?.['Properties'].ContainerDefinitions[0].Environment as { Name: string; Value: unknown }[];
    expect(environment).toEqual(
      expect.arrayContaining([
        { Name: 'SEGMENT_MIN_DURATION_SECONDS', Value: '900' },
        { Name: 'SEGMENT_COUNT', Value: '6' },
      ]),
    );
    const statements = statementsOfRole(template, logicalIdOf(task.stateMachine.role));
    expect(statements.flatMap(actionsOf)).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'ecs:RunTask']));
    const runTask = statements.filter((s) => actionsOf(s).includes('ecs:RunTask'));
    expect(runTask.flatMap(resourcesOf)).toEqual([{ Ref: logicalIdOf(task.taskDefinition) }]);
  });
});

describe('TranscodeTask usage (what MarkRunning records for stask cost)', () => {
  const synth = (overrides: Partial<TranscodeTaskProps>) => {
    const fixture = prepare(overrides);
    const task = new TranscodeTask(fixture.stack, 'Transcode', fixture.props);
    const template = Template.fromStack(fixture.stack);
    const asl = aslOf(template, logicalIdOf(task.stateMachine));
    const env = (template.findResources('AWS::ECS::TaskDefinition')[logicalIdOf(task.taskDefinition)]?.['Properties'] as {
      ContainerDefinitions: { Environment: { Name: string; Value: string }[] }[];
    }).ContainerDefinitions[0]!.Environment;
    return { asl, env: Object.fromEntries(env.map((e) => [e.Name, e.Value])) };
  };
  const usageValue = (state: AslState | undefined) => (state?.Parameters?.['ExpressionAttributeValues'] as Record<string, unknown>)[':usage'];
  const usage = (vcpu: number, memoryMb: number, storageGb: number, transitions: number) => ({
    M: { compute: { S: 'fargate' }, memoryMb: { N: String(memoryMb) }, vcpu: { N: String(vcpu) }, stateTransitions: { N: String(transitions) }, ephemeralStorageGb: { N: String(storageGb) } },
  });

  it('single pass: the task definition size and the five states of the path, at start only', () => {
    const { asl, env } = synth({});
    expect(asl.States[LONG_TASK_STATES.markRunning]?.Parameters?.['UpdateExpression']).toContain('#usage = :usage');
    expect(usageValue(asl.States[LONG_TASK_STATES.markRunning])).toEqual(usage(4, 16_384, 100, 5));
    // Not again at the end: work that knows better (a segmented plan) records its own in between.
    for (const state of [LONG_TASK_STATES.markSucceeded, LONG_TASK_STATES.markFailed]) expect(asl.States[state]?.Parameters?.['UpdateExpression']).not.toContain('#usage');
    expect(env[ENV.taskUsage]).toBeUndefined();
  });

  it('segmented: one task at start (the one-pass path\'s nine states); the worker gets that size and the Map\'s concurrency', () => {
    const { asl, env } = synth({ segmented: { minDurationSeconds: 900, segments: 6, maxConcurrency: 3 } });
    expect(usageValue(asl.States[LONG_TASK_STATES.markRunning])).toEqual(usage(4, 16_384, 100, 5 + 4));
    expect(JSON.parse(env[ENV.taskUsage] ?? 'null')).toEqual({ compute: 'fargate', memoryMb: 16_384, vcpu: 4, ephemeralStorageGb: 100, stateTransitions: 9 });
    expect(env[ENV.segmentMaxConcurrency]).toBe('3');
  });
});

describe('TranscodeTask maxConcurrency', () => {
  it('is its LongTask\'s limit: the default, or the prop', () => {
    const byDefault = prepare();
    expect(new TranscodeTask(byDefault.stack, 'Transcode', byDefault.props).maxConcurrency).toBe(DEFAULTS.longTaskMaxConcurrency);
    const limited = prepare({ maxConcurrency: 4 });
    expect(new TranscodeTask(limited.stack, 'Transcode', limited.props).maxConcurrency).toBe(4);
  });
});
