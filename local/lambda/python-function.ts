// A python3.x Lambda function on one machine: each execution environment is a Runtime API server on
// loopback plus `python -P -m awslambdaric <handler>` in the asset directory, with host-platform wheels of
// the asset's pins first on the path. Warm environments are reused; a timeout, an exit, memory above the
// function's size or an init error end that environment only, reported with Lambda's error types.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import type { Handler } from './lambda-service.js';
import { environmentPool } from './environment-pool.js';
import { RuntimeApiServer, type RuntimeErrorBody } from './python-runtime-api.js';
import type { PythonInterpreter } from './python-interpreter.js';
import { FunctionError } from './worker-function.js';

export interface PythonFunctionOptions {
  /** The asset directory in cdk.out (Lambda's /var/task). */
  readonly assetDir: string;
  /** `module.function` */
  readonly handler: string;
  readonly python: PythonInterpreter;
  /** Host wheels of the asset's pins (see hostDependencies), resolved before the first environment starts. */
  readonly hostDeps: () => Promise<string>;
  readonly env: () => Readonly<Record<string, string>>;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** @default 30 (Lambda allows 10 s; a loaded machine gets more) */
  readonly initTimeoutSeconds?: number;
  /** @default 300 */
  readonly idleSeconds?: number;
  readonly onLine?: (requestId: string, line: string) => void;
}

type Outcome = { ok: true; result: unknown } | { ok: false; error: FunctionError };

class PythonEnvironment {
  readonly ready: Promise<void>;
  dead = false;
  private readonly api: RuntimeApiServer;
  private child: ChildProcess | undefined;
  private settle: ((o: Outcome) => void) | undefined;
  private initDone: (error?: FunctionError) => void = () => undefined;
  private lastRequestId = '';
  private memoryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PythonFunctionOptions) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.initDone = (error) => (error ? reject(error) : resolve());
    });
    this.ready.catch(() => undefined);
    this.api = new RuntimeApiServer({
      onReady: () => this.initDone(),
      onInitError: (e) => this.fail(toError(e)),
      // The runtime wrote the invocation's output to its pipes before it posted the outcome: settling after
      // this poll phase (setImmediate) lets those lines land in this request's log, not the next one's.
      onResponse: (_id, result) => setImmediate(() => this.settle?.({ ok: true, result })),
      onError: (_id, e) => setImmediate(() => this.settle?.({ ok: false, error: toError(e) })),
    });
    void this.start();
  }

  private async start(): Promise<void> {
    const initSeconds = this.options.initTimeoutSeconds ?? 30;
    const initTimer = setTimeout(() => this.fail(new FunctionError('Runtime.InitTimeout', `init did not finish in ${initSeconds} s`)), initSeconds * 1000);
    void this.ready.then(() => clearTimeout(initTimer), () => clearTimeout(initTimer));
    try {
      const [address, hostDeps] = await Promise.all([this.api.listen(), this.options.hostDeps()]);
      if (this.dead) return;
      const env = this.options.env();
      const child = spawn(this.options.python.path, ['-P', '-m', 'awslambdaric', this.options.handler], {
        cwd: this.options.assetDir,
        detached: true, // its own process group: killing the environment kills what the handler started
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          ...env,
          // Lambda sets both; botocore reads only AWS_DEFAULT_REGION
          ...(env.AWS_REGION ? { AWS_DEFAULT_REGION: env.AWS_REGION } : {}),
          AWS_LAMBDA_RUNTIME_API: address,
          LAMBDA_TASK_ROOT: this.options.assetDir,
          // host wheels first: the asset's own (ARM64) wheels must not shadow them
          PYTHONPATH: [hostDeps, this.options.assetDir].join(':'),
          PYTHONUNBUFFERED: '1',
          PYTHONDONTWRITEBYTECODE: '1',
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.options.memoryMb),
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
          AWS_LAMBDA_LOG_FORMAT: 'JSON',
          AWS_EXECUTION_ENV: `AWS_Lambda_python${this.options.python.minor}`,
        },
      });
      this.child = child;
      for (const stream of [child.stdout, child.stderr]) {
        let partial = '';
        stream?.setEncoding('utf8').on('data', (chunk: string) => {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) this.options.onLine?.(this.lastRequestId, line);
        });
        stream?.on('end', () => partial && this.options.onLine?.(this.lastRequestId, partial));
      }
      child.on('error', (e) => this.fail(new FunctionError('Runtime.InvalidEntrypoint', e.message)));
      child.on('exit', (code, signal) => {
        const status = signal ? `signal ${signal}` : `exit status ${code}`;
        this.fail(new FunctionError('Runtime.ExitError', `RequestId: ${this.lastRequestId} Error: Runtime exited with error: ${status}`));
      });
      this.memoryTimer = setInterval(() => this.checkMemory(), 100);
      this.memoryTimer.unref();
    } catch (error) {
      this.fail(new FunctionError('Runtime.InitError', (error as Error).message));
    }
  }

  async invoke(event: unknown, context: Context): Promise<unknown> {
    this.lastRequestId = context.awsRequestId;
    const outcome = await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        resolve({ ok: false, error: new FunctionError('Sandbox.Timedout', `${context.awsRequestId} Task timed out after ${this.options.timeoutSeconds.toFixed(2)} seconds`) });
        this.kill(); // Lambda discards an environment whose invocation timed out
      }, this.options.timeoutSeconds * 1000);
      this.settle = (o) => {
        clearTimeout(timer);
        this.settle = undefined;
        resolve(o);
      };
      this.api.invoke({
        requestId: context.awsRequestId,
        event,
        deadlineMs: Date.now() + this.options.timeoutSeconds * 1000,
        functionArn: context.invokedFunctionArn,
      });
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  kill(): void {
    if (this.dead && !this.child) return;
    this.dead = true;
    clearInterval(this.memoryTimer);
    const pid = this.child?.pid;
    if (pid && this.child?.exitCode === null) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.child = undefined;
    void this.api.close();
  }

  /** Lambda ends an environment whose memory exceeds the function's size. */
  private checkMemory(): void {
    const pid = this.child?.pid;
    if (!pid) return;
    let rssKb = 0;
    try {
      rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return;
    }
    if (rssKb / 1024 > this.options.memoryMb) {
      this.fail(new FunctionError('Runtime.OutOfMemory', `RequestId: ${this.lastRequestId} Error: Runtime exited with error: signal: killed (function exceeded its memory size of ${this.options.memoryMb} MB)`));
    }
  }

  /** Ends this environment: a pending init or invocation ends with `error` (the first reason wins). */
  private fail(error: FunctionError): void {
    this.kill();
    this.initDone(error);
    this.settle?.({ ok: false, error });
  }
}

function toError(e: RuntimeErrorBody): FunctionError {
  return new FunctionError(e.errorType, e.errorMessage, e.stackTrace ?? []);
}

/** The function's handler on the local Lambda service: warm environments reused, a dead one replaced. */
export function pythonFunction(options: PythonFunctionOptions): Handler & { close(): void } {
  return environmentPool(() => new PythonEnvironment(options), options.idleSeconds ?? 300);
}
