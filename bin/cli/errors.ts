// Exit codes and the one-line error messages of the stask CLI.
import { CommanderError } from 'commander';
import { EXIT, TASK_ERRORS } from '../../functions/core/error-table.js';
import { TaskError } from '../../functions/core/errors.js';

/** Process exit codes (defined with the task errors' meanings, functions/core/error-table.ts). */
export { EXIT };

/** An error the CLI raises itself, with the exit code it ends the process with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad usage or invalid input detected by the CLI (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** The exit code an error ends the CLI with. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof TaskError) return TASK_ERRORS[error.code].exitCode;
  if (error instanceof CommanderError) {
    // --help and --version end through exitOverride with exit code 0; every other commander error is usage.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  return EXIT.failure;
}

/** One line that says what went wrong, without a stack trace. */
export function errorMessage(error: unknown): string {
  if (error instanceof CliError || error instanceof TaskError) return error.message;
  if (error instanceof CommanderError) return error.message.replace(/^error: /, '');
  if (error instanceof Error) {
    const message = error.message || describeEmpty(error);
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return `${name}${message}`.split('\n')[0] ?? name;
  }
  return String(error);
}

/** Node reports a refused connection as an AggregateError with an empty message; say what it is. */
function describeEmpty(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const inner = error instanceof AggregateError ? (error.errors as unknown[]).find((e) => e instanceof Error) : undefined;
  if (inner instanceof Error && inner.message) return inner.message;
  return typeof code === 'string' ? code : 'unknown error';
}
