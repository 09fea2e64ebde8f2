// The task API's one error shape: `{"error": {"code", "message", "exitCode", ...details}}`. A TaskError's status and
// exit code come from the table the CLI reads (functions/core/error-table.ts); the API's own errors (a route that
// does not exist, a wrong content type) have theirs here, with the same meanings.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { EXIT, TASK_ERRORS } from '../core/error-table.js';
import { TaskConflictError, TaskError } from '../core/errors.js';

/** Errors of the API itself (the request, not the task model). */
export const API_ERRORS = {
  /** No route has this method and path. */
  RouteNotFound: { exitCode: EXIT.usage, httpStatus: 404 },
  /** A body that is not JSON (Content-Type). */
  UnsupportedMediaType: { exitCode: EXIT.usage, httpStatus: 415 },
  /** A header or query parameter the API does not take, or a bad value of one it takes. */
  BadRequest: { exitCode: EXIT.usage, httpStatus: 400 },
  /** Anything unexpected: the function logged it. */
  InternalError: { exitCode: EXIT.failure, httpStatus: 500 },
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    /** The stask CLI's exit code for the same error. */
    readonly exitCode: number;
    /** TaskConflict: the ID and what the existing task is. */
    readonly taskId?: string;
    readonly existing?: { readonly function: string; readonly status: string; readonly createdAt: string };
  };
}

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** The response of an error; `internal` is told about anything that is not a TaskError or ApiError. */
export function errorResponse(error: unknown, internal: (error: unknown) => void): APIGatewayProxyStructuredResultV2 {
  if (error instanceof TaskError) {
    const meaning = TASK_ERRORS[error.code];
    if (meaning.httpStatus >= 500) internal(error);
    const details = error instanceof TaskConflictError ? { taskId: error.taskId, existing: error.existing } : {};
    return jsonResponse(meaning.httpStatus, { error: { code: error.code, message: error.message, exitCode: meaning.exitCode, ...details } } satisfies ErrorBody);
  }
  if (error instanceof ApiError) {
    const meaning = API_ERRORS[error.code];
    return jsonResponse(meaning.httpStatus, { error: { code: error.code, message: error.message, exitCode: meaning.exitCode } } satisfies ErrorBody);
  }
  internal(error);
  const meaning = API_ERRORS.InternalError;
  return jsonResponse(meaning.httpStatus, { error: { code: 'InternalError', message: 'internal error (logged by the task API function)', exitCode: meaning.exitCode } } satisfies ErrorBody);
}
