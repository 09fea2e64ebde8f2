// A Python handler (pandas imported at init) on the embedded platform — a Runtime API server per
// execution environment and awslambdaric in a child process — against the same handler called
// in-process by the same Python interpreter. Same run, same machine: cold start (environment start to
// first response) and the per-invocation overhead of the Runtime API round trip.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { bundlePythonTask } from '../lib/constructs/python-bundling.js';
import { ARM64_WHEEL_PLATFORM, PYTHON_RUNTIME, PYTHON_RUNTIME_DIR, TASK_CONTRACT_FILE } from '../lib/constructs/python-task-function.js';
import { pythonFunction } from '../local/lambda/python-function.js';
import { hostDependencies } from '../local/lambda/python-host-deps.js';
import { describePython, findPython } from '../local/lambda/python-interpreter.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 200);
const COLD = Number(process.env.BENCH_COLD ?? 5);
const root = process.cwd();
const assetDir = mkdtempSync(join(tmpdir(), 'bench-python-'));
bundlePythonTask({
  taskDir: join(root, 'test/local/fixtures/python-bench'),
  runtimeDir: PYTHON_RUNTIME_DIR,
  contractFile: TASK_CONTRACT_FILE,
  pythonVersion: PYTHON_RUNTIME.name.replace('python', ''),
  platform: ARM64_WHEEL_PLATFORM,
  outputDir: assetDir,
  tooLargeHint: '',
});
const python = findPython(PYTHON_RUNTIME.name);
console.log(describePython(PYTHON_RUNTIME.name, python));
const deps = await hostDependencies(assetDir, python, join(root, '.cache', 'python'));
const context = (): Context => ({ awsRequestId: randomUUID(), invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench' }) as Context;
const make = () => pythonFunction({ assetDir, handler: 'handler.handler', python, hostDeps: async () => deps, env: () => ({}), memoryMb: 1024, timeoutSeconds: 30 });

const colds: number[] = [];
for (let i = 0; i < COLD; i++) {
  const fn = make();
  const t0 = performance.now();
  await fn({ n: 100 }, context());
  colds.push(performance.now() - t0);
  fn.close();
}
const fn = make();
await fn({ n: 100 }, context());
const t0 = performance.now();
for (let i = 0; i < CALLS; i++) await fn({ n: 100 }, context());
const platformMs = (performance.now() - t0) / CALLS;
fn.close();

// Baseline: the same interpreter imports the handler (timed: its init) and calls it CALLS times.
const script = `
import sys, time, json
sys.path[:0] = [${JSON.stringify(deps)}, ${JSON.stringify(assetDir)}]
t = time.perf_counter(); import handler; init = time.perf_counter() - t
t = time.perf_counter()
for _ in range(${CALLS}): handler.handler({"n": 100}, None)
print(json.dumps({"initMs": init * 1000, "callMs": (time.perf_counter() - t) * 1000 / ${CALLS}}))`;
const inProcess = JSON.parse(spawnSync(python.path, ['-P', '-c', script], { encoding: 'utf8' }).stdout) as { initMs: number; callMs: number };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(`cold start (new environment → first response), median of ${COLD}: ${median(colds).toFixed(0)} ms; in-process import of the handler: ${inProcess.initMs.toFixed(0)} ms`);
console.log(`per invocation, warm, ${CALLS} calls: platform ${platformMs.toFixed(2)} ms, in-process ${inProcess.callMs.toFixed(3)} ms, overhead ${(platformMs - inProcess.callMs).toFixed(2)} ms per call (×${(platformMs / inProcess.callMs).toFixed(1)})`);
rmSync(assetDir, { recursive: true, force: true });
