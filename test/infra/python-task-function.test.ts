import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON_MANIFEST_DIR, PYTHON_MANIFEST_FILE, type PythonManifest } from '../../lib/constructs/python-bundling.js';
import { PythonTaskFunction } from '../../lib/constructs/python-task-function.js';
import { PayloadStore } from '../../lib/constructs/payload-store.js';
import { ShortTask } from '../../lib/constructs/short-task.js';
import { TaskDestinations } from '../../lib/constructs/task-destinations.js';
import { TaskRegistry } from '../../lib/constructs/task-registry.js';
import { newTestStack } from './support.js';

const FIXTURE = 'test/infra/fixtures/python-task';
const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'py-task-'));
  temps.push(dir);
  return dir;
}
/** A copy of the fixture task with another requirements file. */
function taskWith(requirements: string): string {
  const dir = tempDir();
  cpSync(FIXTURE, dir, { recursive: true });
  writeFileSync(path.join(dir, 'requirements.txt'), requirements);
  return dir;
}
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('PythonTaskFunction', () => {
  it('runs the current Python runtime on ARM64 with tracing, JSON logs in its own log group and the Powertools env', () => {
    // Prepare
    const stack = newTestStack();
    // Act
    new PythonTaskFunction(stack, 'Py', { entry: FIXTURE, serviceName: 'py-demo', environment: { TASK_NAME: 'py-demo' } });
    const template = Template.fromStack(stack);
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'python3.14',
      Handler: 'handler.handler',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 1024,
      Timeout: 300,
      LoggingConfig: { LogFormat: 'JSON' },
      Environment: { Variables: { TASK_NAME: 'py-demo', POWERTOOLS_SERVICE_NAME: 'py-demo', POWERTOOLS_METRICS_NAMESPACE: 'ServerlessTask' } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('bundles ARM64 wheels for the runtime Python, the runtime package, the contract and a manifest of pins', () => {
    // Prepare
    const outdir = tempDir();
    const stack = newTestStack({ bundle: true, outdir });
    // Act
    new PythonTaskFunction(stack, 'Py', { entry: FIXTURE, serviceName: 'py-demo' });
    Template.fromStack(stack);
    // Assess
    const [asset] = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    const dir = path.join(outdir, asset as string);
    expect(readdirSync(path.join(dir, 'markupsafe')).some((f) => f.endsWith('.cpython-314-aarch64-linux-gnu.so'))).toBe(true);
    expect(existsSync(path.join(dir, 'handler.py'))).toBe(true);
    expect(existsSync(path.join(dir, 'requirements.txt'))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(dir, 'stask_runtime', 'task-contract.json'), 'utf8'))).toMatchObject({ version: 1 });
    const manifest = JSON.parse(readFileSync(path.join(dir, PYTHON_MANIFEST_DIR, PYTHON_MANIFEST_FILE), 'utf8')) as PythonManifest;
    expect(manifest).toMatchObject({ pythonVersion: '3.14', platform: 'aarch64-manylinux_2_34' });
    expect(manifest.pins).toEqual(expect.arrayContaining(['markupsafe==3.0.3', 'aws-lambda-powertools==3.37.0', 'boto3==1.44.8']));
  });

  it('fails synth with the line of an unpinned requirement', () => {
    const stack = newTestStack({ bundle: true, outdir: tempDir() });
    expect(() => new PythonTaskFunction(stack, 'Py', { entry: taskWith('markupsafe>=3\n'), serviceName: 'py' })).toThrow(
      /requirements\.txt:1: 'markupsafe>=3' is not a pinned requirement/,
    );
  });

  it('fails synth with uv\'s reason for a requirement that does not exist', () => {
    const stack = newTestStack({ bundle: true, outdir: tempDir() });
    expect(() => new PythonTaskFunction(stack, 'Py', { entry: taskWith('markupsafe==0.0.0.404\n'), serviceName: 'py' })).toThrow(
      /bundling .*uv exited with/s,
    );
  });

  it('fails synth above the size limit and points to the long lane', () => {
    const stack = newTestStack({ bundle: true, outdir: tempDir() });
    expect(() => new PythonTaskFunction(stack, 'Py', { entry: FIXTURE, serviceName: 'py', maxUnzippedBytes: 1024 * 1024 })).toThrow(
      /MB unzipped, above Lambda's 1 MB limit\. Run it on the long lane/,
    );
  });

  it('refuses a handler that names no module of the task', () => {
    const stack = newTestStack();
    expect(() => new PythonTaskFunction(stack, 'Py', { entry: FIXTURE, serviceName: 'py', handler: 'nope.handler' })).toThrow(
      /handler 'nope.handler' does not name a function/,
    );
  });
});

describe('ShortTask with a Python function', () => {
  it('wires the Python function like a TypeScript one: env contract, async invoke config, destinations', () => {
    // Prepare
    const stack = newTestStack();
    const registry = new TaskRegistry(stack, 'Registry');
    const destinations = new TaskDestinations(stack, 'Destinations');
    const store = new PayloadStore(stack, 'Store');
    // Act
    const task = new ShortTask(stack, 'PyTask', {
      taskName: 'py-demo',
      language: 'python',
      entry: FIXTURE,
      table: registry.table,
      successQueue: destinations.successQueue,
      failureQueue: destinations.failureQueue,
      payloadBucket: store.bucket,
      retryAttempts: 1,
    });
    const template = Template.fromStack(stack);
    // Assess
    expect(task.taskFunction).toBeInstanceOf(PythonTaskFunction);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'python3.14',
      Environment: { Variables: { TASK_NAME: 'py-demo', TASK_MAX_RETRIES: '1', TASK_TABLE_NAME: { Ref: Match.anyValue() } } },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 1 });
  });
});
