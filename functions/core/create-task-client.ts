// The one way a TaskClient is assembled: by the CLI (bin/cli/target.ts), the embedded platform
// (local/platform.ts) and the upload trigger. SDK clients are built on first use, so that reading tasks needs
// neither the Lambda nor the Step Functions endpoint.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { STACK_OUTPUTS, type TaskFunctionEntry } from './facts.js';
import type { PayloadJsonSchema } from './payload-schema.js';
import type { PayloadLimits, PayloadStore } from './payload.js';
import type { TaskRegistry } from './registry.js';
import { StepFunctionsInvoker } from './step-functions-invoker.js';
import { LambdaEventInvoker, TaskClient, type TaskInvoker, type TaskTarget } from './task-client.js';

export interface CreateTaskClientOptions {
  readonly registry: TaskRegistry;
  /** Task name → where it runs (the TaskFunctions stack output, or a trigger's own task). */
  readonly tasks: Readonly<Record<string, TaskFunctionEntry | TaskTarget>>;
  /** The short lane's Lambda client (asynchronous Invoke). */
  readonly lambda: () => LambdaClient;
  /** The long lane's Step Functions client. */
  readonly sfn: () => SFNClient;
  /** Where the long lane's `Stopped` record is sent. */
  readonly sqs: () => SQSClient;
  /**
   * The failure queue URL (the FailureQueueUrl output); read when a long task is stopped.
   *
   * @default - stopping a long task fails with a clear error: this client cannot send its Stopped record
   */
  readonly failureQueueUrl?: () => string;
  /** Needed for payloads above the inline limit (claim check). */
  readonly payloadStore?: PayloadStore;
  readonly limits?: PayloadLimits;
  /** Task name → the JSON Schema its payload is checked against at submit (see payloadSchemasOf). */
  readonly payloadSchemas?: Readonly<Record<string, PayloadJsonSchema>>;
}

/**
 * The payload schemas published in a stack's outputs (PayloadSchema<Task>, see lib/constructs/payload-schema-output.ts)
 * of the tasks in `tasks`; `where` names the stack in the error about a malformed one.
 */
export function payloadSchemasOf(outputs: Readonly<Record<string, string | undefined>>, tasks: Iterable<string>, where: string): Record<string, PayloadJsonSchema> {
  const schemas: Record<string, PayloadJsonSchema> = {};
  for (const task of tasks) {
    const text = outputs[STACK_OUTPUTS.payloadSchema(task)];
    if (text === undefined || text === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`the ${STACK_OUTPUTS.payloadSchema(task)} output of ${where} is not JSON`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`the ${STACK_OUTPUTS.payloadSchema(task)} output of ${where} is not a JSON Schema object`);
    schemas[task] = parsed as PayloadJsonSchema;
  }
  return schemas;
}

/** Builds a value once, on first use. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** A TaskClient with the real invokers of every lane. */
export function createTaskClient(options: CreateTaskClientOptions): TaskClient {
  const lambdaInvoker = once(() => new LambdaEventInvoker(options.lambda()));
  const failureQueueUrl =
    options.failureQueueUrl ??
    ((): string => {
      throw new Error('this task client has no failure queue: it cannot send the Stopped record of a long task');
    });
  const longLane = once(
    () =>
      new StepFunctionsInvoker({
        sfn: options.sfn(),
        registry: options.registry,
        sqs: options.sqs(),
        get failureQueueUrl() {
          return failureQueueUrl();
        },
      }),
  );
  const invoker: TaskInvoker = { invoke: (target, event) => lambdaInvoker().invoke(target, event) };
  const stepFunctions: TaskInvoker = {
    invoke: (target, event) => longLane().invoke(target, event),
    stop: (target, task) => longLane().stop(target, task),
    stoppedBeforeStart: (target, task) => longLane().stoppedBeforeStart(target, task),
    retry: (target, task, event) => longLane().retry(target, task, event),
  };
  return new TaskClient({
    registry: options.registry,
    invoker,
    invokers: { stepfunctions: stepFunctions },
    tasks: Object.fromEntries(Object.entries(options.tasks).map(([name, entry]) => [name, toTaskTarget(name, entry)])),
    ...(options.payloadStore ? { payloadStore: options.payloadStore } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.payloadSchemas && Object.keys(options.payloadSchemas).length ? { payloadSchemas: options.payloadSchemas } : {}),
  });
}

/** An entry of the TaskFunctions output → the lane's target (log groups are the CLI's business). */
export function toTaskTarget(name: string, entry: TaskFunctionEntry | TaskTarget): TaskTarget {
  const maxAttempts = entry.maxAttempts !== undefined ? { maxAttempts: entry.maxAttempts } : {};
  if (entry.kind === 'stepfunctions') {
    if (!entry.stateMachineArn) throw new Error(`task '${name}' runs on Step Functions but names no state machine`);
    const limit = 'maxConcurrency' in entry && entry.maxConcurrency !== undefined ? { maxConcurrency: entry.maxConcurrency } : {};
    return { kind: 'stepfunctions', stateMachineArn: entry.stateMachineArn, ...maxAttempts, ...limit };
  }
  if (!entry.functionName) throw new Error(`task '${name}' runs on Lambda but names no function`);
  return { kind: 'lambda', functionName: entry.functionName, ...maxAttempts };
}
