import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { Handler } from './lambda-service.js';

export interface WorkerFunctionOptions {
  /** The bundled entry file (cdk.out/asset.<hash>/index.mjs). */
  readonly bundleFile: string;
  readonly exportName: string;
  /** The function's environment, plus the endpoints of the embedded servers. */
  readonly env: Readonly<Record<string, string>>;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Every line the invocation writes (stdout and stderr), with its request ID. */
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

/**
 * A Lambda function run in its own worker thread per invocation: its own environment and heap limit
 * (memory size), killed at its timeout. A crash, `process.exit` or out-of-memory ends the worker, not
 * the platform, and is reported the way Lambda reports it (Runtime.ExitError, Sandbox.Timedout).
 */
export function workerFunction(options: WorkerFunctionOptions): Handler {
  return (event: unknown, context: Context) =>
    new Promise((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const worker = new Worker(WORKER_HOST, {
        env: { ...options.env },
        workerData: {
          bundleFile: options.bundleFile,
          exportName: options.exportName,
          event,
          context: {
            awsRequestId: context.awsRequestId,
            functionName: context.functionName,
            functionVersion: context.functionVersion,
            invokedFunctionArn: context.invokedFunctionArn,
            memoryLimitInMB: String(options.memoryMb),
            logGroupName: context.logGroupName,
            logStreamName: context.logStreamName,
            remainingMs: options.timeoutSeconds * 1000,
          },
        },
        resourceLimits: { maxOldGenerationSizeMb: options.memoryMb },
        stdout: Boolean(options.onLine),
        stderr: Boolean(options.onLine),
      });
      if (options.onLine) {
        const emit = options.onLine;
        for (const stream of [worker.stdout, worker.stderr]) {
          let partial = '';
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => {
            const lines = (partial + chunk).split('\n');
            partial = lines.pop() ?? '';
            for (const line of lines) emit(context.awsRequestId, line);
          });
          stream.on('end', () => partial && emit(context.awsRequestId, partial));
        }
      }
      const timer = setTimeout(() => {
        finish(() => reject(new FunctionError('Sandbox.Timedout', `${context.awsRequestId} Task timed out after ${options.timeoutSeconds.toFixed(2)} seconds`)));
        void worker.terminate();
      }, options.timeoutSeconds * 1000);
      worker.once('message', (message: { ok: boolean; result?: unknown; error?: { errorType: string; errorMessage: string; stackTrace?: string[] } }) => {
        finish(() =>
          message.ok
            ? resolve(message.result)
            : reject(new FunctionError(message.error?.errorType ?? 'Error', message.error?.errorMessage ?? 'unknown error', message.error?.stackTrace)),
        );
        void worker.terminate();
      });
      worker.once('error', (error: Error & { code?: string }) => {
        const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
        finish(() =>
          reject(
            new FunctionError(
              outOfMemory ? 'Runtime.OutOfMemory' : 'Runtime.UnhandledError',
              outOfMemory ? `function exceeded its memory size (${options.memoryMb} MB)` : error.message,
            ),
          ),
        );
      });
      worker.once('exit', (code) => {
        finish(() => reject(new FunctionError('Runtime.ExitError', `RequestId: ${context.awsRequestId} Error: Runtime exited with error: exit status ${code}`)));
      });
    });
}
