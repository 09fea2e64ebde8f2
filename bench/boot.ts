// Time from `stask dev` starting to its `ready` line (no Kafka in the stack yet), on a fresh data
// directory and on a restart over the same one. cdk.out is synthesized first, so synthesis is not counted.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeIfStale } from '../local/synth.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
synthesizeIfStale(process.cwd(), (line) => console.log(line));

function bootOnce(dataDir: string): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['bin/stask.mjs', 'dev', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/\bready\b/.test(output)) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        child.once('exit', () => resolve(ms));
        child.kill('SIGTERM');
      }
    });
    child.once('exit', (code) => (/\bready\b/.test(output) ? undefined : reject(new Error(`stask dev exited ${code}: ${output}`))));
  });
}

const fresh: number[] = [];
const restart: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-boot-'));
  fresh.push(await bootOnce(dataDir));
  restart.push(await bootOnce(dataDir));
  rmSync(dataDir, { recursive: true, force: true });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(`stask dev until "ready" (process start included), ${RUNS} runs each:`);
console.log(`  fresh data directory: median ${median(fresh).toFixed(0)} ms  (${fresh.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  restart on same data: median ${median(restart).toFixed(0)} ms  (${restart.map((x) => x.toFixed(0)).join(', ')})`);
