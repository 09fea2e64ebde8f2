// Typed errors of the task model. `code` is stable; its CLI exit code and HTTP status come from one table (error-table.ts).
import { TASK_ERRORS, type TaskErrorCode } from './error-table.js';

export type { TaskErrorCode };

export class TaskError extends Error {
  /** The task API's status for this error (TASK_ERRORS). */
  readonly httpStatus: number;

  constructor(
    readonly code: TaskErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
    this.httpStatus = TASK_ERRORS[code].httpStatus;
  }
}

export class InvalidTaskIdError extends TaskError {
  constructor(message: string) {
    super('InvalidTaskId', message);
  }
}

export class InvalidPayloadError extends TaskError {
  constructor(message: string) {
    super('InvalidPayload', message);
  }
}

export class PayloadTooLargeError extends TaskError {
  constructor(
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super('PayloadTooLarge', `payload is ${sizeBytes} bytes; the maximum is ${maxBytes} bytes`);
  }
}

export class UnknownTaskError extends TaskError {
  constructor(
    readonly taskName: string,
    readonly known: readonly string[],
  ) {
    super('UnknownTask', `unknown task '${taskName}'; known tasks: ${known.length ? known.join(', ') : '(none)'}`);
  }
}

export class TaskConflictError extends TaskError {
  constructor(
    readonly taskId: string,
    readonly existing: { function: string; status: string; createdAt: string },
  ) {
    super(
      'TaskConflict',
      `task '${taskId}' already exists (function ${existing.function}, status ${existing.status}, created ${existing.createdAt}) with a different payload or function`,
    );
  }
}

export class TaskNotFoundError extends TaskError {
  constructor(readonly taskId: string) {
    super('TaskNotFound', `task '${taskId}' not found`);
  }
}

export class InvalidTransitionError extends TaskError {
  constructor(
    readonly taskId: string,
    readonly from: string | undefined,
    readonly to: string,
  ) {
    super('InvalidTransition', `task '${taskId}' cannot go from ${from ?? '(missing)'} to ${to}`);
  }
}

export class InvalidListQueryError extends TaskError {
  constructor(message: string) {
    super('InvalidListQuery', message);
  }
}

export class MissingConfigurationError extends TaskError {
  constructor(name: string) {
    super('MissingConfiguration', `environment variable ${name} is not set`);
  }
}
