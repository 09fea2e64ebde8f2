// The task API in the real stack's template: IAM authorization on every route, one Lambda proxy integration of
// payload format 2.0, a function whose grants are scoped to the stack's own resources, access logs and throttling.
import { readFileSync } from 'node:fs';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_ERRORS } from '../../functions/api/api-errors.js';
import { routeKeyOf, TASK_API_ROUTES } from '../../functions/api/routes.js';
import { TASK_ERRORS } from '../../functions/core/error-table.js';
import { ENV, STACK_OUTPUTS } from '../../functions/core/facts.js';
import { ServerlessTaskStack } from '../../lib/serverless-task-stack.js';
import { actionsOf, logicalIdOf, newTestApp, resourcesOf, statementsOfRole } from './support.js';

let stack: ServerlessTaskStack;
let template: Template;

beforeAll(() => {
  // Prepare
  const app = newTestApp();
  stack = new ServerlessTaskStack(app, 'ServerlessTask');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  // Act: throws if cdk-nag reports an unacknowledged finding.
  app.synth();
  template = Template.fromStack(stack);
});

describe('TaskApi', () => {
  it('has one route per API route, each with AWS_IAM authorization', () => {
    // Assess
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r['Properties'] as { RouteKey: string; AuthorizationType?: string });
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(TASK_API_ROUTES.map(routeKeyOf).sort());
    for (const route of routes) expect(route.AuthorizationType, route.RouteKey).toBe('AWS_IAM');
  });

  it('integrates the one task API function as a Lambda proxy of payload format 2.0', () => {
    // Assess
    const integrations = Object.values(template.findResources('AWS::ApiGatewayV2::Integration')).map((r) => r['Properties'] as Record<string, unknown>);
    expect(integrations).toHaveLength(1);
    expect(integrations[0]).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalIdOf(stack.taskApi.taskFunction.function), 'Arn'] },
    });
  });

  it('logs access and throttles the stage, and outputs the URL', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logicalIdOf(stack.taskApi.accessLogs), 'Arn'] } },
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    expect(template.findOutputs(STACK_OUTPUTS.taskApiUrl)[STACK_OUTPUTS.taskApiUrl]).toBeDefined();
  });

  it('grants the function only scoped actions: no wildcard resource but X-Ray, no CloudFormation, queue consumption or ECS', () => {
    // Act
    const statements = statementsOfRole(template, logicalIdOf(stack.taskApi.taskFunction.role));
    const actions = statements.flatMap(actionsOf);
    // Assess
    for (const statement of statements) {
      if (resourcesOf(statement).includes('*')) expect(actionsOf(statement).every((a) => a.startsWith('xray:')), JSON.stringify(statement)).toBe(true);
    }
    expect(actions).toEqual(expect.arrayContaining(['lambda:InvokeFunction', 'states:StartExecution', 'states:StopExecution', 'states:RedriveExecution', 'states:DescribeExecution', 'states:GetExecutionHistory', 'sqs:SendMessage', 'logs:FilterLogEvents']));
    expect(actions.filter((a) => /^(cloudformation|ecs|kms):|^sqs:(ReceiveMessage|DeleteMessage)$/.test(a))).toEqual([]);
    // FilterLogEvents on the tasks' log groups only (three short tasks, two long tasks).
    const logStatements = statements.filter((s) => actionsOf(s).includes('logs:FilterLogEvents'));
    const groups = new Set(logStatements.flatMap(resourcesOf).map((r) => JSON.stringify(r).match(/"(\w+LogGroup\w*)"/)?.[1]));
    expect([...groups].sort()).toEqual(
      [...stack.shortTasks.values()].map((t) => logicalIdOf(t.taskFunction.logGroup)).concat(logicalIdOf(stack.transcodeTask.logGroup), logicalIdOf(stack.rollupTask.logGroup)).sort(),
    );
  });

  it('gives the function the task targets and the resources it reaches', () => {
    // Assess
    const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack.taskApi.taskFunction.function)];
    const variables = Object.keys((fn?.['Properties'] as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables);
    expect(variables).toEqual(expect.arrayContaining([ENV.taskTableName, ENV.taskTargets, ENV.payloadBucketName, ENV.failureQueueUrl, ENV.taskPayloadSchemas]));
  });

  it('is what docs/task-api.openapi.json documents: its operations are the template routes, its error codes the table', () => {
    // Prepare
    const doc = JSON.parse(readFileSync(new URL('../../docs/task-api.openapi.json', import.meta.url), 'utf8')) as {
      paths: Record<string, Record<string, { operationId: string }>>;
      components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] }; exitCode: { enum: number[] } } } } } } };
    };
    // Act
    const documented = Object.entries(doc.paths).flatMap(([path, operations]) => Object.entries(operations).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, operation: op.operationId })));
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r['Properties'] as { RouteKey: string }).RouteKey);
    // Assess
    expect(documented.map((d) => d.key).sort()).toEqual(routes.sort());
    expect(documented.sort((a, b) => a.key.localeCompare(b.key))).toEqual(TASK_API_ROUTES.map((r) => ({ key: routeKeyOf(r), operation: r.operation })).sort((a, b) => a.key.localeCompare(b.key)));
    const error = doc.components.schemas.Error.properties.error.properties;
    expect(error.code.enum.sort()).toEqual([...Object.keys(TASK_ERRORS), ...Object.keys(API_ERRORS)].sort());
    expect(error.exitCode.enum.sort()).toEqual([...new Set([...Object.values(TASK_ERRORS), ...Object.values(API_ERRORS)].map((m) => m.exitCode))].sort());
  });
});
