// `stask console` as a child process (through the launcher, like a user's `npx stask console`), and the
// headless Chromium (Debian's `chromium`, scripts/setup.sh installs it) the console tests drive.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { childEnv, NODE, ROOT } from './stask-process.js';

export interface ConsoleProcess {
  readonly child: ChildProcess;
  /** The printed URL, token included. */
  readonly url: string;
  /** The server's origin (no token). */
  readonly origin: string;
  readonly token: string;
  stop(): Promise<void>;
}

export function startConsole(dataDir: string, timeoutMs = 60_000): Promise<ConsoleProcess> {
  const child = spawn(NODE, [join(ROOT, 'bin', 'stask.mjs'), 'console', '--data-dir', dataDir], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stask console printed no URL within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)\/#token=([\w-]+)/.exec(output);
      if (!match?.[1] || !match[2]) return;
      clearTimeout(timer);
      resolve({
        child,
        url: match[0],
        origin: match[1],
        token: match[2],
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(kill);
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`stask console exited before printing its URL:\n${output}`));
    });
  });
}

/** Debian's chromium (STASK_CHROMIUM overrides the path). */
export const CHROMIUM = process.env.STASK_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run scripts/setup.sh (it installs Debian's chromium) or set STASK_CHROMIUM`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
