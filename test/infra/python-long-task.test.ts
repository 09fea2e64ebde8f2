import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, LOCAL_COMMAND_METADATA, LocalCommandSchema } from '../../functions/core/facts.js';
import { LONG_TASK_STATES } from '../../lib/constructs/long-task.js';
import { MediaNetwork } from '../../lib/constructs/media-network.js';
import { PayloadStore } from '../../lib/constructs/payload-store.js';
import { PYTHON_JOB_DOCKERFILE, PYTHON_JOB_USER, PythonLongTask, type PythonLongTaskProps } from '../../lib/constructs/python-long-task.js';
import { TaskDestinations } from '../../lib/constructs/task-destinations.js';
import { TaskRegistry } from '../../lib/constructs/task-registry.js';
import { PROJECT_ROOT } from '../../lib/constructs/task-function.js';
import { aslOf, logicalIdOf, newTestApp } from './support.js';

const ENTRY = 'functions/long/cross-region-rollup';

function prepare(outdir?: string): { stack: Stack; props: PythonLongTaskProps; ids: { table: string; payloads: string } } {
  const stack = new Stack(newTestApp(outdir ? { outdir } : {}), 'TestStack');
  const network = new MediaNetwork(stack, 'Network');
  const registry = new TaskRegistry(stack, 'Registry');
  const destinations = new TaskDestinations(stack, 'Destinations');
  const payloads = new PayloadStore(stack, 'Payloads');
  return {
    stack,
    props: {
      taskName: 'cross-region-rollup',
      entry: ENTRY,
      handler: 'rollup_job:run',
      cluster: network.cluster,
      table: registry.table,
      successQueue: destinations.successQueue,
      failureQueue: destinations.failureQueue,
      payloadBucket: payloads.bucket,
    },
    ids: { table: logicalIdOf(registry.table), payloads: logicalIdOf(payloads.bucket) },
  };
}

describe('PythonLongTask', () => {
  let outdir: string;
  let template: Template;
  let task: PythonLongTask;
  let ids: { table: string; payloads: string };

  beforeAll(() => {
    // Prepare
    outdir = mkdtempSync(path.join(tmpdir(), 'cdk-out-pylong-'));
    const fixture = prepare(outdir);
    ids = fixture.ids;
    // Act
    task = new PythonLongTask(fixture.stack, 'Rollup', fixture.props);
    template = Template.fromStack(fixture.stack);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('defines an ARM64 Linux Fargate task run by a non-root user with every capability dropped and an init process', () => {
    // Assess
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      Cpu: '1024',
      Memory: '4096',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'job',
          User: PYTHON_JOB_USER,
          Command: ['rollup_job:run'],
          LinuxParameters: { Capabilities: { Drop: ['ALL'] }, InitProcessEnabled: true },
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs', Options: Match.objectLike({ 'awslogs-group': { Ref: logicalIdOf(task.logGroup) } }) }),
        }),
      ],
    });
    expect(PYTHON_JOB_USER).not.toMatch(/^0(:|$)/);
  });

  it('gives the container the env contract of facts.ts', () => {
    // Assess
    const definition = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0];
    const environment = definition?.['Properties'].ContainerDefinitions[0].Environment as { Name: string; Value: unknown }[];
    expect(Object.fromEntries(environment.map((e) => [e.Name, e.Value]))).toEqual({
      TASK_NAME: 'cross-region-rollup',
      TASK_TABLE_NAME: { Ref: ids.table },
      PAYLOAD_BUCKET_NAME: { Ref: ids.payloads },
      TASK_HEARTBEAT_SECONDS: '10',
      POWERTOOLS_SERVICE_NAME: 'cross-region-rollup',
      POWERTOOLS_METRICS_NAMESPACE: 'ServerlessTask',
    });
  });

  it('builds the image from the Python job Dockerfile (linux/arm64, the runtime Python, only what the build reads)', () => {
    // Prepare
    const assembly = (task.node.root as unknown as { synth(): { directory: string } }).synth();
    const manifest = JSON.parse(readFileSync(path.join(assembly.directory, 'TestStack.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string; dockerBuildArgs?: Record<string, string> } }>;
    };
    // Act
    const images = Object.values(manifest.dockerImages);
    // Assess
    expect(images).toHaveLength(1);
    expect(images[0]?.source).toMatchObject({ dockerFile: PYTHON_JOB_DOCKERFILE, platform: 'linux/arm64', dockerBuildArgs: { TASK_DIR: ENTRY, PYTHON_VERSION: '3.14' } });
    const staged = path.join(assembly.directory, images[0]!.source.directory);
    for (const included of [PYTHON_JOB_DOCKERFILE, `${ENTRY}/rollup_job.py`, `${ENTRY}/requirements.txt`, 'python/stask_runtime/long_job.py', 'python/stask_runtime/requirements.txt', 'functions/core/task-contract.json']) {
      expect(existsSync(path.join(staged, included)), included).toBe(true);
    }
    for (const excluded of ['node_modules', 'python/.venv', 'python/tests', 'functions/short', 'functions/long/transcoder', 'lib', 'local']) {
      expect(existsSync(path.join(staged, excluded)), excluded).toBe(false);
    }
    const dockerfile = readFileSync(path.join(PROJECT_ROOT, PYTHON_JOB_DOCKERFILE), 'utf8');
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["python", "-m", "stask_runtime\.long_job"\]$/m);
  });

  it('tells the embedded platform to run the module in a venv of the pinned requirements (stask:local-command)', () => {
    // Assess
    const definition = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0];
    const command = LocalCommandSchema.parse(definition?.['Metadata']?.[LOCAL_COMMAND_METADATA]);
    expect(command).toEqual({
      python: {
        runtime: 'python3.14',
        module: 'stask_runtime.long_job',
        args: ['rollup_job:run'],
        requirements: [`${ENTRY}/requirements.txt`, 'python/stask_runtime/requirements.txt'],
        path: [ENTRY, 'python'],
      },
    });
  });

  it('runs it from a LongTask (ecs:runTask.sync with the lane container overrides), in private subnets, outbound HTTPS only', () => {
    // Assess
    const run = aslOf(template, logicalIdOf(task.stateMachine)).States[LONG_TASK_STATES.runWork]!;
    expect(run.Resource).toBe('arn:<Ref:AWS::Partition>:states:::ecs:runTask.sync');
    expect(run.TimeoutSeconds).toBe(DEFAULTS.longTaskTimeoutSeconds);
    const overrides = (run.Parameters?.['Overrides'] as { ContainerOverrides: { Name: string; Environment: { Name: string }[] }[] }).ContainerOverrides[0];
    expect(overrides?.Name).toBe('job');
    expect(overrides?.Environment.map((e) => e.Name)).toEqual(['TASK_ID', 'TASK_NAME', 'TASK_PAYLOAD', 'EXECUTION_REF', 'TASK_TABLE_NAME']);
    expect(run.Parameters?.['NetworkConfiguration']).toEqual({
      AwsvpcConfiguration: {
        Subnets: [expect.stringMatching(/^<Ref:NetworkVpcPrivateSubnet1/), expect.stringMatching(/^<Ref:NetworkVpcPrivateSubnet2/)],
        SecurityGroups: [`<GetAtt:${logicalIdOf(task.securityGroup)}.GroupId>`],
      },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Python job cross-region-rollup'),
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp', Description: Match.anyValue() }],
    });
  });
});

describe('PythonLongTask props', () => {
  it.each([
    ['a handler that is not MODULE:FUNCTION', { handler: 'rollup_job.run' }, /handler must be MODULE:FUNCTION/],
    ['an entry outside the repository', { entry: '../elsewhere' }, /entry must be a directory relative to the repository root/],
  ])('rejects %s', (_name, change, message) => {
    // Prepare
    const { stack, props } = prepare();
    // Act
    const act = () => new PythonLongTask(stack, 'Rollup', { ...props, ...change });
    // Assess
    expect(act).toThrow(message);
  });

  it('rejects a requirements file that is not pinned, naming the line', () => {
    // Prepare
    const dir = path.join(PROJECT_ROOT, '.cache', `pylong-test-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'requirements.txt'), 'pandas>=2\n');
    const { stack, props } = prepare();
    try {
      // Act
      const act = () => new PythonLongTask(stack, 'Rollup', { ...props, entry: path.relative(PROJECT_ROOT, dir) });
      // Assess
      expect(act).toThrow(/requirements.txt:1: 'pandas>=2' is not a pinned requirement/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PythonLongTask maxConcurrency', () => {
  it("is its LongTask's limit: the default, or the prop", () => {
    const byDefault = prepare();
    expect(new PythonLongTask(byDefault.stack, 'Rollup', byDefault.props).maxConcurrency).toBe(DEFAULTS.longTaskMaxConcurrency);
    const limited = prepare();
    expect(new PythonLongTask(limited.stack, 'Rollup', { ...limited.props, maxConcurrency: 2 }).maxConcurrency).toBe(2);
  });
});
