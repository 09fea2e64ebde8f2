// Start-up of the stask CLI as a user calls it: `npx stask --help` and `npx stask get ID` (against a running
// `stask dev`) vs `npm exec -- node -e 0` (npm exec's own cost plus Node's start), measured in the same run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeIfStale } from '../local/synth.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
synthesizeIfStale(process.cwd(), (line) => console.log(line));
spawnSync('npm', ['run', '--silent', 'build:cli'], { stdio: 'inherit' }); // what `npm ci` leaves (prepare)

function timeOf(args: string[]): number {
  const started = process.hrtime.bigint();
  const out = spawnSync('npm', ['exec', '--offline', '--', ...args], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const dataDir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
const dev = spawn(process.execPath, ['bin/stask.mjs', 'dev', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  await new Promise<void>((resolve, reject) => {
    let output = '';
    dev.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/\bready\b/.test(output)) resolve();
    });
    dev.once('exit', (code) => reject(new Error(`stask dev exited ${code}: ${output}`)));
  });
  const id = `bench_cli_${Date.now()}`;
  timeOf(['stask', '--data-dir', dataDir, 'invoke', 'analyze-slow-queries', '--id', id, '--payload', '{"log":""}']);

  const baseline: number[] = [];
  const help: number[] = [];
  const get: number[] = [];
  timeOf(['node', '-e', '0']); // warm the file cache alike for all three
  timeOf(['stask', '--help']);
  for (let i = 0; i < RUNS; i++) {
    baseline.push(timeOf(['node', '-e', '0']));
    help.push(timeOf(['stask', '--help']));
    get.push(timeOf(['stask', '--data-dir', dataDir, 'get', id]));
  }
  const base = median(baseline);
  const line = (name: string, xs: number[]): string => `  ${name.padEnd(28)} median ${median(xs).toFixed(0).padStart(5)} ms  → ${(median(xs) / base).toFixed(2)}× baseline`;
  console.log(`CLI start-up, ${RUNS} runs each (medians):`);
  console.log(`  ${'npm exec -- node -e 0'.padEnd(28)} median ${base.toFixed(0).padStart(5)} ms  (baseline)`);
  console.log(line('npx stask --help', help));
  console.log(line('npx stask get ID', get));
} finally {
  dev.kill('SIGTERM');
  await new Promise((resolve) => dev.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
