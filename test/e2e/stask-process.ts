// Runs the stask CLI as child processes, the way a user does: `stask dev` in the background, commands against it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');
/** The project's Node 24 (npm package `node`); the machine's own node may be older. */
export const NODE = join(BIN, 'node');
export const TSX = join(BIN, 'tsx');

/** The children's environment: the project's Node first on PATH, no test-runner leftovers. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ''}`, ...extra };
  for (const key of Object.keys(env)) {
    if (key === 'NODE_OPTIONS' || key.startsWith('VITEST') || key === 'STASK_DEBUG') delete env[key];
  }
  return env;
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `stask ARGS` through the launcher bin/stask.mjs (what node_modules/.bin/stask, i.e. `npx stask`, starts). */
export function stask(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [join(ROOT, 'bin', 'stask.mjs'), ...args], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stask ${args.join(' ')} did not end within ${options.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `stask ARGS --json`, parsed; fails with the process's output when it is not JSON. */
export async function staskJson<T>(args: readonly string[]): Promise<RunResult & { json: T }> {
  const result = await stask([...args, '--json']);
  try {
    return { ...result, json: JSON.parse(result.stdout) as T };
  } catch {
    throw new Error(`stask ${args.join(' ')} --json printed no JSON (exit ${result.code})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

export interface DevProcess {
  readonly child: ChildProcess;
  readonly dataDir: string;
  output(): string;
  /** SIGTERM, then the exit code (null if it had to be killed after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/**
 * `tsx bin/stask.ts dev --data-dir DIR --retry-delay-scale X`, resolved once it prints its `ready` line
 * (the first run may synthesize the stack first). Rejects with its output if it exits before that.
 */
export function startDev(dataDir: string, retryDelayScale: string, timeoutMs = 240_000): Promise<DevProcess> {
  const child = spawn(TSX, [join(ROOT, 'bin', 'stask.ts'), 'dev', '--data-dir', dataDir, '--retry-delay-scale', retryDelayScale], {
    cwd: ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const dev: DevProcess = {
    child,
    dataDir,
    output: () => output,
    stop: async (stopTimeoutMs = 30_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stask dev was not ready within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/^.*\bready\b.*$/m.test(output) && existsSync(join(dataDir, 'endpoints.json'))) {
        clearTimeout(timer);
        resolve(dev);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`stask dev exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
