// Which host Python runs a python3.x function locally: the interpreter matching the Lambda runtime when
// the machine has it, else the one closest to it among 3.11 and newer. No download at run time.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface PythonInterpreter {
  readonly path: string;
  /** e.g. '3.13.0' */
  readonly version: string;
  /** e.g. '3.13' */
  readonly minor: string;
  /** True when it is the runtime's own minor version. */
  readonly exact: boolean;
}

/** The oldest Python the runtime package supports (python/pyproject.toml requires-python). */
export const MIN_PYTHON_MINOR = 11;

function candidates(): string[] {
  const found: string[] = [];
  const pyenvRoot = process.env.PYENV_ROOT ?? join(homedir(), '.pyenv');
  const versions = join(pyenvRoot, 'versions');
  if (existsSync(versions)) {
    for (const v of readdirSync(versions)) {
      const minor = /^3\.(\d+)\./.exec(v)?.[1];
      if (minor) found.push(join(versions, v, 'bin', `python3.${minor}`));
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir.includes('.pyenv/shims')) continue; // shims answer for the global version only
    for (let minor = 20; minor >= MIN_PYTHON_MINOR; minor--) found.push(join(dir, `python3.${minor}`));
    found.push(join(dir, 'python3'));
  }
  return found;
}

function versionOf(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const out = spawnSync(path, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8', timeout: 10_000 });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

const chosen = new Map<string, PythonInterpreter>();

/**
 * The interpreter for `runtime` (e.g. 'python3.13'); $STASK_PYTHON overrides. Throws when the machine has
 * no Python ≥ 3.11.
 */
export function findPython(runtime: string): PythonInterpreter {
  const cached = chosen.get(runtime);
  if (cached) return cached;
  const want = Number(/^python3\.(\d+)$/.exec(runtime)?.[1] ?? NaN);
  if (!Number.isInteger(want)) throw new Error(`not a Python Lambda runtime: '${runtime}'`);
  const paths = process.env.STASK_PYTHON ? [process.env.STASK_PYTHON] : candidates();
  let best: PythonInterpreter | undefined;
  const seen = new Set<string>();
  for (const path of paths) {
    if (seen.has(path)) continue;
    seen.add(path);
    const version = versionOf(path);
    const minor = Number(version?.split('.')[1]);
    if (!version || minor < MIN_PYTHON_MINOR) continue;
    const candidate = { path, version, minor: `3.${minor}`, exact: minor === want };
    const distance = (m: number): number => Math.abs(m - want) * 2 + (m > want ? 1 : 0); // prefer older on a tie
    if (!best || distance(minor) < distance(Number(best.minor.split('.')[1]))) best = candidate;
    if (candidate.exact) break;
  }
  if (!best) throw new Error(`no Python ${`3.${MIN_PYTHON_MINOR}`} or newer on this machine for ${runtime}; install one (or set STASK_PYTHON)`);
  chosen.set(runtime, best);
  return best;
}

export function describePython(runtime: string, p: PythonInterpreter): string {
  return `${runtime}: ${p.exact ? 'matching' : 'closest available'} interpreter ${p.path} (Python ${p.version})`;
}
