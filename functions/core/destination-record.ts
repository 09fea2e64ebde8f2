// AWS Lambda's asynchronous-invocation destination record, produced by every lane that writes its own
// records (the long and stream lanes, the embedded platform). Field order and names follow AWS's documented
// example; the task ID travels in requestPayload (the invocation event) and beside it as `taskId`.

export type DestinationCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded' | 'Stopped';

export interface DestinationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: DestinationCondition;
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: 'Handled' | 'Unhandled';
  };
  readonly responsePayload?: unknown;
  readonly taskId: string;
}

export interface DestinationRecordInput {
  readonly taskId: string;
  readonly requestId: string;
  readonly functionArn: string;
  readonly condition: DestinationCondition;
  readonly approximateInvokeCount: number;
  readonly requestPayload: unknown;
  /** The function's return value (Success) or its error (failure conditions). */
  readonly response?: { readonly result: unknown } | { readonly error: ErrorLike };
  /** Unhandled for crashes and timeouts (the runtime died); Handled when the handler threw. @default 'Unhandled' */
  readonly functionError?: 'Handled' | 'Unhandled';
  readonly executedVersion?: string;
  readonly statusCode?: number;
  readonly timestamp?: Date;
}

export interface ErrorLike {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace?: readonly string[];
}

export function buildDestinationRecord(input: DestinationRecordInput): DestinationRecord {
  const failed = input.condition !== 'Success';
  const responseContext = {
    statusCode: input.statusCode ?? 200,
    executedVersion: input.executedVersion ?? '$LATEST',
    ...(failed && input.condition !== 'EventAgeExceeded' ? { functionError: input.functionError ?? 'Unhandled' } : {}),
  };
  let responsePayload: unknown;
  if (input.response && 'result' in input.response) responsePayload = input.response.result;
  if (input.response && 'error' in input.response) responsePayload = input.response.error;
  return {
    version: '1.0',
    timestamp: (input.timestamp ?? new Date()).toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    requestPayload: input.requestPayload,
    responseContext,
    ...(input.response ? { responsePayload } : {}),
    taskId: input.taskId,
  };
}

/** Lambda's error shape: what a Node.js runtime reports for a thrown error. */
export function toErrorLike(error: unknown): ErrorLike {
  if (error instanceof Error) {
    // An error carried over from a function's runtime keeps the trace of where it was thrown there.
    const carried = (error as { stackTrace?: unknown }).stackTrace;
    const stackTrace = Array.isArray(carried) ? (carried as string[]) : error.stack?.split('\n').slice(1).map((line) => line.trim());
    return { errorType: error.name || 'Error', errorMessage: error.message, ...(stackTrace?.length ? { stackTrace } : {}) };
  }
  return { errorType: 'Error', errorMessage: String(error) };
}
