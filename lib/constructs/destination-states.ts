// The long lane's destination records: AWS Lambda's record (functions/core/destination-record.ts) built from
// the execution context by the `Send success record` / `Send failure record` states.
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { TASK_CONTRACT } from '../../functions/core/task-contract.js';

/** Throttling, server-side and connection errors of the destination record sends. */
export const TRANSIENT_SQS_ERRORS = ['SQS.SdkClientException', 'SQS.InternalError', 'SQS.RequestThrottled'] as const;

/** AWS Lambda's destination record (functions/core/destination-record.ts) built from the execution context. */
export function destinationRecord(condition: 'Success' | 'RetriesExhausted'): sfn.TaskInput {
  const success = condition === 'Success';
  return sfn.TaskInput.fromObject({
    version: '1.0',
    timestamp: sfn.JsonPath.stringAt('$$.State.EnteredTime'),
    requestContext: {
      requestId: sfn.JsonPath.stringAt('$$.Execution.Id'),
      functionArn: sfn.JsonPath.stringAt('$$.StateMachine.Id'),
      condition,
      // The attempt this execution is: a new execution is attempt 1 (a retry by a new execution requeues the
      // task, which resets its attempts), and each redrive of it is one more (the registry's `redrive`).
      approximateInvokeCount: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt('$$.Execution.RedriveCount'), 1),
    },
    requestPayload: sfn.JsonPath.objectAt('$$.Execution.Input'),
    responseContext: success
      ? { statusCode: 200, executedVersion: '$LATEST' }
      : { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: success
      ? { taskId: sfn.JsonPath.stringAt('$.taskId'), status: TASK_CONTRACT.transitions.succeed.to }
      : { errorType: sfn.JsonPath.stringAt('$.error.Error'), errorMessage: sfn.JsonPath.stringAt('$.error.Cause') },
    taskId: sfn.JsonPath.stringAt('$.taskId'),
  });
}
