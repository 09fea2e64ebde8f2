// Time from `stask dev` starting to its `ready` line (no Kafka in the stack yet), on a fresh data
// directory, on a restart over the same one, and on a restart over a data directory holding SEED_TASKS
// finished tasks (their registry records and their success destination records in the success queue, as
// 2,500 tasks leave them): the ratio of the last to the empty restart shows what boot time grows with.
// cdk.out is synthesized first, so synthesis is not counted.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENDPOINTS_FILE, type EndpointsFile } from '../functions/core/facts.js';
import { seed } from './boot-seed.js';
import { synthesizeIfStale } from '../local/synth.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SEED_TASKS = Number(process.env.BENCH_SEED_TASKS ?? 2500);
synthesizeIfStale(process.cwd(), (line) => console.log(line));

/** Boots `stask dev` on `dataDir`; `whileUp` runs once it is ready, before it is stopped. */
function bootOnce(dataDir: string, whileUp?: (endpoints: EndpointsFile) => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['bin/stask.mjs', 'dev', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    let seen = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (seen || !/\bready\b/.test(output)) return;
      seen = true;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      child.once('exit', () => resolve(ms));
      const endpoints = JSON.parse(readFileSync(join(dataDir, ENDPOINTS_FILE), 'utf8')) as EndpointsFile;
      void (whileUp ? whileUp(endpoints) : Promise.resolve()).then(
        () => child.kill('SIGTERM'),
        (error: unknown) => {
          child.kill('SIGTERM');
          reject(error as Error);
        },
      );
    });
    child.once('exit', (code) => (seen ? undefined : reject(new Error(`stask dev exited ${code}: ${output}`))));
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fresh: number[] = [];
const restart: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-boot-'));
  fresh.push(await bootOnce(dataDir));
  restart.push(await bootOnce(dataDir));
  rmSync(dataDir, { recursive: true, force: true });
}
const seededDir = mkdtempSync(join(tmpdir(), 'bench-boot-seeded-'));
await bootOnce(seededDir, (endpoints) => seed(endpoints, SEED_TASKS));
const seeded: number[] = [];
for (let i = 0; i < RUNS; i++) seeded.push(await bootOnce(seededDir));
rmSync(seededDir, { recursive: true, force: true });

console.log(`stask dev until "ready" (process start included), ${RUNS} runs each:`);
console.log(`  fresh data directory: median ${median(fresh).toFixed(0)} ms  (${fresh.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  restart on same data: median ${median(restart).toFixed(0)} ms  (${restart.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  restart with ${SEED_TASKS} tasks: median ${median(seeded).toFixed(0)} ms  (${seeded.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  ratio ${SEED_TASKS} tasks / empty restart: ${(median(seeded) / median(restart)).toFixed(2)}x`);
