import { DEFAULT_DISPATCH_GRACE_MS, isUndispatched } from './dispatch.js';
import { InvalidTransitionError } from './errors.js';
import type { TaskRegistry } from './registry.js';
import type { TaskFailure, TaskRecord, TaskStatus } from './task-record.js';

export interface SweepOptions {
  /** The runtime's heartbeat interval: two missed beats mean the attempt is gone. */
  readonly heartbeatMs: number;
  /** How long a RETRYING task may wait for Lambda's retry (retry delays + timeout + margin). */
  readonly retryWindowMs: number;
  /** How long a QUEUED task may wait to start (the maximum event age + margin). */
  readonly queuedExpiryMs: number;
  readonly now?: Date;
  /** Dispatches a QUEUED task whose submitter died before dispatching it (TaskClient.redispatch); true when it did. */
  readonly redispatch?: (task: TaskRecord) => Promise<boolean>;
  /** How long a QUEUED task without its dispatch mark is left to its submitter. @default 30 s */
  readonly dispatchGraceMs?: number;
  /**
   * Lambda's init error of a task's function (see init-probe.ts), undefined when it initializes. With it, a
   * QUEUED task never attempted although its dispatch is older than the retry window is FAILED with that
   * error when its function fails to initialize (Lambda has sent its RetriesExhausted record).
   */
  readonly probeInit?: (task: TaskRecord) => Promise<TaskFailure | undefined>;
  /** Called with each task the sweep ended (FAILED, STOPPED, EXPIRED): sends its failure record. */
  readonly onTerminal?: (task: TaskRecord) => Promise<void>;
}

export interface SweepResult {
  readonly retrying: string[];
  readonly failed: string[];
  readonly stopped: string[];
  readonly expired: string[];
  /** QUEUED tasks dispatched again (their submitter died between the registry write and the invoke). */
  readonly redispatched?: string[];
}

/**
 * Resolves tasks whose worker can no longer speak for them, so that no task stays RUNNING forever:
 * an attempt that stopped heartbeating (crash, out of memory, timeout, platform restart) makes the task
 * RETRYING when attempts remain and FAILED when none do; a stop request nobody acknowledged ends
 * STOPPED; a retry that never came, FAILED; a task that never started within its event age, EXPIRED.
 * Every change is a conditional transition, so a live attempt racing the sweeper wins.
 */
export async function sweepTasks(registry: TaskRegistry, options: SweepOptions): Promise<SweepResult> {
  const now = options.now ?? new Date();
  const lapsedBefore = new Date(now.getTime() - 2 * options.heartbeatMs).toISOString();
  const result: SweepResult = { retrying: [], failed: [], stopped: [], expired: [] };

  for (const task of await allWithStatus(registry, 'RUNNING')) {
    // Until its first heartbeat, work that takes long to start (a Fargate task) has its own allowance.
    const starting = task.startAllowanceSeconds !== undefined && task.heartbeatAt === task.startedAt;
    const threshold = starting ? new Date(now.getTime() - (task.startAllowanceSeconds ?? 0) * 1000).toISOString() : lapsedBefore;
    if ((task.heartbeatAt ?? task.startedAt ?? task.createdAt) >= threshold) continue;
    const retryable = task.attempts < task.maxAttempts;
    const reason = `attempt ${task.attempts} of ${task.maxAttempts} stopped heartbeating at ${task.heartbeatAt ?? '(never)'} without recording an outcome (crash, out of memory, timeout or platform restart)`;
    await attempt(result[retryable ? 'retrying' : 'failed'], task.taskId, () =>
      (retryable ? registry.retrying.bind(registry) : registry.fail.bind(registry))(task.taskId, {
        from: ['RUNNING'],
        lapsedBefore: threshold,
        detail: `${reason}${retryable ? '; waiting for the retry' : ''}`,
        error: { type: 'HeartbeatLapsed', message: reason },
      }),
      options.onTerminal,
    );
  }
  for (const task of await allWithStatus(registry, 'STOPPING')) {
    if ((task.heartbeatAt ?? task.updatedAt) >= lapsedBefore) continue;
    await attempt(result.stopped, task.taskId, () =>
      registry.stopped(task.taskId, {
        from: ['STOPPING'],
        lapsedBefore,
        detail: 'stopped: the attempt ended without acknowledging the stop',
      }),
      options.onTerminal,
    );
  }
  const retryBefore = new Date(now.getTime() - options.retryWindowMs).toISOString();
  for (const task of await allWithStatus(registry, 'RETRYING')) {
    if (task.updatedAt >= retryBefore) continue;
    await attempt(result.failed, task.taskId, () =>
      // The attempt's error stays (fail keeps an error the record has); RetryLost only when there is none.
      registry.fail(task.taskId, {
        from: ['RETRYING'],
        detail: `no retry arrived within ${Math.round(options.retryWindowMs / 1000)} s`,
        error: { type: 'RetryLost', message: 'the retry never arrived' },
      }),
      options.onTerminal,
    );
  }
  if (options.redispatch) {
    const redispatched: string[] = [];
    const graceMs = options.dispatchGraceMs ?? DEFAULT_DISPATCH_GRACE_MS;
    for (const task of await allWithStatus(registry, 'QUEUED', new Date(now.getTime() - graceMs).toISOString())) {
      // One that waited past its event age is expired below instead.
      const expiring = Date.parse(task.createdAt) <= now.getTime() - options.queuedExpiryMs;
      if (!expiring && isUndispatched(task, now, graceMs) && (await options.redispatch(task))) redispatched.push(task.taskId);
    }
    if (redispatched.length) Object.assign(result, { redispatched });
  }
  if (options.probeInit) await failUninitialized(registry, options, now, result);
  const queuedBefore = new Date(now.getTime() - options.queuedExpiryMs).toISOString();
  for (const task of await allWithStatus(registry, 'QUEUED', queuedBefore)) {
    // Waiting for a concurrency slot of its long task (admission.ts): it starts as others end, however long.
    if (task.waitingExecution !== undefined) continue;
    await attempt(result.expired, task.taskId, () =>
      registry.expire(task.taskId, {
        from: ['QUEUED'],
        detail: `not started within ${Math.round(options.queuedExpiryMs / 1000)} s (maximum event age)`,
        error: { type: 'EventAgeExceeded', message: 'the task did not start before its maximum event age' },
      }),
      options.onTerminal,
    );
  }
  return result;
}

/**
 * QUEUED, dispatched longer ago than the retry window (Lambda's retry delays + the timeout + a margin),
 * never attempted: every delivery failed before the task runtime ran, or the event still waits (throttled).
 * One probe per function and sweep tells which; only an init failure fails the task. Lambda's own record is
 * the task's one failure record (onTerminal sends none for the short lane).
 */
async function failUninitialized(registry: TaskRegistry, options: SweepOptions, now: Date, result: SweepResult): Promise<void> {
  const probeInit = options.probeInit;
  if (!probeInit) return;
  const dispatchedBefore = new Date(now.getTime() - options.retryWindowMs).toISOString();
  const expiringBefore = new Date(now.getTime() - options.queuedExpiryMs).toISOString();
  const verdicts = new Map<string, Promise<TaskFailure | undefined>>();
  for (const task of await allWithStatus(registry, 'QUEUED', dispatchedBefore)) {
    if (task.attempts > 0 || !task.dispatchedAt || task.dispatchedAt > dispatchedBefore || task.createdAt <= expiringBefore) continue;
    let verdict = verdicts.get(task.function);
    if (!verdict) verdicts.set(task.function, (verdict = probeInit(task)));
    const initError = await verdict;
    if (!initError) continue;
    await attempt(result.failed, task.taskId, () =>
      registry.fail(task.taskId, {
        from: ['QUEUED'],
        detail: `its function fails to initialize (${initError.type}); Lambda's retries of the invocation are exhausted`,
        error: initError,
      }),
      options.onTerminal,
    );
  }
}

async function allWithStatus(registry: TaskRegistry, status: TaskStatus, until?: string): Promise<TaskRecord[]> {
  const tasks: TaskRecord[] = [];
  let nextToken: string | undefined;
  do {
    const page = await registry.list({ status, limit: 1000, ...(until ? { until } : {}), ...(nextToken ? { nextToken } : {}) });
    tasks.push(...page.tasks);
    nextToken = page.nextToken;
  } while (nextToken);
  return tasks;
}

async function attempt(into: string[], taskId: string, transition: () => Promise<TaskRecord>, onTerminal?: (task: TaskRecord) => Promise<void>): Promise<void> {
  let task: TaskRecord;
  try {
    task = await transition();
    into.push(taskId);
  } catch (error) {
    if (!(error instanceof InvalidTransitionError)) throw error; // a live attempt moved it first: fine
    return;
  }
  if (onTerminal && ['FAILED', 'STOPPED', 'EXPIRED'].includes(task.status)) await onTerminal(task);
}
