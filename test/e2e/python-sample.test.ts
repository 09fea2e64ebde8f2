// The Python sample end to end through the stask CLI against a spawned `stask dev`: analyze-slow-queries
// (TypeScript) summarizes the example slow log, detect-query-regressions (Python, pandas, run by
// awslambdaric through the local Runtime API) compares it with a regressed copy.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../functions/core/task-record.js';
import { ROOT, startDev, stask, staskJson, type DevProcess } from './stask-process.js';

interface Summary {
  fingerprints: { fingerprint: string; count: number; p95QueryTime: number; rowsExamined: number }[];
}
interface Regressions {
  compared: number;
  regressions: { fingerprint: string; reasons: string[]; p95QueryTime: { ratio: number } }[];
}

let dev: DevProcess;
let dir: string;
const runJson = <T>(...args: string[]) => staskJson<T>([...args, '--data-dir', dir]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stask-e2e-py-'));
  dev = await startDev(dir, '0.001');
}, 300_000);
afterAll(async () => {
  await dev?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('detect-query-regressions (Python) through stask', () => {
  it('flags the fingerprint whose p95 tripled between two analyze-slow-queries summaries', async () => {
    const log = readFileSync(join(ROOT, 'examples', 'mysql-slow.log'), 'utf8');
    const analyzed = await runJson<{ task: TaskRecord }>('invoke', 'analyze-slow-queries', '--id', 'py_baseline', '--payload', JSON.stringify({ log }), '--wait');
    expect(analyzed.json.task.status).toBe('SUCCEEDED');
    const baseline = analyzed.json.task.result as Summary;
    const [slowest] = baseline.fingerprints;
    const current = { fingerprints: baseline.fingerprints.map((f) => (f === slowest ? { ...f, p95QueryTime: f.p95QueryTime * 3 } : f)) };

    const { code, json } = await runJson<{ task: TaskRecord }>('invoke', 'detect-query-regressions', '--id', 'py_regressions', '--payload', JSON.stringify({ baseline, current }), '--wait');

    expect(code).toBe(0);
    expect(json.task).toMatchObject({ status: 'SUCCEEDED', attempts: 1, progress: { percent: 100 } });
    const result = json.task.result as Regressions;
    expect(result.compared).toBe(baseline.fingerprints.length);
    expect(result.regressions).toEqual([expect.objectContaining({ fingerprint: slowest?.fingerprint, reasons: ['p95'], p95QueryTime: expect.objectContaining({ ratio: 3 }) })]);
    const logs = await stask(['logs', 'py_regressions', '--data-dir', dir]);
    expect(logs.stdout).toMatch(/regressions detected/);
    expect(dev.output()).toMatch(/python3\.14: (matching|closest available) interpreter/);
  });

  it('fails at once, without retries, on a payload that is not two summaries', async () => {
    const { json } = await runJson<{ task: TaskRecord }>('invoke', 'detect-query-regressions', '--id', 'py_bad', '--payload', '{"baseline":{}}', '--wait');
    expect(json.task).toMatchObject({ status: 'FAILED', attempts: 1, error: { type: 'InvalidPayload' } });
  });
});
