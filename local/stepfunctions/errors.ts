// Errors of the embedded Step Functions: API errors (what the SFN API answers with HTTP 400) and the
// errors a Task state raises inside an execution (what Retry/Catch `ErrorEquals` match).

/** An error of the Step Functions API, sent as `{"__type": "...#<code>", "message": ...}` with HTTP 400. */
export class SfnApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * An error a Task state raises under its States Language name: `name` is the error that Retry and Catch
 * `ErrorEquals` match (`DynamoDB.ConditionalCheckFailedException`, `States.TaskFailed`, a Lambda function's
 * `errorType`...), `message` is the cause (what a Catch puts in `Cause`, what DescribeExecution shows).
 */
export class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/**
 * A Task error that ends the execution at once: Retry and Catch do not apply, like `States.Runtime` on AWS.
 * aws-local-stepfunctions reads the `isRetryable` / `isCatchable` getters of the errors it receives.
 */
export class UncatchableTaskError extends TaskFailure {
  get isRetryable(): boolean {
    return false;
  }

  get isCatchable(): boolean {
    return false;
  }
}

/** What a Task raises once its execution was stopped (or the platform closed): nothing may retry or catch it. */
export class TaskAbortedError extends UncatchableTaskError {
  constructor() {
    super('States.Runtime', 'the execution is no longer running');
  }
}
