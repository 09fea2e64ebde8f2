// Exit codes and the one-line error messages of the stask CLI.
import { CommanderError } from 'commander';
import { TaskError, type TaskErrorCode } from '../../functions/core/errors.js';

/** Process exit codes. Stable: scripts branch on them. */
export const EXIT = {
  /** The command did what was asked (for `invoke --wait`: the task SUCCEEDED). */
  ok: 0,
  /** Anything else: the task ended FAILED/STOPPED/EXPIRED (`invoke --wait`), no platform running, AWS errors. */
  failure: 1,
  /** Bad usage or invalid input: unknown option, bad task ID, payload, status, time, unknown task name. */
  usage: 2,
  /**
   * Conflict with the task's current state: the ID exists with a different payload (TaskConflict), or the
   * task's status does not allow the request (InvalidTransition: stopping a finished task, retrying a running one).
   */
  conflict: 3,
  /** The task does not exist. */
  notFound: 4,
} as const;

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

const TASK_ERROR_EXIT: Readonly<Record<TaskErrorCode, number>> = {
  InvalidTaskId: EXIT.usage,
  InvalidPayload: EXIT.usage,
  PayloadTooLarge: EXIT.usage,
  InvalidListQuery: EXIT.usage,
  UnknownTask: EXIT.usage,
  TaskConflict: EXIT.conflict,
  InvalidTransition: EXIT.conflict,
  TaskNotFound: EXIT.notFound,
  MissingConfiguration: EXIT.failure,
};

/** The exit code an error ends the CLI with. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof TaskError) return TASK_ERROR_EXIT[error.code];
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
