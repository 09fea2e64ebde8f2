// The cost model of `stask cost` and `npm run bench:cost`: what a finished task cost, from what its record
// says it used (attempts' times from its events, `usage`: what ran it) × the published prices
// (functions/core/prices.ts); and what an always-on cluster sized for the peak concurrency would have cost.
import type { Prices } from './prices.js';
import type { TaskRecord } from './task-record.js';
import type { TaskUsage } from './usage.js';

/** One attempt's run: from its RUNNING event to the event that ended it. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/**
 * The bookkeeping requests of one task beside its compute, as the platform makes them: DynamoDB writes (the
 * create, each attempt's start and end, a heartbeat every `heartbeatSeconds`), one read per attempt (the
 * runner reads the record), and three SQS requests (the destination record sent, received, deleted).
 */
export interface Bookkeeping {
  readonly heartbeatSeconds: number;
}

export interface TaskCost {
  readonly taskId: string;
  readonly function: string;
  readonly status: string;
  /** The UTC day the task ended (YYYY-MM-DD). */
  readonly day: string;
  readonly attempts: number;
  readonly durationSeconds: number;
  readonly usage: TaskUsage;
  readonly cost: { readonly compute: number; readonly requests: number; readonly stateTransitions: number; readonly dynamodb: number; readonly sqs: number; readonly total: number };
}

/** The attempts' intervals, from the events (a RUNNING event opens one; the next other event, STOPPING aside, closes it). */
export function attemptIntervals(task: Pick<TaskRecord, 'events'>): Interval[] {
  const intervals: Interval[] = [];
  let open: number | undefined;
  for (const event of task.events) {
    const at = Date.parse(event.at);
    if (event.status === 'RUNNING') {
      if (open !== undefined) intervals.push({ start: open, end: at });
      open = at;
    } else if (event.status !== 'STOPPING' && open !== undefined) {
      intervals.push({ start: open, end: at });
      open = undefined;
    }
  }
  return intervals;
}

/** What one task cost; undefined when its record says nothing of what ran it (not finished by its runner). */
export function taskCost(task: TaskRecord, prices: Prices, bookkeeping: Bookkeeping): TaskCost | undefined {
  const usage = task.usage;
  if (!usage || task.endedAt === undefined) return undefined;
  const intervals = attemptIntervals(task);
  const seconds = intervals.map((i) => (i.end - i.start) / 1000);
  const durationSeconds = seconds.reduce((a, b) => a + b, 0);
  const attempts = intervals.length;
  const gb = usage.memoryMb / 1024;
  let compute: number;
  let requests = 0;
  if (usage.compute === 'lambda') {
    compute = gb * durationSeconds * prices.lambda.arm64GbSecond;
    requests = attempts * prices.lambda.request;
  } else {
    const f = prices.fargate;
    const extraStorage = Math.max(0, (usage.ephemeralStorageGb ?? f.includedStorageGb) - f.includedStorageGb);
    const perHour = usage.vcpu * f.arm64VcpuHour + gb * f.arm64GbHour + extraStorage * f.ephemeralStorageGbHour;
    compute = seconds.reduce((sum, s) => sum + (Math.max(s, f.minimumSeconds) / 3600) * perHour, 0);
  }
  const stateTransitions = attempts * usage.stateTransitions * prices.stepFunctions.standardStateTransition;
  const heartbeats = seconds.reduce((sum, s) => sum + Math.floor(s / bookkeeping.heartbeatSeconds), 0);
  const writes = 1 + 2 * attempts + heartbeats;
  const dynamodb = writes * prices.dynamodb.onDemandWriteRequestUnit + attempts * prices.dynamodb.onDemandReadRequestUnit;
  const sqs = 3 * prices.sqs.standardRequest;
  return {
    taskId: task.taskId,
    function: task.function,
    status: task.status,
    day: task.endedAt.slice(0, 10),
    attempts,
    durationSeconds,
    usage,
    cost: { compute, requests, stateTransitions, dynamodb, sqs, total: compute + requests + stateTransitions + dynamodb + sqs },
  };
}

export interface DayCost {
  readonly function: string;
  readonly day: string;
  readonly tasks: number;
  readonly total: number;
}

/** Cost per function per UTC day, sorted by day then function. */
export function costPerFunctionDay(costs: readonly TaskCost[]): DayCost[] {
  const groups = new Map<string, { function: string; day: string; tasks: number; total: number }>();
  for (const c of costs) {
    const key = `${c.day}\u0000${c.function}`;
    const group = groups.get(key) ?? { function: c.function, day: c.day, tasks: 0, total: 0 };
    group.tasks += 1;
    group.total += c.cost.total;
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => a.day.localeCompare(b.day) || a.function.localeCompare(b.function));
}

/** Something that ran for an interval with a size (vCPU, GB): an attempt of a task. */
export interface SizedInterval extends Interval {
  readonly vcpu: number;
  readonly memoryGb: number;
}

export interface Peak {
  /** Most intervals running at one time. */
  readonly concurrency: number;
  /** Most vCPU and memory in use at one time (each its own maximum). */
  readonly vcpu: number;
  readonly memoryGb: number;
}

/** The peak of concurrent intervals (an interval ending when another starts does not overlap it). */
export function peakOf(intervals: readonly SizedInterval[]): Peak {
  const edges = intervals.flatMap((i) => [
    { at: i.start, n: 1, vcpu: i.vcpu, gb: i.memoryGb },
    { at: i.end, n: -1, vcpu: -i.vcpu, gb: -i.memoryGb },
  ]);
  edges.sort((a, b) => a.at - b.at || a.n - b.n); // ends before starts at the same instant
  let [n, vcpu, gb] = [0, 0, 0];
  let peak = { concurrency: 0, vcpu: 0, memoryGb: 0 };
  for (const e of edges) {
    [n, vcpu, gb] = [n + e.n, vcpu + e.vcpu, gb + e.gb];
    peak = { concurrency: Math.max(peak.concurrency, n), vcpu: Math.max(peak.vcpu, vcpu), memoryGb: Math.max(peak.memoryGb, gb) };
  }
  return peak;
}

/** What the always-on comparison assumes, printed beside it. */
export const ALWAYS_ON_ASSUMPTION =
  'an always-on cluster with the peak vCPU and memory of the window, running 24/7 for the whole window, priced as Fargate ARM64 on-demand (no Savings Plans, no idle scale-down)';

export interface AlwaysOn {
  readonly peak: Peak;
  readonly hours: number;
  readonly cost: number;
  readonly assumption: string;
}

/** The always-on cluster sized for the peak of these intervals, for a window of `hours`. */
export function alwaysOnCost(intervals: readonly SizedInterval[], hours: number, prices: Prices): AlwaysOn {
  const peak = peakOf(intervals);
  const cost = (peak.vcpu * prices.fargate.arm64VcpuHour + peak.memoryGb * prices.fargate.arm64GbHour) * hours;
  return { peak, hours, cost, assumption: ALWAYS_ON_ASSUMPTION };
}

/** Each attempt of a task as a sized interval (for the peak). */
export function sizedIntervals(task: TaskRecord): SizedInterval[] {
  const usage = task.usage;
  if (!usage) return [];
  return attemptIntervals(task).map((i) => ({ ...i, vcpu: usage.vcpu, memoryGb: usage.memoryMb / 1024 }));
}
