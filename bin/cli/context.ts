// What every command gets: its output streams, a clock, the global options and the target's services.
import type { Services, TargetOptions } from './target.js';

export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface CliIO {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: NodeJS.ProcessEnv;
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export interface GlobalOptions extends TargetOptions {
  readonly json: boolean;
}

export interface CommandContext {
  readonly io: CliIO;
  readonly options: GlobalOptions;
  /** Resolves the target (embedded platform or stack) and builds the clients: called once options are valid. */
  services(): Promise<Services>;
  /** Prints JSON (one document, pretty-printed) to stdout. */
  printJson(value: unknown): void;
  print(text: string): void;
  /** The exit code the command ends with when it returns normally. @default 0 */
  exitCode: number;
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
