// Does a task's function initialize? A short task whose module fails to load (an import error, a missing
// package, a throw at module scope) never reaches the task runtime: Lambda retries the asynchronous event,
// sends its RetriesExhausted record with the init error, and the task record would stay QUEUED with no
// attempt until its expiry. The sweeper asks Lambda itself: a synchronous invoke with an event that is
// no task. A function that initializes answers it from the task runtime (Node and Python both refuse a
// non-task event as InvalidPayload, touching no task); one that does not answers with Lambda's init
// error (Runtime.ImportModuleError, Runtime.UserCodeSyntaxError, ...), which the sweeper records.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { TaskFailure } from './task-record.js';

/** Not a task invocation event: the runtimes refuse it before any registry call. */
export const INIT_PROBE_EVENT = { initProbe: 'serverless-task' } as const;

/** The error type the task runtimes (TypeScript taskHandler, Python stask_runtime) give a non-task event. */
export const NOT_A_TASK_ERROR_TYPE = 'InvalidPayload';

/**
 * Lambda's init error of `functionName`, or undefined when the function initializes — or when the probe itself
 * could not run (throttled, no permission, a network error): then nothing is known, and the task is left alone.
 */
export async function probeInit(lambda: LambdaClient, functionName: string): Promise<TaskFailure | undefined> {
  let response;
  try {
    response = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: JSON.stringify(INIT_PROBE_EVENT) }));
  } catch {
    return undefined;
  }
  if (!response.FunctionError) return undefined;
  let body: { errorType?: unknown; errorMessage?: unknown } = {};
  try {
    body = JSON.parse(Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8')) as typeof body;
  } catch {
    // an unreadable error body is still an error
  }
  const type = typeof body.errorType === 'string' && body.errorType ? body.errorType : response.FunctionError;
  if (type === NOT_A_TASK_ERROR_TYPE) return undefined; // the runtime ran: init works
  return { type, message: typeof body.errorMessage === 'string' ? body.errorMessage : `the function failed to initialize (${response.FunctionError})` };
}
