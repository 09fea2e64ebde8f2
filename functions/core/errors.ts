// Typed errors of the task model. `code` is stable (CLI exit codes, API status); `httpStatus` follows HTTP semantics.

export type TaskErrorCode =
  | 'InvalidTaskId'
  | 'InvalidPayload'
  | 'PayloadTooLarge'
  | 'UnknownTask'
  | 'TaskConflict'
  | 'TaskNotFound'
  | 'InvalidTransition'
  | 'InvalidListQuery'
  | 'MissingConfiguration';

export class TaskError extends Error {
  constructor(
    readonly code: TaskErrorCode,
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
    this.name = code;
  }
}

export class InvalidTaskIdError extends TaskError {
  constructor(message: string) {
    super('InvalidTaskId', message, 400);
  }
}

export class InvalidPayloadError extends TaskError {
  constructor(message: string) {
    super('InvalidPayload', message, 400);
  }
}

export class PayloadTooLargeError extends TaskError {
  constructor(
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super('PayloadTooLarge', `payload is ${sizeBytes} bytes; the maximum is ${maxBytes} bytes`, 413);
  }
}

export class UnknownTaskError extends TaskError {
  constructor(
    readonly taskName: string,
    readonly known: readonly string[],
  ) {
    super('UnknownTask', `unknown task '${taskName}'; known tasks: ${known.length ? known.join(', ') : '(none)'}`, 404);
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
      409,
    );
  }
}

export class TaskNotFoundError extends TaskError {
  constructor(readonly taskId: string) {
    super('TaskNotFound', `task '${taskId}' not found`, 404);
  }
}

export class InvalidTransitionError extends TaskError {
  constructor(
    readonly taskId: string,
    readonly from: string | undefined,
    readonly to: string,
  ) {
    super('InvalidTransition', `task '${taskId}' cannot go from ${from ?? '(missing)'} to ${to}`, 409);
  }
}

export class InvalidListQueryError extends TaskError {
  constructor(message: string) {
    super('InvalidListQuery', message, 400);
  }
}

export class MissingConfigurationError extends TaskError {
  constructor(name: string) {
    super('MissingConfiguration', `environment variable ${name} is not set`, 500);
  }
}
