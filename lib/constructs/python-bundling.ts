// Local bundling of a Python task with uv (no Docker): the task's modules, the runtime package
// (python/stask_runtime with the task contract) and the wheels of its pinned requirements for the
// function's platform (ARM64 manylinux, the runtime's Python), and a manifest of the resolved pins that
// the embedded platform installs again as host-platform wheels.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Lambda's limit on a function's unzipped deployment package. */
export const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;
/** Written into every Python asset: what the embedded platform needs to run it on the host. */
export const PYTHON_MANIFEST_DIR = '.stask-python';
export const PYTHON_MANIFEST_FILE = 'manifest.json';

export interface PythonManifest {
  /** e.g. '3.13' */
  readonly pythonVersion: string;
  readonly platform: string;
  /** Every distribution installed into the asset, `name==version`, as resolved at synth. */
  readonly pins: readonly string[];
}

export interface PythonBundleInput {
  readonly taskDir: string;
  readonly runtimeDir: string;
  readonly contractFile: string;
  readonly pythonVersion: string;
  readonly platform: string;
  readonly outputDir: string;
  /** Size limit of the unzipped asset. @default LAMBDA_UNZIPPED_LIMIT_BYTES */
  readonly limitBytes?: number;
  /** What to tell the user when the bundle is too large. */
  readonly tooLargeHint: string;
}

const SKIP = new Set(['__pycache__', '.venv', 'tests', '.pytest_cache', 'Dockerfile', 'requirements.txt', 'pyproject.toml', 'uv.lock']);

export function uvCommand(): string {
  return process.env.UV ?? 'uv';
}

function run(args: string[], what: string, cwd?: string): string {
  const out = spawnSync(uvCommand(), args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.error) {
    throw new Error(`${what}: cannot run uv (${out.error.message}); install it with scripts/setup.sh (pip install uv) or set UV`);
  }
  if (out.status !== 0) throw new Error(`${what}: uv exited with ${out.status}:\n${out.stderr.trim()}`);
  return out.stdout;
}

/**
 * The task's pinned requirements as lines `name==version`: from `requirements.txt` (every line pinned with
 * `==`), or from `pyproject.toml` + `uv.lock` (exported frozen). No dependency file: no requirements.
 */
export function taskRequirements(taskDir: string): string[] {
  const requirementsFile = path.join(taskDir, 'requirements.txt');
  const lockFile = path.join(taskDir, 'uv.lock');
  if (existsSync(requirementsFile)) {
    const lines = readFileSync(requirementsFile, 'utf8').split('\n');
    const pins: string[] = [];
    lines.forEach((raw, i) => {
      const line = raw.replace(/#.*$/, '').trim();
      if (!line) return;
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.!+_-]+(\s*;.*)?$/.test(line)) {
        throw new Error(
          `${requirementsFile}:${i + 1}: '${raw.trim()}' is not a pinned requirement; write name==version ` +
            '(one per line) so the asset and the embedded platform install the same versions',
        );
      }
      pins.push(line);
    });
    return pins;
  }
  if (existsSync(path.join(taskDir, 'pyproject.toml'))) {
    if (!existsSync(lockFile)) throw new Error(`${taskDir}: pyproject.toml has no uv.lock beside it; run 'uv lock' there`);
    const exported = run(['export', '--frozen', '--no-hashes', '--no-dev', '--no-emit-project', '--no-header'], `${taskDir}: uv export`, taskDir);
    return exported.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith('-'));
  }
  return [];
}

function copyModules(from: string, to: string): void {
  for (const entry of readdirSync(from)) {
    if (SKIP.has(entry) || entry.startsWith('.')) continue;
    cpSync(path.join(from, entry), path.join(to, entry), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  }
}

function sizeOf(p: string): number {
  const stat = lstatSync(p);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(p).reduce((sum, entry) => sum + sizeOf(path.join(p, entry)), 0);
}

/** `name==version` (normalized names) of every distribution in a --target directory (its *.dist-info folders). */
export function installedPins(dir: string): string[] {
  return readdirSync(dir)
    .filter((d) => d.endsWith('.dist-info'))
    .map((d) => {
      const meta = readFileSync(path.join(dir, d, 'METADATA'), 'utf8');
      const name = /^Name: (.+)$/m.exec(meta)?.[1]?.trim();
      const version = /^Version: (.+)$/m.exec(meta)?.[1]?.trim();
      // PEP 503 normalized names: the same string whichever spelling the wheel's metadata uses
      return `${(name ?? d).toLowerCase().replace(/[-_.]+/g, '-')}==${version}`;
    })
    .sort();
}

/** Builds the asset in outputDir; throws a clear error for bad requirements or an asset over the limit. */
export function bundlePythonTask(input: PythonBundleInput): PythonManifest {
  const requirements = [...taskRequirements(input.taskDir), ...taskRequirements(input.runtimeDir)];
  mkdirSync(input.outputDir, { recursive: true });
  copyModules(input.taskDir, input.outputDir);
  const runtimeOut = path.join(input.outputDir, path.basename(input.runtimeDir));
  mkdirSync(runtimeOut, { recursive: true });
  copyModules(input.runtimeDir, runtimeOut);
  cpSync(input.contractFile, path.join(runtimeOut, 'task-contract.json'));

  const manifestDir = path.join(input.outputDir, PYTHON_MANIFEST_DIR);
  mkdirSync(manifestDir, { recursive: true });
  const requirementsFile = path.join(manifestDir, 'requirements.in');
  writeFileSync(requirementsFile, `${requirements.join('\n')}\n`);
  run(
    ['pip', 'install', '--quiet', '--python-platform', input.platform, '--python-version', input.pythonVersion, '--only-binary', ':all:', '--target', input.outputDir, '-r', requirementsFile],
    `bundling ${input.taskDir} (${input.platform}, Python ${input.pythonVersion})`,
  );
  const size = sizeOf(input.outputDir);
  const limit = input.limitBytes ?? LAMBDA_UNZIPPED_LIMIT_BYTES;
  if (size > limit) {
    throw new Error(
      `${input.taskDir}: the bundled function is ${(size / 1024 / 1024).toFixed(1)} MB unzipped, above Lambda's ` +
        `${(limit / 1024 / 1024).toFixed(0)} MB limit. ${input.tooLargeHint}`,
    );
  }
  const manifest: PythonManifest = { pythonVersion: input.pythonVersion, platform: input.platform, pins: installedPins(input.outputDir) };
  writeFileSync(path.join(manifestDir, PYTHON_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
