import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePythonTask } from '../../lib/constructs/python-bundling.js';
import { ARM64_WHEEL_PLATFORM, PYTHON_RUNTIME, PYTHON_RUNTIME_DIR, TASK_CONTRACT_FILE } from '../../lib/constructs/python-task-function.js';
import { pythonFunction, type PythonFunctionOptions } from '../../local/lambda/python-function.js';
import { hostDependencies } from '../../local/lambda/python-host-deps.js';
import { findPython } from '../../local/lambda/python-interpreter.js';

const ROOT = join(import.meta.dirname, '..', '..');
let assetDir: string;
const closers: (() => void)[] = [];

beforeAll(() => {
  assetDir = mkdtempSync(join(tmpdir(), 'py-asset-'));
  bundlePythonTask({
    taskDir: join(ROOT, 'test/local/fixtures/python-misbehave'),
    runtimeDir: PYTHON_RUNTIME_DIR,
    contractFile: TASK_CONTRACT_FILE,
    pythonVersion: PYTHON_RUNTIME.name.replace('python', ''),
    platform: ARM64_WHEEL_PLATFORM,
    outputDir: assetDir,
    tooLargeHint: '',
  });
}, 120_000);
afterAll(() => {
  closers.forEach((c) => c());
  rmSync(assetDir, { recursive: true, force: true });
});

function fn(handler: string, overrides: Partial<PythonFunctionOptions> = {}): ReturnType<typeof pythonFunction> & { lines: string[] } {
  const python = findPython(PYTHON_RUNTIME.name);
  const lines: string[] = [];
  const f = pythonFunction({
    assetDir,
    handler,
    python,
    hostDeps: () => hostDependencies(assetDir, python, join(ROOT, '.cache', 'python')),
    env: () => ({ AWS_REGION: 'us-east-1' }),
    memoryMb: 256,
    timeoutSeconds: 10,
    onLine: (id, line) => lines.push(`${id} ${line}`),
    ...overrides,
  });
  closers.push(() => f.close());
  return Object.assign(f, { lines });
}

function context(requestId: string = randomUUID()): Context {
  return { awsRequestId: requestId, invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:py', functionName: 'py' } as Context;
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error = (await promise.then(() => new Error('expected a failure'), (e: unknown) => e)) as Error;
  return { name: error.name, message: error.message };
}

describe('python3.x functions through the local Runtime API and awslambdaric', () => {
  it('returns the result, keeps the environment warm and captures output per request', async () => {
    const f = fn('handler.ok');
    const first = (await f({ n: 1 }, context('req-a'))) as { echo: unknown; pid: number; loadedAt: number; remainingMs: number };
    const second = (await f({ n: 2 }, context('req-b'))) as { pid: number; loadedAt: number };
    expect(first.echo).toEqual({ n: 1 });
    expect(first.remainingMs).toBeGreaterThan(0);
    expect(second.pid).toBe(first.pid);
    expect(second.loadedAt).toBe(first.loadedAt);
    expect(f.lines.filter((l) => l.startsWith('req-b '))).toEqual([expect.stringContaining('hello from req-b')]);
  });

  it('reports a raised exception with its Python type and keeps the environment', async () => {
    const f = fn('handler.raises');
    expect(await failure(f({}, context()))).toEqual({ name: 'ValueError', message: 'the data was bad' });
    expect(await failure(f({}, context()))).toMatchObject({ name: 'ValueError' });
  });

  it('reports an exit as Runtime.ExitError and starts a fresh environment next time', async () => {
    const f = fn('handler.exits');
    expect(await failure(f({}, context()))).toMatchObject({ name: 'Runtime.ExitError', message: expect.stringMatching(/exit status 3/) });
    expect(await failure(f({}, context()))).toMatchObject({ name: 'Runtime.ExitError' });
  });

  it('ends an invocation at its timeout with Sandbox.Timedout', async () => {
    const f = fn('handler.sleeps', { timeoutSeconds: 1 });
    expect(await failure(f({}, context('req-t')))).toEqual({ name: 'Sandbox.Timedout', message: 'req-t Task timed out after 1.00 seconds' });
  });

  it('ends an environment above its memory size with Runtime.OutOfMemory', async () => {
    const f = fn('handler.hogs_memory', { memoryMb: 128 });
    expect(await failure(f({}, context()))).toMatchObject({ name: 'Runtime.OutOfMemory' });
  });

  it('reports an import failure as Runtime.ImportModuleError from init, and the next call fails the same way', async () => {
    const f = fn('broken.handler');
    expect(await failure(f({}, context()))).toMatchObject({ name: 'Runtime.ImportModuleError', message: expect.stringMatching(/a_module_that_does_not_exist/) });
    expect(await failure(f({}, context()))).toMatchObject({ name: 'Runtime.ImportModuleError' });
  });
});
