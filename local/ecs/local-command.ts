// What runs a task definition's container on this machine, from its `stask:local-command` metadata
// (functions/core/facts.ts LocalCommandSchema): a TypeScript/JS entry under node + tsx, or a Python module in a
// venv of the task's pinned requirements.
import { delimiter, join } from 'node:path';
import { LOCAL_COMMAND_METADATA, type LocalCommand, type PythonLocalCommand } from '../../functions/core/facts.js';
import { describePython, findPython } from '../lambda/python-interpreter.js';
import { pythonVenv } from './python-venv.js';

export interface SpawnSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

export interface ResolveOptions {
  readonly root: string;
  /** Where venvs are cached. */
  readonly pythonCacheDir: string;
  /** Told once per runtime which interpreter runs its jobs. */
  readonly log?: (line: string) => void;
}

export function isPythonCommand(command: LocalCommand | readonly []): command is PythonLocalCommand {
  return !Array.isArray(command);
}

/** The template listing's line for a task definition. */
export function describeLocalCommand(command: LocalCommand | readonly []): string {
  if (isPythonCommand(command)) {
    const { module, args, requirements } = command.python;
    return `child process: python -m ${[module, ...args].join(' ')} in a venv of ${requirements.join(' + ')}`;
  }
  return command.length ? `child process: node ${command.join(' ')}` : `not runnable locally (no ${LOCAL_COMMAND_METADATA} metadata)`;
}

const announced = new Set<string>();

/** The executable, arguments and extra environment of `command` (a Python venv is built on first use). */
export async function resolveLocalCommand(command: LocalCommand, options: ResolveOptions): Promise<SpawnSpec> {
  if (!isPythonCommand(command)) {
    const [entry, ...args] = command;
    if (entry === undefined) throw new Error(`no ${LOCAL_COMMAND_METADATA} command`);
    return { file: process.execPath, args: ['--import', 'tsx', join(options.root, entry), ...args], env: {} };
  }
  const { runtime, module, args, requirements, path } = command.python;
  const python = findPython(runtime);
  if (!announced.has(runtime)) {
    announced.add(runtime);
    options.log?.(`ECS tasks (${describePython(runtime, python)})`);
  }
  const venv = await pythonVenv({ python, requirements: requirements.map((file) => join(options.root, file)), cacheRoot: options.pythonCacheDir });
  return {
    file: join(venv, 'bin', 'python'),
    args: ['-m', module, ...args],
    env: {
      PYTHONPATH: path.map((dir) => join(options.root, dir)).join(delimiter),
      // No __pycache__ in the repository's folders (it would make the stack look changed), and lines as they come.
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
    },
  };
}
