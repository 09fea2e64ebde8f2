// The cost model: attempts from events, a task's cost from its usage × prices, per-day grouping, peak concurrency.
import { describe, expect, it } from 'vitest';
import { alwaysOnCost, attemptIntervals, costPerFunctionDay, peakOf, taskCost, type TaskCost } from '../../../functions/core/cost-model.js';
import { PRICES } from '../../../functions/core/prices.js';
import type { TaskRecord } from '../../../functions/core/task-record.js';
import { record } from '../../cli/records.js';

const T = (s: string): number => Date.parse(`2026-11-26T${s}Z`);
const BOOKKEEPING = { heartbeatSeconds: 10 };

describe('attemptIntervals', () => {
  it('opens an attempt at RUNNING and closes it at the next event that is not STOPPING', () => {
    const events: TaskRecord['events'] = [
      { status: 'QUEUED', at: '2026-11-26T10:00:00Z' },
      { status: 'RUNNING', at: '2026-11-26T10:00:01Z' },
      { status: 'RETRYING', at: '2026-11-26T10:00:05Z' },
      { status: 'RUNNING', at: '2026-11-26T10:00:06Z' },
      { status: 'STOPPING', at: '2026-11-26T10:00:07Z' },
      { status: 'STOPPED', at: '2026-11-26T10:00:09Z' },
    ];
    expect(attemptIntervals({ events })).toEqual([
      { start: T('10:00:01'), end: T('10:00:05') },
      { start: T('10:00:06'), end: T('10:00:09') },
    ]);
  });
});

describe('taskCost', () => {
  it('prices a Lambda task: GB-seconds of its attempts, a request each, its bookkeeping', () => {
    const task = record({ usage: { compute: 'lambda', memoryMb: 2048, vcpu: 1.158, stateTransitions: 0 } });
    const cost = taskCost(task, PRICES, BOOKKEEPING);
    // 2.5 s at 2 GB; one attempt: writes = create + start + end, one read, three SQS requests
    expect(cost?.durationSeconds).toBe(2.5);
    expect(cost?.cost.compute).toBeCloseTo(2 * 2.5 * PRICES.lambda.arm64GbSecond, 15);
    expect(cost?.cost.requests).toBe(PRICES.lambda.request);
    expect(cost?.cost.dynamodb).toBeCloseTo(3 * PRICES.dynamodb.onDemandWriteRequestUnit + PRICES.dynamodb.onDemandReadRequestUnit, 15);
    expect(cost?.cost.sqs).toBeCloseTo(3 * PRICES.sqs.standardRequest, 15);
    expect(cost?.day).toBe('2026-11-26');
  });

  it('prices a Fargate task per attempt with its minimum, extra storage and state transitions', () => {
    const usage = { compute: 'fargate' as const, memoryMb: 8192, vcpu: 4, ephemeralStorageGb: 100, stateTransitions: 5 };
    const task = record({ usage, events: [{ status: 'QUEUED', at: '2026-11-26T10:00:00Z' }, { status: 'RUNNING', at: '2026-11-26T10:00:00Z' }, { status: 'SUCCEEDED', at: '2026-11-26T13:00:00Z' }] });
    const cost = taskCost(task, PRICES, BOOKKEEPING);
    const f = PRICES.fargate;
    expect(cost?.cost.compute).toBeCloseTo(3 * (4 * f.arm64VcpuHour + 8 * f.arm64GbHour + 80 * f.ephemeralStorageGbHour), 12);
    expect(cost?.cost.stateTransitions).toBeCloseTo(5 * PRICES.stepFunctions.standardStateTransition, 15);
    // a 10 s attempt is billed Fargate's one-minute minimum
    const short = taskCost({ ...task, events: [{ status: 'RUNNING', at: '2026-11-26T10:00:00Z' }, { status: 'FAILED', at: '2026-11-26T10:00:10Z' }] }, PRICES, BOOKKEEPING);
    expect(short?.cost.compute).toBeCloseTo((60 / 3600) * (4 * f.arm64VcpuHour + 8 * f.arm64GbHour + 80 * f.ephemeralStorageGbHour), 12);
  });

  it('leaves out a task whose record says nothing of what ran it', () => {
    expect(taskCost(record(), PRICES, BOOKKEEPING)).toBeUndefined();
  });
});

describe('costPerFunctionDay', () => {
  it('sums tasks per function per UTC day, in day then function order', () => {
    const c = (fn: string, day: string, total: number): TaskCost => ({ function: fn, day, cost: { total } }) as unknown as TaskCost;
    expect(costPerFunctionDay([c('b', '2026-11-27', 1), c('a', '2026-11-27', 2), c('b', '2026-11-26', 3), c('b', '2026-11-27', 4)])).toEqual([
      { function: 'b', day: '2026-11-26', tasks: 1, total: 3 },
      { function: 'a', day: '2026-11-27', tasks: 1, total: 2 },
      { function: 'b', day: '2026-11-27', tasks: 2, total: 5 },
    ]);
  });
});

describe('peakOf and alwaysOnCost', () => {
  const sized = (start: string, end: string, vcpu: number, memoryGb: number) => ({ start: T(start), end: T(end), vcpu, memoryGb });

  it('counts the most intervals at one time; one ending as another starts does not overlap', () => {
    const peak = peakOf([sized('10:00:00', '11:00:00', 4, 8), sized('10:30:00', '12:00:00', 4, 8), sized('11:00:00', '11:30:00', 1, 2), sized('12:00:00', '13:00:00', 4, 8)]);
    expect(peak).toEqual({ concurrency: 2, vcpu: 8, memoryGb: 16 });
    expect(peakOf([])).toEqual({ concurrency: 0, vcpu: 0, memoryGb: 0 });
  });

  it('prices the peak for every hour of the window', () => {
    const result = alwaysOnCost([sized('10:00:00', '11:00:00', 4, 8), sized('10:00:00', '11:00:00', 4, 8)], 168, PRICES);
    expect(result.cost).toBeCloseTo((8 * PRICES.fargate.arm64VcpuHour + 16 * PRICES.fargate.arm64GbHour) * 168, 10);
    expect(result.assumption).toMatch(/24\/7/);
  });
});
