// The venv a long-lane Python job runs in on the embedded platform: the host interpreter chosen for the job's
// runtime, the host-platform wheels of the task's pinned requirements (plus the runtime package's), built once
// with uv and cached by the interpreter and the requirements' content.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedBuild } from '../lambda/cached-build.js';
import { runUv } from '../lambda/python-host-deps.js';
import type { PythonInterpreter } from '../lambda/python-interpreter.js';

export interface PythonVenvRequest {
  readonly python: PythonInterpreter;
  /** Absolute paths of pinned requirements files. */
  readonly requirements: readonly string[];
  /** Cache directory (the platform's Python cache). */
  readonly cacheRoot: string;
}

/** The venv's directory (its interpreter is `<dir>/bin/python`), built on first use. */
export function pythonVenv(request: PythonVenvRequest): Promise<string> {
  const { python, requirements, cacheRoot } = request;
  const hash = createHash('sha256').update(`${python.path}\n${python.version}\n`);
  for (const file of requirements) {
    if (!existsSync(file)) return Promise.reject(new Error(`requirements file ${file} does not exist`));
    hash.update(readFileSync(file)).update('\n');
  }
  // `python -m` finds the venv from the interpreter's location: a venv moved from its staging directory works.
  return cachedBuild(join(cacheRoot, `venv-py${python.minor}-${hash.digest('hex').slice(0, 16)}`), async (staging) => {
    await runUv(['venv', '--quiet', '--python', python.path, staging]);
    await runUv(['pip', 'install', '--quiet', '--python', join(staging, 'bin', 'python'), '--compile-bytecode', ...requirements.flatMap((file) => ['-r', file])]);
  });
}
