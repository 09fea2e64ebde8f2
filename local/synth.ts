import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// What shapes the synthesized stack (the CLI in bin/ does not).
const SOURCES = ['bin/app.ts', 'lib', 'functions', 'python/stask_runtime', 'package-lock.json', 'cdk.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

export interface SynthOptions {
  /** Where the cloud assembly goes. @default ROOT/cdk.out */
  readonly outdir?: string;
  /** CDK context (`-c key=value`), e.g. `{ kafkaLane: 'true' }`: give each context its own `outdir`. */
  readonly context?: Readonly<Record<string, string>>;
}

/** Runs `cdk synth` when the assembly is missing or older than the sources that shape it. Returns whether it ran. */
export function synthesizeIfStale(root: string, log: (line: string) => void, options: SynthOptions = {}): boolean {
  const outdir = options.outdir ?? join(root, 'cdk.out');
  const manifest = join(outdir, 'manifest.json');
  const built = existsSync(manifest) ? statSync(manifest).mtimeMs : 0;
  const sources = Math.max(...SOURCES.map((s) => newestMtime(join(root, s))));
  if (built > sources) return false;
  const context = Object.entries(options.context ?? {}).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  log(`synthesizing the stack (cdk synth${context.length ? ` ${context.join(' ')}` : ''}; cdk-nag checks run here) ...`);
  const out = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir, ...context], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (out.status !== 0) throw new Error(`cdk synth failed with exit code ${out.status}`);
  return true;
}
