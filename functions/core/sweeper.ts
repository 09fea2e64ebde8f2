import { InvalidTransitionError } from './errors.js';
import type { TaskRegistry } from './registry.js';
import type { TaskRecord, TaskStatus } from './task-record.js';

export interface SweepOptions {
  /** The runtime's heartbeat interval: two missed beats mean the attempt is gone. */
  readonly heartbeatMs: number;
  /** How long a RETRYING task may wait for Lambda's retry (retry delays + timeout + margin). */
  readonly retryWindowMs: number;
  /** How long a QUEUED task may wait to start (the maximum event age + margin). */
  readonly queuedExpiryMs: number;
  readonly now?: Date;
}

export interface SweepResult {
  readonly retrying: string[];
  readonly failed: string[];
  readonly stopped: string[];
  readonly expired: string[];
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
    );
  }
  const queuedBefore = new Date(now.getTime() - options.queuedExpiryMs).toISOString();
  for (const task of await allWithStatus(registry, 'QUEUED', queuedBefore)) {
    await attempt(result.expired, task.taskId, () =>
      registry.expire(task.taskId, {
        from: ['QUEUED'],
        detail: `not started within ${Math.round(options.queuedExpiryMs / 1000)} s (maximum event age)`,
        error: { type: 'EventAgeExceeded', message: 'the task did not start before its maximum event age' },
      }),
    );
  }
  return result;
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

async function attempt(into: string[], taskId: string, transition: () => Promise<unknown>): Promise<void> {
  try {
    await transition();
    into.push(taskId);
  } catch (error) {
    if (!(error instanceof InvalidTransitionError)) throw error; // a live attempt moved it first: fine
  }
}
