import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { dynamoDocument, s3Client } from './clients.js';
import { TaskBeacon } from './beacon.js';
import { optionalIntEnv, requireEnv } from './env.js';
import { DEFAULTS, ENV, METRICS, METRICS_NAMESPACE } from './facts.js';
import { InvalidPayloadError, InvalidTransitionError } from './errors.js';
import { DEFAULT_PAYLOAD_LIMITS, encodePayload, PayloadStore } from './payload.js';
import { TaskRegistry } from './registry.js';
import { validateTaskId } from './task-id.js';
import type { ObjectRef, TaskRecord } from './task-record.js';
import { lambdaUsage, type TaskUsage } from './usage.js';

export interface TaskContext {
  readonly taskId: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** Fires when the task is stopped (`stask stop`) or is about to time out: stop the work and return. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Reports progress (0–100) to the registry; written at most once a second. */
  progress(percent: number, message?: string): Promise<void>;
}

export interface TaskHandlerOptions<TPayload> {
  /** Validates the payload; an error here fails the task at once (retrying cannot fix its input). */
  readonly parsePayload: (raw: unknown) => TPayload;
}

export type LambdaTaskHandler = (event: unknown, context: Context) => Promise<unknown>;

/** What the runtime needs; built from the function's environment unless given (tests). */
export interface TaskRuntimeDeps {
  readonly registry: TaskRegistry;
  readonly payloadStore: PayloadStore;
  readonly maxAttempts: number;
  readonly heartbeatMs: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** The error a stopped task's invocation ends with: Lambda's failure record then names it (errorType). */
export class TaskStoppedError extends Error {
  constructor(taskId: string) {
    super(`task '${taskId}' was stopped by request`);
    this.name = 'TaskStopped';
  }
}

export class TaskTimeoutError extends Error {
  constructor(taskId: string, remainingMs: number) {
    super(`task '${taskId}' was about to reach the function timeout (${remainingMs} ms left) and was aborted`);
    this.name = 'Timeout';
  }
}

const invocationEventSchema = z
  .object({
    taskId: z.string(),
    task: z.string(),
    payload: z.unknown().optional(),
    payloadRef: z
      .object({ bucket: z.string(), key: z.string(), sizeBytes: z.number(), sha256: z.string() })
      .optional(),
  })
  .refine((e) => e.payloadRef !== undefined || 'payload' in e, { message: 'the event has neither payload nor payloadRef' });

// SDK clients at module scope: built during the function's init, reused across warm invocations.
const dynamo = dynamoDocument();
const s3 = s3Client();
let defaultDeps: TaskRuntimeDeps | undefined;

function depsFromEnvironment(): TaskRuntimeDeps {
  defaultDeps ??= {
    registry: new TaskRegistry(dynamo, requireEnv(ENV.taskTableName)),
    payloadStore: new PayloadStore(s3, requireEnv(ENV.payloadBucketName)),
    maxAttempts: optionalIntEnv(ENV.maxRetries, DEFAULTS.retryAttempts) + 1,
    heartbeatMs: optionalIntEnv(ENV.heartbeatSeconds, DEFAULTS.heartbeatSeconds) * 1000,
    logger: new Logger({ serviceName: process.env[ENV.taskName] ?? 'serverless-task' }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: process.env[ENV.taskName] ?? 'serverless-task' }),
  };
  return defaultDeps;
}

/**
 * Wraps a task's work as a Lambda handler: marks the task RUNNING (once, whatever Lambda redelivers),
 * heartbeats, feeds progress, aborts the work on stop or imminent timeout, and records SUCCEEDED,
 * RETRYING, FAILED or STOPPED. A failed attempt rethrows so Lambda's retries and failure destination
 * work as configured; the task record always says why.
 */
export function taskHandler<TPayload, TResult>(
  options: TaskHandlerOptions<TPayload>,
  work: (payload: TPayload, ctx: TaskContext) => Promise<TResult>,
  deps?: TaskRuntimeDeps,
): LambdaTaskHandler {
  return async (rawEvent, context) => {
    const d = deps ?? depsFromEnvironment();
    const parsed = invocationEventSchema.safeParse(rawEvent);
    if (!parsed.success) {
      throw new InvalidPayloadError(`not a task invocation event: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    const event = parsed.data;
    const taskId = validateTaskId(event.taskId);
    const executionRef = context.awsRequestId;
    d.logger.addContext(context); // function_request_id on every line: `stask logs` finds them by it
    d.logger.appendKeys({ taskId, task: event.task });
    try {
      const task = await claim(d, taskId, executionRef);
      if ('replay' in task) return task.replay;
      return await runAttempt(d, task, event.payloadRef ?? event.payload, event.payloadRef !== undefined, context, options, work);
    } finally {
      d.metrics.publishStoredMetrics();
      d.logger.removeKeys(['taskId', 'task', 'attempt']);
    }
  };
}

/** Marks the task RUNNING for this attempt, or explains why this delivery must not run it. */
async function claim(
  d: TaskRuntimeDeps,
  taskId: string,
  executionRef: string,
): Promise<TaskRecord | { replay: unknown }> {
  try {
    return await d.registry.start(taskId, {
      executionRef,
      // A previous attempt that died (timeout, crash, out of memory) stops heartbeating: take over. A live
      // attempt heartbeats every heartbeatMs, so two missed beats mean it is gone.
      staleBefore: new Date(Date.now() - 2 * d.heartbeatMs).toISOString(),
      // Lambda's retry of this very invocation (same request ID) comes only after the earlier attempt
      // ended, however it ended: the attempt that left the task RUNNING is over.
      retryOf: executionRef,
      maxAttempts: d.maxAttempts,
      detail: `attempt started (${executionRef})`,
      // Recorded at start, so that a task that ends without succeed or fail (stopped, resolved by the
      // sweeper) still says what ran it.
      ...usageInput(),
    });
  } catch (error) {
    if (!(error instanceof InvalidTransitionError)) throw error;
    const current = await d.registry.get(taskId);
    switch (current.status) {
      case 'SUCCEEDED':
        // A redelivered event of a finished task: answer as the first run did; nothing runs twice.
        d.logger.info('task already succeeded; returning its recorded result');
        return { replay: successResponse(current) };
      case 'STOPPING':
        await d.registry.stopped(taskId, { from: ['STOPPING'], detail: 'stopped before its retry ran' }).catch(() => undefined);
        throw new TaskStoppedError(taskId);
      case 'STOPPED':
        throw new TaskStoppedError(taskId);
      case 'RUNNING':
        throw Object.assign(new Error(`task '${taskId}' is already running in ${current.executionRef ?? 'another attempt'}`), {
          name: 'TaskAlreadyRunning',
        });
      default:
        // FAILED or EXPIRED: end this delivery with the recorded reason so the failure record names it.
        throw Object.assign(new Error(current.error?.message ?? `task '${taskId}' is ${current.status}`), {
          name: current.error?.type ?? current.status,
        });
    }
  }
}

async function runAttempt<TPayload, TResult>(
  d: TaskRuntimeDeps,
  task: TaskRecord,
  rawPayload: unknown,
  isRef: boolean,
  context: Context,
  options: TaskHandlerOptions<TPayload>,
  work: (payload: TPayload, ctx: TaskContext) => Promise<TResult>,
): Promise<unknown> {
  const { taskId } = task;
  const executionRef = context.awsRequestId;
  const attempt = task.attempts;
  d.logger.appendKeys({ attempt });
  const controller = new AbortController();
  const startedAt = Date.now();
  const beacon = new TaskBeacon({
    registry: d.registry,
    taskId,
    executionRef,
    heartbeatMs: d.heartbeatMs,
    onStop: (reason, cause) => controller.abort(cause === 'stopping' ? new TaskStoppedError(taskId) : new Error(reason)),
    onError: (e) => d.logger.warn('heartbeat failed', { error: e as Error }),
  });
  // The claim has just written the attempt's first heartbeat.
  await beacon.start(false);
  let timeoutTimer: NodeJS.Timeout | undefined;
  const remaining = context.getRemainingTimeInMillis?.();
  if (remaining !== undefined && Number.isFinite(remaining)) {
    const margin = Math.min(5000, Math.max(200, remaining * 0.05));
    timeoutTimer = setTimeout(() => controller.abort(new TaskTimeoutError(taskId, Math.round(margin))), Math.max(0, remaining - margin));
  }
  const endAttempt = async (): Promise<void> => {
    clearTimeout(timeoutTimer);
    await beacon.close();
  };

  const ctx: TaskContext = {
    taskId,
    attempt,
    signal: controller.signal,
    logger: d.logger,
    progress: (percent, message) => {
      if (!Number.isFinite(percent)) throw new RangeError(`progress must be a number from 0 to 100, got ${percent}`);
      return beacon.progress(percent, message);
    },
  };

  try {
    let payload: TPayload;
    try {
      const raw = isRef ? await d.payloadStore.get(rawPayload as ObjectRef) : rawPayload;
      payload = options.parsePayload(raw);
    } catch (error) {
      throw error instanceof InvalidPayloadError ? error : new InvalidPayloadError((error as Error).message);
    }
    const result = await abortable(work(payload, ctx), controller.signal);
    await endAttempt();
    const encoded = encodePayload(result ?? null);
    const resultRef =
      encoded.sizeBytes > DEFAULT_PAYLOAD_LIMITS.inlineMaxBytes ? await d.payloadStore.put('results', taskId, encoded) : undefined;
    const done = await d.registry
      .succeed(taskId, {
        executionRef,
        detail: `attempt ${attempt} succeeded in ${Date.now() - startedAt} ms`,
        ...usageInput(),
        ...(resultRef ? { resultRef } : { result: JSON.parse(encoded.json) as unknown }),
      })
      .catch(async (error: unknown) => {
        // Stopped while the last step ran: a STOPPED task never becomes SUCCEEDED.
        if (error instanceof InvalidTransitionError && error.from === 'STOPPING') throw new TaskStoppedError(taskId);
        throw error;
      });
    d.metrics.addMetric(METRICS.taskSucceeded, MetricUnit.Count, 1);
    d.metrics.addMetric(METRICS.taskDuration, MetricUnit.Milliseconds, Date.now() - startedAt);
    d.logger.info('task succeeded', { durationMs: Date.now() - startedAt });
    return successResponse(done);
  } catch (caught) {
    await endAttempt();
    const error = controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : caught;
    await recordFailure(d, taskId, executionRef, attempt, error as Error);
    throw error;
  }
}

/** The `usage` input of a terminal write: the size Lambda gives this function. */
function usageInput(): { usage?: TaskUsage } {
  const usage = lambdaUsage();
  return usage ? { usage } : {};
}

async function recordFailure(d: TaskRuntimeDeps, taskId: string, executionRef: string, attempt: number, error: Error): Promise<void> {
  const failure = { type: error.name || 'Error', message: error.message };
  try {
    if (error instanceof TaskStoppedError) {
      await d.registry.stopped(taskId, { from: ['STOPPING', 'RUNNING'], executionRef, detail: 'stopped by request' });
      d.metrics.addMetric(METRICS.taskStopped, MetricUnit.Count, 1);
      d.logger.info('task stopped');
      return;
    }
    const retryable = !(error instanceof InvalidPayloadError) && attempt < d.maxAttempts;
    const resolution = {
      from: ['RUNNING'] as const,
      executionRef,
      detail: `attempt ${attempt} of ${d.maxAttempts} failed: ${failure.type}: ${failure.message}`,
      error: failure,
    };
    await (retryable ? d.registry.retrying(taskId, resolution) : d.registry.fail(taskId, { ...resolution, ...usageInput() }));
    d.metrics.addMetric(retryable ? METRICS.taskAttemptFailed : METRICS.taskFailed, MetricUnit.Count, 1);
    d.logger.error(retryable ? 'attempt failed; Lambda will retry' : 'task failed', { error });
  } catch (recordError) {
    if (recordError instanceof InvalidTransitionError && recordError.from === 'STOPPING') {
      await d.registry.stopped(taskId, { from: ['STOPPING'], detail: 'stopped by request while failing' }).catch(() => undefined);
      return;
    }
    // The task was taken over or changed meanwhile: the record already says what happened.
    d.logger.warn('could not record the failure', { error: recordError as Error });
  }
}

function successResponse(task: TaskRecord): unknown {
  return { taskId: task.taskId, status: 'SUCCEEDED', ...(task.resultRef ? { resultRef: task.resultRef } : { result: task.result }) };
}

/** Rejects as soon as the signal fires, even if the work ignores it. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
