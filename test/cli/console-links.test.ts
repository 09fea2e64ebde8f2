import { describe, expect, it } from 'vitest';
import { awsLinksOf } from '../../bin/cli/console/aws-links.js';
import type { TaskRecord } from '../../functions/core/task-record.js';

const TASKS = {
  transcode: { kind: 'stepfunctions', stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:T', logGroupName: '/aws/vendedlogs/transcode' },
  'always-fails': { kind: 'lambda', functionName: 'F', logGroupName: '/aws/lambda/F' },
} as const;

const task = (fn: string, executionRef?: string) => ({ taskId: 't1', function: fn, ...(executionRef ? { executionRef } : {}) }) as unknown as TaskRecord;

describe('links to the AWS console', () => {
  it("names a long task's Step Functions execution and its log group in the stack's region", () => {
    const arn = 'arn:aws:states:eu-west-1:123456789012:execution:T:t1';
    const links = awsLinksOf(task('transcode', arn), TASKS as never, 'eu-west-1');
    expect(links.execution).toBe(`https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${encodeURIComponent(arn)}`);
    // The console's fragment encoding: '/' → %2F → %252F → $252F.
    expect(links.logGroup).toBe('https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Fvendedlogs$252Ftranscode');
  });

  it('gives a short task only its log group, and an unknown function nothing', () => {
    expect(awsLinksOf(task('always-fails', 'a-request-id'), TASKS as never, 'us-east-1')).toEqual({
      logGroup: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252FF',
    });
    expect(awsLinksOf(task('gone'), TASKS as never, 'us-east-1')).toEqual({});
  });
});
