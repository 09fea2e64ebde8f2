// An in-memory CliIO for unit tests of the CLI: captured stdout/stderr, a fixed clock, instant sleeps.
import type { CliIO } from '../../bin/cli/context.js';

export interface FakeIO extends CliIO {
  out(): string;
  err(): string;
  readonly sleeps: number[];
}

export function fakeIO(options: { now?: Date; env?: NodeJS.ProcessEnv; tty?: boolean } = {}): FakeIO {
  let out = '';
  let err = '';
  const sleeps: number[] = [];
  return {
    stdout: { write: (text: string) => (out += text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => (err += text), isTTY: options.tty ?? false },
    env: options.env ?? {},
    now: () => options.now ?? new Date('2026-11-26T12:00:00.000Z'),
    sleep: async (ms: number) => void sleeps.push(ms),
    out: () => out,
    err: () => err,
    sleeps,
  };
}
