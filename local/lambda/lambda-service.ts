import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { buildDestinationRecord, toErrorLike, type DestinationCondition, type ErrorLike } from '../../functions/core/destination-record.js';
import type { TaskInvoker, TaskTarget } from '../../functions/core/task-client.js';
import type { TaskInvocationEvent } from '../../functions/core/task-record.js';
import { MemoryEventStore, type EventStore, type PendingEvent } from './event-store.js';

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalFunction {
  readonly name: string;
  readonly handler: Handler;
  /** EventInvokeConfig MaximumRetryAttempts. @default 2 */
  readonly retryAttempts?: number;
  /** EventInvokeConfig MaximumEventAgeInSeconds. @default 21600 */
  readonly maxEventAgeSeconds?: number;
  /**
   * The function timeout, given to the handler's context (`getRemainingTimeInMillis`). The handler enforces
   * it: one that runs execution environments (worker threads, Python runtimes) counts it from the end of
   * init, as Lambda does, and ends the environment when it fires. @default 3 (Lambda's default)
   */
  readonly timeoutSeconds?: number;
  readonly memoryMb?: number;
  /** ReservedConcurrentExecutions; 0 throttles every event until it expires, as on AWS. */
  readonly reservedConcurrency?: number;
  readonly successQueueUrl?: string;
  readonly failureQueueUrl?: string;
}

export interface LocalLambdaServiceOptions {
  readonly functions: readonly LocalFunction[];
  readonly sqs: SQSClient;
  readonly store?: EventStore;
  /** AWS waits about 1 minute before the first retry and 2 before the second; scaled by this. @default 1 */
  readonly retryDelayScale?: number;
  /**
   * Concurrency of a function without reserved concurrency. On AWS it scales out; on one machine each
   * execution environment is a worker thread competing for the same cores. @default 2 × available cores
   */
  readonly unreservedConcurrency?: number;
  readonly region?: string;
  readonly accountId?: string;
}

export type SyncOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: ErrorLike };

/**
 * Lambda's invocation semantics on one machine. Asynchronous invocations are stored before they are
 * acknowledged (an event queue per function that survives restarts), retried per EventInvokeConfig
 * with AWS's delays (scaled), dropped after the maximum event age with an EventAgeExceeded record, and
 * end with AWS's destination record in the success or failure queue. Retries keep the request ID.
 * Concurrency is capped per function (reserved concurrency honoured); the handler enforces the timeout.
 */
export class LocalLambdaService implements TaskInvoker {
  private readonly functions = new Map<string, LocalFunction>();
  private readonly store: EventStore;
  private readonly running = new Map<string, number>();
  private readonly ready = new Map<string, PendingEvent[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private pendingCount = 0;
  /** Attempts and synchronous invocations running now: close() lets them end before the servers go. */
  private readonly active = new Set<Promise<unknown>>();
  /** No attempt starts once set; running ones still record their outcome. */
  private stopping = false;
  /** Outcomes are no longer recorded: what is still running is resumed at the next start. */
  private closed = false;
  private readonly region: string;
  private readonly accountId: string;

  constructor(private readonly options: LocalLambdaServiceOptions) {
    for (const fn of options.functions) this.functions.set(fn.name, fn);
    this.store = options.store ?? new MemoryEventStore();
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
  }

  arnOf(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  /** Accepts a name, an ARN (with or without qualifier) or a partial ARN, as Lambda does. */
  resolve(nameOrArn: string): LocalFunction | undefined {
    const match = /^(?:arn:aws[a-zA-Z-]*:lambda:[^:]+:\d+:function:|\d+:function:)?([^:]+)(?::.*)?$/.exec(nameOrArn);
    return match?.[1] ? this.functions.get(match[1]) : undefined;
  }

  /** Resumes the events stored by an earlier run: an attempt in flight when it stopped counts as failed. */
  start(): number {
    const events = this.store.loadAll();
    for (const e of events) {
      if (!this.functions.has(e.functionName)) continue;
      if (e.inFlight) {
        e.inFlight = false;
        e.lastError = { errorType: 'Runtime.ExitError', errorMessage: 'the embedded platform stopped while this attempt ran' };
        this.store.save(e);
        this.pendingCount++;
        void this.afterFailure(e);
      } else {
        this.pendingCount++;
        this.schedule(e);
      }
    }
    return events.length;
  }

  async invoke(target: TaskTarget, event: TaskInvocationEvent): Promise<{ executionRef: string }> {
    if (target.kind === 'stepfunctions') throw new Error(`task '${event.task}' has no Lambda function`);
    return { executionRef: this.invokeAsync(target.functionName, event) };
  }

  /** Stores the event (so it survives a restart) and returns its request ID: Lambda's 202. */
  invokeAsync(nameOrArn: string, payload: unknown): string {
    const fn = this.resolve(nameOrArn);
    if (!fn) throw Object.assign(new Error(`Function not found: ${nameOrArn}`), { name: 'ResourceNotFoundException' });
    const now = Date.now();
    const event: PendingEvent = { requestId: randomUUID(), functionName: fn.name, payload, enqueuedAt: now, attempts: 0, nextAttemptAt: now, inFlight: false };
    this.store.save(event);
    this.pendingCount++;
    this.schedule(event);
    return event.requestId;
  }

  /** RequestResponse: runs once, no retries, no destinations. */
  async invokeSync(nameOrArn: string, payload: unknown): Promise<SyncOutcome & { requestId: string }> {
    const fn = this.resolve(nameOrArn);
    if (!fn) throw Object.assign(new Error(`Function not found: ${nameOrArn}`), { name: 'ResourceNotFoundException' });
    const requestId = randomUUID();
    const run = this.track(fn.handler(payload, this.context(fn, requestId)));
    try {
      return { ok: true, result: await run, requestId };
    } catch (error) {
      return { ok: false, error: toErrorLike(error), requestId };
    }
  }

  /** Resolves when no accepted event is waiting, running or retrying. */
  drain(): Promise<void> {
    if (this.pendingCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops starting attempts and waits up to `graceMs` for the running ones, whose outcomes (destination
   * records, retries) are still recorded; after that, what still runs is abandoned and its stored event
   * resumed at the next start. Events still pending stay stored for the next start.
   */
  async close(graceMs = 0): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (graceMs > 0 && this.active.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([Promise.allSettled([...this.active]), grace]);
      clearTimeout(timer);
    }
    this.closed = true;
  }

  private track<T>(run: Promise<T>): Promise<T> {
    this.active.add(run);
    const untrack = (): void => void this.active.delete(run);
    run.then(untrack, untrack);
    return run;
  }

  private schedule(event: PendingEvent): void {
    if (this.stopping) return; // stays stored: the next start schedules it
    const wait = event.nextAttemptAt - Date.now();
    if (wait > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.enqueue(event);
      }, wait);
      this.timers.add(timer);
    } else {
      this.enqueue(event);
    }
  }

  private enqueue(event: PendingEvent): void {
    const queue = this.ready.get(event.functionName) ?? [];
    queue.push(event);
    this.ready.set(event.functionName, queue);
    this.pump(event.functionName);
  }

  private pump(name: string): void {
    const fn = this.functions.get(name);
    const queue = this.ready.get(name);
    if (!fn || !queue || this.stopping) return;
    const limit = fn.reservedConcurrency ?? this.options.unreservedConcurrency ?? 2 * availableParallelism();
    while (queue.length > 0 && (this.running.get(name) ?? 0) < limit) {
      const event = queue.shift() as PendingEvent;
      this.running.set(name, (this.running.get(name) ?? 0) + 1);
      void this.track(this.attempt(fn, event)).finally(() => {
        this.running.set(name, (this.running.get(name) ?? 1) - 1);
        this.pump(name);
      });
    }
    if (limit === 0) this.expireThrottled(fn, queue);
  }

  /** With reserved concurrency 0 nothing runs: events wait until their maximum age, then expire. */
  private expireThrottled(fn: LocalFunction, queue: PendingEvent[]): void {
    for (const event of queue.splice(0)) {
      const expiresIn = event.enqueuedAt + (fn.maxEventAgeSeconds ?? 21600) * 1000 - Date.now();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.finish(fn, event, 'EventAgeExceeded');
      }, Math.max(0, expiresIn));
      this.timers.add(timer);
    }
  }

  private async attempt(fn: LocalFunction, event: PendingEvent): Promise<void> {
    if (this.stopping) return;
    if (Date.now() - event.enqueuedAt > (fn.maxEventAgeSeconds ?? 21600) * 1000) {
      await this.finish(fn, event, 'EventAgeExceeded');
      return;
    }
    event.attempts++;
    event.inFlight = true;
    this.store.save(event);
    let result: unknown;
    try {
      result = await fn.handler(event.payload, this.context(fn, event.requestId));
    } catch (error) {
      if (this.closed) return; // the platform is stopping: the stored in-flight attempt is resolved at the next start
      event.inFlight = false;
      event.lastError = toErrorLike(error);
      this.store.save(event);
      await this.afterFailure(event);
      return;
    }
    if (this.closed) return;
    await this.finish(fn, event, 'Success', result);
  }

  private async afterFailure(event: PendingEvent): Promise<void> {
    const fn = this.functions.get(event.functionName);
    if (!fn) return;
    if (event.attempts >= (fn.retryAttempts ?? 2) + 1) {
      await this.finish(fn, event, 'RetriesExhausted');
      return;
    }
    // Lambda waits about a minute before the first retry and two before the second.
    event.nextAttemptAt = Date.now() + (event.attempts === 1 ? 60_000 : 120_000) * (this.options.retryDelayScale ?? 1);
    this.store.save(event);
    this.schedule(event);
  }

  private async finish(fn: LocalFunction, event: PendingEvent, condition: DestinationCondition, result?: unknown): Promise<void> {
    const queueUrl = condition === 'Success' ? fn.successQueueUrl : fn.failureQueueUrl;
    if (queueUrl) {
      const record = buildDestinationRecord({
        taskId: (event.payload as { taskId?: string } | null)?.taskId ?? '',
        requestId: event.requestId,
        functionArn: `${this.arnOf(fn.name)}:$LATEST`,
        condition,
        approximateInvokeCount: event.attempts,
        requestPayload: event.payload,
        ...(condition === 'Success'
          ? { response: { result: result ?? null } }
          : condition === 'RetriesExhausted' && event.lastError
            ? { response: { error: event.lastError }, functionError: 'Unhandled' as const }
            : {}),
      });
      await this.options.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }));
    }
    this.store.remove(event.requestId);
    this.pendingCount--;
    if (this.pendingCount === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  private context(fn: LocalFunction, requestId: string): Context {
    const deadline = Date.now() + (fn.timeoutSeconds ?? 3) * 1000;
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.arnOf(fn.name),
      memoryLimitInMB: String(fn.memoryMb ?? 128),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `local/${requestId}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }
}
