// The modelled cost of the seed's weekly batch: hundreds of 4 GB 1080p videos, several hours each, transcoded
// on this stack (one Fargate task per video, the transcoder's default size, a Step Functions execution each)
// vs an always-on cluster sized for the batch's peak, running all week. The same cost model as `stask cost`
// (functions/core/cost-model.ts), on task records made the way the long lane writes them.
//   BENCH_VIDEOS (300), BENCH_HOURS (3: transcode time per video), BENCH_CONCURRENCY (comma-separated caps on
//   concurrent transcodes; 0 = all at once; default 0,50,20), BENCH_WINDOW_HOURS (168: the always-on week)
import { alwaysOnCost, sizedIntervals, taskCost } from '../functions/core/cost-model.js';
import { DEFAULTS } from '../functions/core/facts.js';
import { PRICES } from '../functions/core/prices.js';
import type { TaskRecord } from '../functions/core/task-record.js';
import { fargateUsage } from '../functions/core/usage.js';
import { LONG_TASK_PATH_TRANSITIONS } from '../lib/constructs/usage-states.js';
import { TRANSCODER_SIZE } from '../lib/constructs/transcode-task.js';

const VIDEOS = Number(process.env.BENCH_VIDEOS ?? 300);
const HOURS = Number(process.env.BENCH_HOURS ?? 3);
const WINDOW_HOURS = Number(process.env.BENCH_WINDOW_HOURS ?? 168);
const CAPS = (process.env.BENCH_CONCURRENCY ?? '0,50,20').split(',').map(Number);
for (const [name, value] of Object.entries({ BENCH_VIDEOS: VIDEOS, BENCH_HOURS: HOURS, BENCH_WINDOW_HOURS: WINDOW_HOURS })) {
  if (!(value > 0)) throw new Error(`${name} must be a positive number`);
}
if (!CAPS.every((c) => Number.isInteger(c) && c >= 0)) throw new Error('BENCH_CONCURRENCY must list whole numbers (0 = no cap)');

const usage = fargateUsage(TRANSCODER_SIZE.cpu, TRANSCODER_SIZE.memoryLimitMiB, TRANSCODER_SIZE.ephemeralStorageGiB, LONG_TASK_PATH_TRANSITIONS);
const FRIDAY = Date.parse('2026-11-27T18:00:00.000Z');

/** The batch's task records: all submitted on Friday evening, started in waves of `cap` (0: all at once). */
function batch(cap: number): TaskRecord[] {
  const ms = HOURS * 3_600_000;
  return Array.from({ length: VIDEOS }, (_, i) => {
    const start = FRIDAY + (cap > 0 ? Math.floor(i / cap) : 0) * ms;
    const at = (t: number): string => new Date(t).toISOString();
    return {
      taskId: `video_${i}`, function: 'transcode', status: 'SUCCEEDED', attempts: 1, maxAttempts: 1,
      events: [{ status: 'QUEUED', at: at(FRIDAY) }, { status: 'RUNNING', at: at(start) }, { status: 'SUCCEEDED', at: at(start + ms) }],
      createdAt: at(FRIDAY), updatedAt: at(start + ms), startedAt: at(start), endedAt: at(start + ms),
      payloadHash: '', payloadSizeBytes: 0, expiresAt: 0, idHead: 'v', usage,
    } satisfies TaskRecord;
  });
}

const usd = (n: number): string => `$${n.toFixed(2)}`;
console.log(`Weekly batch: ${VIDEOS} videos × ${HOURS} h on Fargate ARM64 ${usage.vcpu} vCPU / ${usage.memoryMb / 1024} GB / ${usage.ephemeralStorageGb} GB storage`);
console.log(`Prices: ${PRICES.region} as of ${PRICES.asOf} (functions/core/prices.json). Always-on: ${WINDOW_HOURS} h at the batch's peak, priced as Fargate ARM64 on-demand 24/7.`);
const rows: string[][] = [];
for (const cap of CAPS) {
  const records = batch(cap);
  const stack = records.reduce((sum, r) => sum + (taskCost(r, PRICES, { heartbeatSeconds: DEFAULTS.heartbeatSeconds })?.cost.total ?? 0), 0);
  const always = alwaysOnCost(records.flatMap(sizedIntervals), WINDOW_HOURS, PRICES);
  const batchHours = (Math.max(...records.map((r) => Date.parse(r.endedAt ?? ''))) - FRIDAY) / 3_600_000;
  rows.push([cap === 0 ? 'all at once' : String(cap), String(always.peak.concurrency), `${always.peak.vcpu}`, `${batchHours} h`, usd(stack), usd(always.cost), `${(always.cost / stack).toFixed(1)}×`]);
}
const headers = ['CONCURRENCY', 'PEAK TASKS', 'PEAK vCPU', 'BATCH TAKES', 'THIS STACK', 'ALWAYS-ON', 'RATIO'];
const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
for (const row of [headers, ...rows]) console.log(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
