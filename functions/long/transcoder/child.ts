// Runs ffmpeg / ffprobe as child processes: argument arrays only (never a shell), killed on abort
// (SIGTERM, then SIGKILL after a grace period), and never left behind when this process exits.
import { spawn, type ChildProcess } from 'node:child_process';

export const FFMPEG = 'ffmpeg';
export const FFPROBE = 'ffprobe';

export interface RunOptions {
  /** Aborting kills the child; the returned promise then rejects with the signal's reason once the child is gone. */
  readonly signal?: AbortSignal;
  /** Receives stdout as it arrives (otherwise stdout is collected into the result). */
  readonly onStdout?: (chunk: string) => void;
  /** Time between SIGTERM and SIGKILL. @default 5000 */
  readonly killGraceMs?: number;
}

export interface RunResult {
  /** Exit code, or null when the child ended by a signal. */
  readonly code: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  readonly stdout: string;
  /** The last 64 KiB of stderr. */
  readonly stderr: string;
}

const STDERR_KEEP = 64 * 1024;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Runs `command args` to completion. Resolves whatever the exit code; rejects on spawn failure or abort. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { signal, onStdout, killGraceMs = 5000 } = options;
  installExitHook();
  return new Promise<RunResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (onStdout) onStdout(chunk);
      else stdout += chunk;
    });
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });
    const onAbort = (): void => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), killGraceMs);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (): void => {
      live.delete(child);
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
    };
    child.once('error', (error) => {
      finish();
      reject(error);
    });
    child.once('close', (code, exitSignal) => {
      finish();
      if (signal?.aborted) reject(signal.reason as Error);
      else resolve({ code, exitSignal, stdout, stderr });
    });
  });
}

/** The first non-empty line of a tool's error output. */
export function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
}

/** The last lines of a tool's error output, for failure messages. */
export function lastLines(text: string, count = 5): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(-count).join(' | ');
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort: whatever path ends this process, no ffmpeg outlives it.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}
