import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeNag, iam5ResourceFinding } from './nag.js';

export interface FunctionLoggingProps {
  readonly serviceName: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

export interface FunctionLogging {
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
}

/**
 * The log group and execution role of a task function (Node or Python), created in `scope` as `LogGroup`
 * and `ServiceRole`. A dedicated role instead of the default one: the default attaches the AWS managed
 * AWSLambdaBasicExecutionRole (logs:* on every log group); this role may only write to its own log group.
 */
export function functionLogging(scope: Construct, props: FunctionLoggingProps): FunctionLogging {
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(scope, 'ServiceRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of the ${props.serviceName} task function`,
  });
  logGroup.grantWrite(role);
  return { logGroup, role };
}

/** Active tracing adds xray:PutTraceSegments / xray:PutTelemetryRecords on "*" to the role. */
export function acknowledgeTracingNag(scope: Construct, role: iam.Role): void {
  acknowledgeNag(
    role,
    iam5ResourceFinding(scope, '*'),
    'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; the statement ' +
      'is the one Tracing.ACTIVE adds and carries no other action.',
  );
}
