import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { buildDestinationRecord, toErrorLike, type DestinationCondition } from '../../functions/core/destination-record.js';
import type { TaskInvoker, TaskTarget } from '../../functions/core/task-client.js';
import type { TaskInvocationEvent } from '../../functions/core/task-record.js';

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalFunction {
  readonly handler: Handler;
  /** EventInvokeConfig MaximumRetryAttempts. @default 2 */
  readonly retryAttempts?: number;
  /** EventInvokeConfig MaximumEventAgeInSeconds. @default 21600 */
  readonly maxEventAgeSeconds?: number;
  /** @default 900 */
  readonly timeoutSeconds?: number;
  readonly successQueueUrl?: string;
  readonly failureQueueUrl?: string;
}

export interface InProcessAsyncInvokerOptions {
  readonly functions: Readonly<Record<string, LocalFunction>>;
  readonly sqs: SQSClient;
  /** AWS waits about 1 minute before the first retry and 2 before the second; scaled by this factor. @default 0 */
  readonly retryDelayScale?: number;
  readonly region?: string;
  readonly accountId?: string;
}

/**
 * Lambda's asynchronous invocation, in this process: the call returns at once (202), the handler runs
 * later, failed attempts are retried per EventInvokeConfig, and the outcome goes to the success or
 * failure destination as AWS's invocation record. Retries keep the request ID, as Lambda does.
 * It calls handlers in-process (no isolation): the embedded platform's `stask dev` adds worker isolation.
 */
export class InProcessAsyncInvoker implements TaskInvoker {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: InProcessAsyncInvokerOptions) {}

  async invoke(target: TaskTarget, event: TaskInvocationEvent): Promise<{ executionRef: string }> {
    const fn = this.options.functions[target.functionName];
    if (!fn) throw new Error(`ResourceNotFoundException: Function not found: ${target.functionName}`);
    const requestId = randomUUID();
    const run = this.runWithRetries(target.functionName, fn, event, requestId).finally(() => this.pending.delete(run));
    this.pending.add(run);
    return { executionRef: requestId };
  }

  /** Resolves when every accepted invocation has finished, retries and destination records included. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async runWithRetries(name: string, fn: LocalFunction, event: unknown, requestId: string): Promise<void> {
    const enqueuedAt = Date.now();
    const maxAttempts = (fn.retryAttempts ?? 2) + 1;
    const maxAgeMs = (fn.maxEventAgeSeconds ?? 21600) * 1000;
    const functionArn = `arn:aws:lambda:${this.options.region ?? 'us-east-1'}:${this.options.accountId ?? '000000000000'}:function:${name}`;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) {
        await sleep(attempt === 2 ? 60_000 : 120_000, this.options.retryDelayScale ?? 0);
        if (Date.now() - enqueuedAt > maxAgeMs) {
          await this.record(fn.failureQueueUrl, { name, functionArn, requestId, event, condition: 'EventAgeExceeded', attempt: attempt - 1 });
          return;
        }
      }
      try {
        const result = await withTimeout(fn.handler(event, lambdaContext(name, functionArn, requestId, fn.timeoutSeconds ?? 900)), fn.timeoutSeconds ?? 900, requestId);
        await this.record(fn.successQueueUrl, { name, functionArn, requestId, event, condition: 'Success', attempt, result });
        return;
      } catch (error) {
        if (attempt >= maxAttempts) {
          await this.record(fn.failureQueueUrl, { name, functionArn, requestId, event, condition: 'RetriesExhausted', attempt, error });
          return;
        }
      }
    }
  }

  private async record(
    queueUrl: string | undefined,
    r: { name: string; functionArn: string; requestId: string; event: unknown; condition: DestinationCondition; attempt: number; result?: unknown; error?: unknown },
  ): Promise<void> {
    if (!queueUrl) return;
    const taskId = (r.event as { taskId?: string }).taskId ?? '';
    const record = buildDestinationRecord({
      taskId,
      requestId: r.requestId,
      functionArn: `${r.functionArn}:$LATEST`,
      condition: r.condition,
      approximateInvokeCount: r.attempt,
      requestPayload: r.event,
      ...(r.condition === 'Success' ? { response: { result: r.result } } : r.error !== undefined ? { response: { error: toErrorLike(r.error) }, functionError: 'Unhandled' as const } : {}),
    });
    await this.options.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }));
  }
}

function lambdaContext(name: string, arn: string, requestId: string, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function withTimeout<T>(promise: Promise<T>, seconds: number, requestId: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${requestId} Task timed out after ${seconds.toFixed(2)} seconds`), { name: 'Sandbox.Timedout' })), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number, scale: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms * scale));
}
