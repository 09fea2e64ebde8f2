// `stask cost --json` on recorded tasks: real tasks run on the embedded platform (the bundled stack), then the
// figures it prints must follow from their records (events, attempts, usage) × functions/core/prices.json.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cli/main.js';
import { DEFAULTS } from '../../functions/core/facts.js';
import { PRICES } from '../../functions/core/prices.js';
import type { TaskRecord } from '../../functions/core/task-record.js';
import { ServerlessTaskStack } from '../../lib/serverless-task-stack.js';
import { startDevPlatform, type DevPlatform } from '../../local/dev-platform.js';
import { fakeIO } from '../cli/fake-io.js';

let cdkOut: string;
let dataDir: string;
let dev: DevPlatform;

beforeAll(async () => {
  cdkOut = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  dataDir = mkdtempSync(join(tmpdir(), 'stask-cost-'));
  const app = new App({ outdir: cdkOut });
  new ServerlessTaskStack(app, 'ServerlessTask');
  app.synth();
  dev = await startDevPlatform({ root: process.cwd(), cdkOut, synth: false, dataDir, retryDelayScale: 0, log: () => undefined, functionEnv: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' } });
}, 240_000);
afterAll(async () => {
  await dev?.close();
  rmSync(cdkOut, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

interface Report {
  tasks: { taskId: string; function: string; attempts: number; durationSeconds: number; cost: Record<string, number> }[];
  perFunctionDay: { function: string; day: string; tasks: number; total: number }[];
  total: number;
  alwaysOn: { peak: { concurrency: number; vcpu: number; memoryGb: number }; hours: number; cost: number; assumption: string };
  ratio: number | null;
  prices: { region: string; asOf: string };
}

/** The attempts' seconds, read off the events as the contract writes them: RUNNING, then what ended it. */
function attemptSeconds(task: TaskRecord): number[] {
  const seconds: number[] = [];
  let open: string | undefined;
  for (const e of task.events) {
    if (e.status === 'RUNNING') open = e.at;
    else if (e.status !== 'STOPPING' && open) {
      seconds.push((Date.parse(e.at) - Date.parse(open)) / 1000);
      open = undefined;
    }
  }
  return seconds;
}

/** A Lambda task's cost from its record and the price file. */
function expectedLambdaCost(task: TaskRecord): number {
  const seconds = attemptSeconds(task);
  const memoryGb = (task.usage?.memoryMb ?? NaN) / 1024;
  const heartbeats = seconds.reduce((n, s) => n + Math.floor(s / DEFAULTS.heartbeatSeconds), 0);
  return (
    memoryGb * seconds.reduce((a, b) => a + b, 0) * PRICES.lambda.arm64GbSecond +
    seconds.length * PRICES.lambda.request +
    (1 + 2 * seconds.length + heartbeats) * PRICES.dynamodb.onDemandWriteRequestUnit +
    seconds.length * PRICES.dynamodb.onDemandReadRequestUnit +
    3 * PRICES.sqs.standardRequest
  );
}

describe('stask cost on tasks run on the embedded platform', () => {
  it('prints per task, per function per day and the always-on cluster, from the records and the prices', async () => {
    // Prepare: two analyses that succeed, one task that fails through its three attempts
    const client = dev.platform.taskClient();
    const log = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'mysql-slow.log'), 'utf8');
    await client.submit({ task: 'analyze-slow-queries', id: 'cost_a1', payload: { log } });
    await client.submit({ task: 'analyze-slow-queries', id: 'cost_a2', payload: { log } });
    await client.submit({ task: 'always-fails', id: 'cost_f1', payload: {} });
    await dev.platform.lambda.drain();
    const records = await Promise.all(['cost_a1', 'cost_a2', 'cost_f1'].map((id) => client.get(id)));
    expect(records.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'FAILED']);

    // Act
    const io = fakeIO({ now: new Date() });
    const code = await main(['cost', '--json', '--since', '1h', '--data-dir', dataDir], io);

    // Assess
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(io.out()) as Report;
    expect(report.prices).toEqual({ region: 'us-east-1', asOf: PRICES.asOf });
    expect(report.tasks.map((t) => t.taskId).sort()).toEqual(['cost_a1', 'cost_a2', 'cost_f1']);
    for (const record of records) {
      expect(record.usage).toMatchObject({ compute: 'lambda', stateTransitions: 0 });
      expect(record.usage?.memoryMb).toBeGreaterThan(0);
      const line = report.tasks.find((t) => t.taskId === record.taskId);
      expect(line?.attempts).toBe(record.attempts);
      expect(line?.durationSeconds).toBeCloseTo(attemptSeconds(record).reduce((a, b) => a + b, 0), 9);
      expect(line?.cost['total']).toBeCloseTo(expectedLambdaCost(record), 15);
    }
    expect(report.tasks.find((t) => t.taskId === 'cost_f1')?.attempts).toBe(3);
    const day = (records[0]?.endedAt ?? '').slice(0, 10);
    const perFunction = (fn: string) => report.perFunctionDay.filter((d) => d.function === fn).reduce((n, d) => n + d.tasks, 0);
    expect(perFunction('analyze-slow-queries')).toBe(2);
    expect(perFunction('always-fails')).toBe(1);
    expect(report.perFunctionDay.some((d) => d.day === day)).toBe(true);
    expect(report.total).toBeCloseTo(records.reduce((sum, r) => sum + expectedLambdaCost(r), 0), 15);
    // the always-on cluster: the window's peak, priced for every hour of the window (1 h)
    const { peak, hours, cost } = report.alwaysOn;
    expect(hours).toBeCloseTo(1, 6);
    expect(peak.concurrency).toBeGreaterThanOrEqual(1);
    expect(peak.vcpu).toBeLessThanOrEqual(records.reduce((n, r) => n + (r.usage?.vcpu ?? 0), 0) + 1e-9);
    expect(cost).toBeCloseTo((peak.vcpu * PRICES.fargate.arm64VcpuHour + peak.memoryGb * PRICES.fargate.arm64GbHour) * hours, 12);
    expect(report.ratio).toBeCloseTo(cost / report.total, 6);

    // --function narrows the listing; the table form names the assumption
    const one = fakeIO({ now: new Date() });
    expect(await main(['cost', '--json', '--function', 'always-fails', '--data-dir', dataDir], one)).toBe(0);
    expect((JSON.parse(one.out()) as Report).tasks.map((t) => t.taskId)).toEqual(['cost_f1']);
    const text = fakeIO({ now: new Date() });
    expect(await main(['cost', '--data-dir', dataDir], text)).toBe(0);
    expect(text.out()).toMatch(/Always-on: .* 24\/7/s);
  }, 120_000);

  it('exits 2 for a bad --since, before reaching the platform', async () => {
    const io = fakeIO();
    expect(await main(['cost', '--since', 'last week', '--data-dir', dataDir], io)).toBe(2);
    expect(io.err()).toMatch(/--since 'last week'/);
  });
});
