import { describe, expect, it } from 'vitest';
import { buildDestinationRecord, toErrorLike } from '../../../functions/core/destination-record.js';

// AWS's documented invocation records (Lambda developer guide / aws-lambda-destinations README).
const AWS_SUCCESS_EXAMPLE = {
  version: '1.0',
  timestamp: '2019-11-24T23:08:25.651Z',
  requestContext: {
    requestId: 'c2a6f2ae-7dbb-4d22-8782-d0485c9877e2',
    functionArn: 'arn:aws:lambda:sa-east-1:123456789123:function:event-destinations:$LATEST',
    condition: 'Success',
    approximateInvokeCount: 1,
  },
  requestPayload: { Success: true },
  responseContext: { statusCode: 200, executedVersion: '$LATEST' },
  responsePayload: '<data returned by the function here>',
};

const AWS_FAILURE_EXAMPLE = {
  version: '1.0',
  timestamp: '2019-11-24T21:52:47.333Z',
  requestContext: {
    requestId: '8ea123e4-1db7-4aca-ad10-d9ca1234c1fd',
    functionArn: 'arn:aws:lambda:sa-east-1:123456678912:function:event-destinations:$LATEST',
    condition: 'RetriesExhausted',
    approximateInvokeCount: 3,
  },
  requestPayload: { Success: false },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Handled' },
  responsePayload: {
    errorMessage: 'Failure from event, Success = false, I am failing!',
    errorType: 'Error',
    stackTrace: ['exports.handler (/var/task/index.js:18:18)'],
  },
};

describe('destination record', () => {
  it('matches AWS success example field by field, plus the task ID', () => {
    const record = buildDestinationRecord({
      taskId: 'job_1',
      requestId: AWS_SUCCESS_EXAMPLE.requestContext.requestId,
      functionArn: AWS_SUCCESS_EXAMPLE.requestContext.functionArn,
      condition: 'Success',
      approximateInvokeCount: 1,
      requestPayload: { Success: true },
      response: { result: '<data returned by the function here>' },
      timestamp: new Date(AWS_SUCCESS_EXAMPLE.timestamp),
    });

    const { taskId, ...awsShape } = record;
    expect(taskId).toBe('job_1');
    expect(awsShape).toStrictEqual(AWS_SUCCESS_EXAMPLE);
    expect(Object.keys(awsShape)).toEqual(Object.keys(AWS_SUCCESS_EXAMPLE));
    expect(Object.keys(awsShape.requestContext)).toEqual(Object.keys(AWS_SUCCESS_EXAMPLE.requestContext));
  });

  it('matches AWS failure example field by field', () => {
    const record = buildDestinationRecord({
      taskId: 'job_2',
      requestId: AWS_FAILURE_EXAMPLE.requestContext.requestId,
      functionArn: AWS_FAILURE_EXAMPLE.requestContext.functionArn,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
      requestPayload: { Success: false },
      response: { error: AWS_FAILURE_EXAMPLE.responsePayload },
      functionError: 'Handled',
      timestamp: new Date(AWS_FAILURE_EXAMPLE.timestamp),
    });

    const { taskId, ...awsShape } = record;
    expect(taskId).toBe('job_2');
    expect(awsShape).toStrictEqual(AWS_FAILURE_EXAMPLE);
    expect(Object.keys(awsShape.responseContext)).toEqual(Object.keys(AWS_FAILURE_EXAMPLE.responseContext));
  });

  it('writes a Stopped record as a failure with the error, and EventAgeExceeded without a response', () => {
    const stopped = buildDestinationRecord({
      taskId: 't',
      requestId: 'r',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST',
      condition: 'Stopped',
      approximateInvokeCount: 1,
      requestPayload: { taskId: 't' },
      response: { error: { errorType: 'TaskStopped', errorMessage: 'stopped by request' } },
    });
    expect(stopped.requestContext.condition).toBe('Stopped');
    expect(stopped.responseContext.functionError).toBe('Unhandled');
    expect(stopped.responsePayload).toEqual({ errorType: 'TaskStopped', errorMessage: 'stopped by request' });

    const expired = buildDestinationRecord({
      taskId: 't',
      requestId: 'r',
      functionArn: 'arn',
      condition: 'EventAgeExceeded',
      approximateInvokeCount: 0,
      requestPayload: {},
    });
    expect(expired.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    expect('responsePayload' in expired).toBe(false);
  });

  it('turns a thrown error into Lambda error shape', () => {
    const shape = toErrorLike(Object.assign(new Error('disk full'), { name: 'IOError' }));
    expect(shape.errorType).toBe('IOError');
    expect(shape.errorMessage).toBe('disk full');
    expect(shape.stackTrace?.[0]).toMatch(/^at /);
    expect(toErrorLike('plain')).toEqual({ errorType: 'Error', errorMessage: 'plain' });
  });
});
