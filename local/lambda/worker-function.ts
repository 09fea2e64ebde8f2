import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { Handler } from './lambda-service.js';
import { environmentPool } from './environment-pool.js';

/** Lambda allows 10 s for an environment's init; a loaded machine gets more here. */
export const WORKER_INIT_TIMEOUT_SECONDS = 30;

export interface WorkerFunctionOptions {
  /** The bundled entry file (cdk.out/asset.<hash>/index.mjs). */
  readonly bundleFile: string;
  readonly exportName: string;
  /** The function's environment, plus the endpoints of the embedded servers. */
  readonly env: () => Readonly<Record<string, string>>;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Lambda allows 10 s for init; a loaded machine gets more here. @default WORKER_INIT_TIMEOUT_SECONDS */
  readonly initTimeoutSeconds?: number;
  /** A warm environment left idle this long is shut down. @default 300 */
  readonly idleSeconds?: number;
  /** Every line an invocation writes (stdout and stderr), with its request ID. */
  readonly onLine?: (requestId: string, line: string) => void;
}

/** An error thrown by the function, carried over from the worker in Lambda's error shape. */
export class FunctionError extends Error {
  constructor(
    name: string,
    message: string,
    readonly stackTrace: readonly string[] = [],
  ) {
    super(message);
    this.name = name;
  }
}

const WORKER_HOST = new URL('./worker-host.mjs', import.meta.url);

type HostMessage =
  | { type: 'ready' }
  | { type: 'init-error'; error: ErrorShape }
  | { type: 'output'; stream: string; requestId: string | null; text: string }
  | { type: 'result'; requestId: string; ok: boolean; result?: unknown; error?: ErrorShape };
interface ErrorShape {
  errorType: string;
  errorMessage: string;
  stackTrace?: string[];
}

/** One execution environment: a worker thread with the bundle loaded, serving one invocation at a time. */
class Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  private settle: ((outcome: { ok: true; result: unknown } | { ok: false; error: FunctionError }) => void) | undefined;
  private partial = '';
  private lastRequestId = '';
  dead = false;

  constructor(private readonly options: WorkerFunctionOptions) {
    this.worker = new Worker(WORKER_HOST, {
      env: { ...options.env() },
      workerData: { bundleFile: options.bundleFile, exportName: options.exportName },
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb },
      stdout: true,
      stderr: true,
    });
    let initDone: (error?: FunctionError) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      initDone = (error) => (error ? reject(error) : resolve());
    });
    const initTimer = setTimeout(() => {
      initDone(new FunctionError('Runtime.InitTimeout', `init did not finish in ${options.initTimeoutSeconds ?? WORKER_INIT_TIMEOUT_SECONDS} s`));
      this.kill();
    }, (options.initTimeoutSeconds ?? WORKER_INIT_TIMEOUT_SECONDS) * 1000);
    this.worker.on('message', (message: HostMessage) => {
      if (message.type === 'ready') {
        clearTimeout(initTimer);
        initDone();
      } else if (message.type === 'init-error') {
        clearTimeout(initTimer);
        initDone(new FunctionError(message.error.errorType, message.error.errorMessage, message.error.stackTrace));
        this.kill();
      } else if (message.type === 'output') {
        this.output(message.requestId ?? this.lastRequestId, message.text);
      } else {
        this.flush();
        this.settle?.(message.ok ? { ok: true, result: message.result } : { ok: false, error: new FunctionError(message.error?.errorType ?? 'Error', message.error?.errorMessage ?? 'unknown error', message.error?.stackTrace) });
      }
    });
    this.worker.on('error', (error: Error & { code?: string }) => {
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      const failure = new FunctionError(
        outOfMemory ? 'Runtime.OutOfMemory' : 'Runtime.UnhandledError',
        outOfMemory ? `function exceeded its memory size (${options.memoryMb} MB)` : error.message,
      );
      this.dead = true;
      clearTimeout(initTimer);
      initDone(failure);
      this.settle?.({ ok: false, error: failure });
    });
    this.worker.on('exit', (code) => {
      this.dead = true;
      clearTimeout(initTimer);
      const failure = new FunctionError('Runtime.ExitError', `RequestId: ${this.lastRequestId} Error: Runtime exited with error: exit status ${code}`);
      initDone(failure);
      this.settle?.({ ok: false, error: failure });
    });
    // Worker stdout/stderr (native writes that bypass the patched streams) still reach the log.
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => this.output(this.lastRequestId, chunk));
    }
  }

  async invoke(event: unknown, context: Context): Promise<unknown> {
    this.lastRequestId = context.awsRequestId;
    const outcome = await new Promise<{ ok: true; result: unknown } | { ok: false; error: FunctionError }>((resolve) => {
      const timer = setTimeout(() => {
        resolve({ ok: false, error: new FunctionError('Sandbox.Timedout', `${context.awsRequestId} Task timed out after ${this.options.timeoutSeconds.toFixed(2)} seconds`) });
        this.kill(); // Lambda discards an environment whose invocation timed out
      }, this.options.timeoutSeconds * 1000);
      this.settle = (o) => {
        clearTimeout(timer);
        this.settle = undefined;
        resolve(o);
      };
      this.worker.postMessage({
        requestId: context.awsRequestId,
        event,
        context: {
          awsRequestId: context.awsRequestId,
          functionName: context.functionName,
          functionVersion: context.functionVersion,
          invokedFunctionArn: context.invokedFunctionArn,
          memoryLimitInMB: String(this.options.memoryMb),
          logGroupName: context.logGroupName,
          logStreamName: context.logStreamName,
          remainingMs: this.options.timeoutSeconds * 1000,
        },
      });
    });
    this.flush();
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  kill(): void {
    this.dead = true;
    void this.worker.terminate();
  }

  private output(requestId: string, text: string): void {
    if (!this.options.onLine) return;
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.options.onLine(requestId, line);
  }

  private flush(): void {
    if (this.partial && this.options.onLine) this.options.onLine(this.lastRequestId, this.partial);
    this.partial = '';
  }
}

/**
 * A Lambda function run in worker threads: each worker is an execution environment with its own
 * environment variables and heap limit (the memory size), reused while warm, discarded after a crash,
 * `process.exit`, out-of-memory or timeout. None of those take the platform down; each is reported the
 * way Lambda reports it (Runtime.ExitError, Runtime.OutOfMemory, Sandbox.Timedout). The function
 * timeout counts from the end of init, as on Lambda.
 */
export function workerFunction(options: WorkerFunctionOptions): Handler & { close(): void } {
  return environmentPool(() => new Environment(options), options.idleSeconds ?? 300);
}
