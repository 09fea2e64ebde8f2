// The concurrency limit of long tasks in the template: the `maxConcurrency` prop (default DEFAULTS.longTaskMaxConcurrency),
// the admitter's rule on the long tasks' ended executions and its grants, and what the sweeper, the upload trigger
// and the TaskFunctions output carry of it.
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, ENV, STACK_OUTPUTS } from '../../functions/core/facts.js';
import { ENDED_EXECUTION_STATUSES } from '../../lib/constructs/long-task-admitter.js';
import { LongTask } from '../../lib/constructs/long-task.js';
import { TaskDestinations } from '../../lib/constructs/task-destinations.js';
import { TaskRegistry } from '../../lib/constructs/task-registry.js';
import { ROLLUP_TASK_NAME, ServerlessTaskStack, TRANSCODE_TASK_NAME } from '../../lib/serverless-task-stack.js';
import { actionsOf, logicalIdOf, newTestApp, newTestStack, resourcesOf, statementsOfRole } from './support.js';

let stack: ServerlessTaskStack;
let template: Template;

beforeAll(() => {
  stack = new ServerlessTaskStack(newTestApp(), 'ServerlessTask');
  template = Template.fromStack(stack);
});

const ref = (construct: { node: { defaultChild?: unknown } } & object) => ({ Ref: logicalIdOf(construct as never) });
const envOf = (fn: lambda.IFunction): Record<string, unknown> => {
  const props = template.toJSON().Resources[logicalIdOf(fn as lambda.Function)].Properties as { Environment: { Variables: Record<string, unknown> } };
  return props.Environment.Variables;
};
const targetsOf = (fn: lambda.IFunction): Record<string, { maxConcurrency?: number; stateMachineArn?: unknown }> => {
  const value = envOf(fn)[ENV.taskTargets] as { 'Fn::Join': [string, unknown[]] };
  const text = value['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join('');
  return JSON.parse(text.replace(/"\{"Ref":"[^"]+"\}"/g, '"ref"').replace(/\{"Ref":"[^"]+"\}/g, 'ref')) as Record<string, { maxConcurrency?: number }>;
};

describe('maxConcurrency', () => {
  it('defaults to DEFAULTS.longTaskMaxConcurrency on both long tasks of the stack', () => {
    expect(DEFAULTS.longTaskMaxConcurrency).toBe(10);
    expect(stack.transcodeTask.maxConcurrency).toBe(DEFAULTS.longTaskMaxConcurrency);
    expect(stack.rollupTask.maxConcurrency).toBe(DEFAULTS.longTaskMaxConcurrency);
  });

  it('is taken from the prop and refused unless a positive integer', () => {
    const make = (maxConcurrency: number) => {
      const s = newTestStack();
      const fn = new lambda.Function(s, 'Work', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>1') });
      const registry = new TaskRegistry(s, 'Registry');
      const destinations = new TaskDestinations(s, 'Destinations');
      return new LongTask(s, 'Long', { taskName: 'long-demo', table: registry.table, successQueue: destinations.successQueue, failureQueue: destinations.failureQueue, work: { lambda: fn }, maxConcurrency });
    };
    expect(make(3).maxConcurrency).toBe(3);
    expect(() => make(0)).toThrow(/maxConcurrency must be an integer >= 1, got 0/);
    expect(() => make(1.5)).toThrow(/maxConcurrency must be an integer >= 1, got 1.5/);
  });
});

describe('the admitter', () => {
  it("has a rule on the long tasks' ended executions that invokes it", () => {
    const fn = stack.admitter.taskFunction.function;
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          status: [...ENDED_EXECUTION_STATUSES],
          stateMachineArn: [ref(stack.transcodeTask.stateMachine), ref(stack.rollupTask.stateMachine)],
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(fn as lambda.Function), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } })],
    });
  });

  it('knows each limited task with its limit, and may start its executions and describe them', () => {
    const fn = stack.admitter.taskFunction.function;
    const targets = targetsOf(fn);
    expect(Object.keys(targets).sort()).toEqual([ROLLUP_TASK_NAME, TRANSCODE_TASK_NAME].sort());
    for (const entry of Object.values(targets)) expect(entry.maxConcurrency).toBe(DEFAULTS.longTaskMaxConcurrency);
    const statements = statementsOfRole(template, logicalIdOf(stack.admitter.taskFunction.role));
    const actions = statements.flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['states:StartExecution', 'states:DescribeExecution', 'dynamodb:UpdateItem', 'dynamodb:Query']));
    const describe = statements.filter((s) => actionsOf(s).includes('states:DescribeExecution')).flatMap(resourcesOf);
    expect(describe).toHaveLength(2);
    expect(JSON.stringify(describe)).toMatch(/:execution:/);
  });
});

describe('the other starters of a limited task', () => {
  it('the sweeper reconciles the slots of both (their limit in its targets, DescribeExecution granted)', () => {
    const fn = stack.sweeper.taskFunction.function;
    expect(targetsOf(fn)[TRANSCODE_TASK_NAME]?.maxConcurrency).toBe(DEFAULTS.longTaskMaxConcurrency);
    expect(targetsOf(fn)[ROLLUP_TASK_NAME]?.maxConcurrency).toBe(DEFAULTS.longTaskMaxConcurrency);
    const actions = statementsOfRole(template, logicalIdOf(stack.sweeper.taskFunction.role)).flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['states:StartExecution', 'states:DescribeExecution']));
  });

  it('the upload trigger submits under the transcode limit', () => {
    expect(envOf(stack.uploadTrigger.taskFunction.function)[ENV.maxConcurrency]).toBe(String(DEFAULTS.longTaskMaxConcurrency));
    const actions = statementsOfRole(template, logicalIdOf(stack.uploadTrigger.taskFunction.role)).flatMap(actionsOf);
    expect(actions).toContain('states:DescribeExecution');
  });

  it('the TaskFunctions output gives the CLI each long task limit', () => {
    const output = template.toJSON().Outputs[STACK_OUTPUTS.taskFunctions].Value as { 'Fn::Join': [string, unknown[]] };
    const text = output['Fn::Join'][1].filter((part): part is string => typeof part === 'string').join('');
    expect(text.match(/"maxConcurrency":10/g)).toHaveLength(2);
  });
});
