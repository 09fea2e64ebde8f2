// The transcoder's failures. `name` is the type recorded on the task (`error: { type, message }`).

/** A failure the worker records on the task and ends with exit code 1. */
export class WorkerError extends Error {
  constructor(type: string, message: string) {
    super(message);
    this.name = type;
  }
}

/** The source object (or its bucket) does not exist. */
export class SourceNotFoundError extends WorkerError {
  constructor(bucket: string, key: string) {
    super('SourceNotFound', `${s3Url(bucket, key)} does not exist`);
  }
}

/** The source exists but is not something this worker can transcode (empty, not a video). */
export class InvalidInputError extends WorkerError {
  constructor(message: string) {
    super('InvalidInput', message);
  }
}

/** ffmpeg ran and failed: the message carries its exit status and the end of its error output. */
export class TranscodeFailedError extends WorkerError {
  constructor(message: string) {
    super('TranscodeFailed', message);
  }
}

/** Segmented mode: the plan recorded on the task is missing or does not match the segments in S3. */
export class InvalidPlanError extends WorkerError {
  constructor(message: string) {
    super('InvalidPlan', message);
  }
}

/**
 * The work must stop: SIGTERM (ECS StopTask, local stop), a STOPPING record, or an attempt that no
 * longer owns the task. The worker kills ffmpeg and exits 143 without recording a failure.
 */
export class StopRequestedError extends Error {
  constructor(readonly reason: string) {
    super(`stopped: ${reason}`);
    this.name = 'TaskStopped';
  }
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
