import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../lib/constructs/task-function.js';
import { workerFunction } from '../../local/lambda/worker-function.js';
import { LOCAL_TRACING_ENV } from '../../local/tracing-env.js';

// A probe bundled as TaskFunction bundles (ESM, the SDK and Powertools inside), run in an execution
// environment of the embedded Lambda with and without the environment the platform sets for tracing.
let dir: string;
let bundleFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tracing-probe-'));
  bundleFile = join(dir, 'index.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'fixtures', 'tracing-probe.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    outfile: bundleFile,
    logLevel: 'silent',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function probe(env: Record<string, string>): Promise<unknown> {
  const fn = workerFunction({ bundleFile, exportName: 'handler', env: () => ({ AWS_REGION: 'us-east-1', ...env }), memoryMb: 256, timeoutSeconds: 30 });
  try {
    const requestId = randomUUID();
    return await fn({}, { awsRequestId: requestId, functionName: 'probe', functionVersion: '$LATEST', invokedFunctionArn: 'probe', logGroupName: 'probe', logStreamName: requestId } as Context);
  } finally {
    fn.close();
  }
}

describe('tracing in the embedded execution environments', () => {
  it('a Lambda environment without the platform settings: clients captured, the X-Ray SDK in automatic mode (async hooks on)', async () => {
    const outcome = await probe({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' });

    expect(outcome).toEqual({ captured: true, xrayAutomaticMode: true });
  });

  it('with the platform settings: plain clients and no async hooks, although the bundle loads the Tracer', async () => {
    const outcome = await probe({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', ...LOCAL_TRACING_ENV });

    expect(outcome).toEqual({ captured: false, xrayAutomaticMode: false });
  });
});
