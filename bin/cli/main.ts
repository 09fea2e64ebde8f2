import { CommanderError } from 'commander';
import { processIO, type CliIO } from './context.js';
import { errorMessage, exitCodeOf } from './errors.js';
import { buildProgram, type RunState } from './program.js';

/**
 * Runs the CLI on `argv` (the arguments after the program name) and returns the exit code. Errors become
 * one line on stderr (`stask: <message>`); STASK_DEBUG=1 adds the stack trace.
 */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const state: RunState = { exitCode: 0 };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.exitCode;
  } catch (error) {
    // Commander has already printed its own message (through outputError).
    if (!(error instanceof CommanderError)) {
      io.stderr.write(`stask: ${errorMessage(error)}\n`);
      if (io.env.STASK_DEBUG === '1' && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    }
    return exitCodeOf(error);
  } finally {
    state.services?.close();
  }
}
