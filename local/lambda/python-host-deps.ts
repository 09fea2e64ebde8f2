// Host-platform wheels of a Python asset's pins: the asset holds ARM64 wheels (what deploys), which do not
// import on an x86_64 host, so the platform installs the same versions for the host once, in a cache
// keyed by the pins and the interpreter, compiled to bytecode, with awslambdaric beside them.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PYTHON_MANIFEST_DIR, PYTHON_MANIFEST_FILE, uvCommand, type PythonManifest } from '../../lib/constructs/python-bundling.js';
import { cachedBuild } from './cached-build.js';
import type { PythonInterpreter } from './python-interpreter.js';

/** AWS's runtime interface client, which speaks the Runtime API to the local server. */
export const AWSLAMBDARIC_PIN = 'awslambdaric==4.2.2';

export function readManifest(assetDir: string): PythonManifest {
  const file = join(assetDir, PYTHON_MANIFEST_DIR, PYTHON_MANIFEST_FILE);
  if (!existsSync(file)) throw new Error(`${assetDir} is not a Python task asset (no ${PYTHON_MANIFEST_DIR}/${PYTHON_MANIFEST_FILE}); synthesize again`);
  return JSON.parse(readFileSync(file, 'utf8')) as PythonManifest;
}

/** The directory holding host wheels for the asset's pins (installed on first use). */
export function hostDependencies(assetDir: string, python: PythonInterpreter, cacheRoot: string): Promise<string> {
  const pins = [...readManifest(assetDir).pins, AWSLAMBDARIC_PIN].sort();
  const key = createHash('sha256').update(`${python.path}\n${python.version}\n${pins.join('\n')}`).digest('hex').slice(0, 16);
  return cachedBuild(join(cacheRoot, `py${python.minor}-${key}`), async (staging) => {
    await mkdir(staging, { recursive: true });
    const requirements = join(staging, '.requirements.txt');
    await writeFile(requirements, `${pins.join('\n')}\n`);
    await runUv(['pip', 'install', '--quiet', '--python', python.path, '--target', staging, '--compile-bytecode', '-r', requirements]);
  });
}

/** Runs uv (uvCommand(): $UV or the uv on PATH); rejects with its error output. */
export function runUv(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(uvCommand(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (e) => reject(new Error(`cannot run uv (${e.message}); install it with scripts/setup.sh or set UV`)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`uv ${args.slice(0, 2).join(' ')} exited with ${code}:\n${stderr.trim()}`))));
  });
}
