import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, TaskFunction } from '../../lib/constructs/task-function.js';
import {
  actionsOf,
  FIXTURE_ENTRY,
  logicalIdOf,
  newTestApp,
  newTestStack,
  resourcesOf,
  statementsOfRole,
} from './support.js';

describe('TaskFunction', () => {
  let template: Template;
  let taskFunction: TaskFunction;

  beforeAll(() => {
    // Prepare
    const stack = newTestStack();
    // Act
    taskFunction = new TaskFunction(stack, 'Fn', { entry: FIXTURE_ENTRY, serviceName: 'demo-task' });
    template = Template.fromStack(stack);
  });

  it('runs Node.js 24 on ARM64 with active tracing, 1024 MiB and a 5-minute timeout by default', () => {
    // Assess
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 1024,
      Timeout: 300,
      Handler: 'index.handler',
      FunctionName: Match.absent(),
    });
  });

  it('sets source maps and the Powertools variables', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'demo-task',
          POWERTOOLS_METRICS_NAMESPACE: 'ServerlessTask',
        },
      },
    });
  });

  it('logs to its own log group kept one month by default', () => {
    // Assess
    const logGroupId = logicalIdOf(taskFunction.logGroup);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30, LogGroupName: Match.absent() });
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
  });

  it('has a role without managed policies that may write only to its own log group', () => {
    // Assess
    const roleId = logicalIdOf(taskFunction.role);
    const role = template.findResources('AWS::IAM::Role')[roleId];
    expect(role?.['Properties'].ManagedPolicyArns).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::Function', { Role: { 'Fn::GetAtt': [roleId, 'Arn'] } });
    const logStatements = statementsOfRole(template, roleId).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
    expect(logStatements).toHaveLength(1);
    expect(actionsOf(logStatements[0]!).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(resourcesOf(logStatements[0]!)).toEqual([{ 'Fn::GetAtt': [logicalIdOf(taskFunction.logGroup), 'Arn'] }]);
  });

  it('grants "*" only for the X-Ray actions, which have no resource-level permissions', () => {
    // Assess
    const statements = statementsOfRole(template, logicalIdOf(taskFunction.role));
    const wildcard = statements.filter((s) => resourcesOf(s).includes('*'));
    expect(wildcard).toHaveLength(1);
    expect(actionsOf(wildcard[0]!).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('honours memorySize, timeout, logRetention, reservedConcurrentExecutions and extra environment', () => {
    // Prepare
    const stack = newTestStack();
    // Act
    new TaskFunction(stack, 'Fn', {
      entry: FIXTURE_ENTRY,
      serviceName: 'demo-task',
      memorySize: 2048,
      timeout: Duration.minutes(15),
      logRetention: logs.RetentionDays.ONE_WEEK,
      reservedConcurrentExecutions: 3,
      environment: { EXTRA: 'yes' },
    });
    // Assess
    const custom = Template.fromStack(stack);
    custom.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Timeout: 900,
      ReservedConcurrentExecutions: 3,
      Environment: { Variables: Match.objectLike({ EXTRA: 'yes', POWERTOOLS_SERVICE_NAME: 'demo-task' }) },
    });
    custom.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it.each([
    [{ timeout: Duration.seconds(901) }, /timeout must be from 1 to 900 seconds \(15 minutes\), got 901 seconds/],
    [{ timeout: Duration.millis(500) }, /timeout must be from 1 to 900 seconds \(15 minutes\), got 0.5 seconds/],
    [{ memorySize: 64 }, /memorySize must be an integer from 128 to 10240 MiB, got 64/],
    [{ memorySize: 10_241 }, /memorySize must be an integer from 128 to 10240 MiB, got 10241/],
  ])('rejects %o', (props, message) => {
    // Prepare
    const stack = newTestStack();
    // Act
    const act = () => new TaskFunction(stack, 'Fn', { entry: FIXTURE_ENTRY, serviceName: 'demo-task', ...props });
    // Assess
    expect(act).toThrow(message);
  });
});

describe('TaskFunction bundle (esbuild, no Docker)', () => {
  let outdir: string;
  let assetDir: string;

  beforeAll(() => {
    // Prepare
    outdir = mkdtempSync(path.join(tmpdir(), 'task-function-bundle-'));
    const app = newTestApp({ bundle: true, outdir });
    new TaskFunction(new Stack(app, 'BundleStack'), 'Fn', { entry: FIXTURE_ENTRY, serviceName: 'demo-task' });
    // Act
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    if (assets.length !== 1) throw new Error(`expected one bundled asset, found ${assets.join(', ')}`);
    assetDir = path.join(assembly.directory, assets[0] as string);
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('is a minified ESM file (index.mjs) with its source map and the createRequire banner first', () => {
    // Assess
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const code = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
    expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    // Minified: no line of the bundle keeps the fixture's formatting.
    expect(code).not.toContain('event.name ?? null');
  });

  it('bundles the AWS SDK instead of relying on the runtime copy', () => {
    // Assess
    const code = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(code).toContain('DynamoDBClient');
  });

  it('loads in Node.js as an ES module and runs the handler', async () => {
    // Act
    const module = (await import(pathToFileURL(path.join(assetDir, 'index.mjs')).href)) as {
      handler: (event: { name?: string }) => Promise<unknown>;
    };
    const result = await module.handler({ name: 'x' });
    // Assess
    expect(result).toEqual({ echo: 'x', sdk: 'function' });
  });
});
