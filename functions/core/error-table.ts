// What each task error means to a caller, in one table: the stask CLI's exit code and the task API's HTTP
// status per TaskErrorCode. The CLI (bin/cli/errors.ts), the task API (functions/api/) and every TaskError
// read it, so a code means the same everywhere.

/** Process exit codes of the stask CLI. Stable: scripts branch on them. */
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

export interface TaskErrorMeaning {
  /** The exit code the CLI ends with. */
  readonly exitCode: number;
  /** The status the task API answers with. */
  readonly httpStatus: number;
}

/** TaskErrorCode → CLI exit code and HTTP status. */
export const TASK_ERRORS: Readonly<Record<TaskErrorCode, TaskErrorMeaning>> = {
  InvalidTaskId: { exitCode: EXIT.usage, httpStatus: 400 },
  InvalidPayload: { exitCode: EXIT.usage, httpStatus: 400 },
  PayloadTooLarge: { exitCode: EXIT.usage, httpStatus: 413 },
  InvalidListQuery: { exitCode: EXIT.usage, httpStatus: 400 },
  // An unknown task name is bad input to the CLI; to the API it is an unknown resource (POST /tasks/{function}).
  UnknownTask: { exitCode: EXIT.usage, httpStatus: 404 },
  TaskConflict: { exitCode: EXIT.conflict, httpStatus: 409 },
  InvalidTransition: { exitCode: EXIT.conflict, httpStatus: 409 },
  TaskNotFound: { exitCode: EXIT.notFound, httpStatus: 404 },
  MissingConfiguration: { exitCode: EXIT.failure, httpStatus: 500 },
};
