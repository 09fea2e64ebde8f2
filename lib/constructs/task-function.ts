import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV, METRICS_NAMESPACE } from '../../functions/core/facts.js';
import { acknowledgeTracingNag, functionLogging } from './function-logging.js';

/** The repository root (this file lives in lib/constructs/): bundling resolves entries and the lock file here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export { METRICS_NAMESPACE };

/** Lets bundled CommonJS dependencies call `require` inside the ESM bundle. */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

const MAX_TIMEOUT_SECONDS = 15 * 60;

export interface TaskFunctionProps {
  /**
   * Handler source file (TypeScript). A relative path is resolved against the repository root.
   */
  readonly entry: string;

  /**
   * Exported handler name in `entry`.
   *
   * @default 'handler'
   */
  readonly handler?: string;

  /**
   * Service name reported by Powertools (`POWERTOOLS_SERVICE_NAME`), normally the task name.
   */
  readonly serviceName: string;

  /**
   * Memory in MiB (128-10240); CPU scales with it.
   *
   * @default 1024
   */
  readonly memorySize?: number;

  /**
   * Maximum run time of one invocation, at most 15 minutes.
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;

  /**
   * How long the function's log group keeps logs.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * Extra environment variables. The Powertools variables are always set.
   *
   * @default - only the Powertools variables and NODE_OPTIONS
   */
  readonly environment?: Record<string, string>;

  /**
   * Concurrent executions reserved for (and capping) this function.
   *
   * @default - no reservation; the function uses the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * Function description.
   *
   * @default - no description
   */
  readonly description?: string;
}

/**
 * The one function construct every Lambda in the project is built with: Node.js 24 on ARM64, active
 * X-Ray tracing, its own log group with retention, an esbuild ESM bundle (minified, source maps), and
 * an execution role that can write to that log group only (no AWSLambdaBasicExecutionRole).
 */
export class TaskFunction extends Construct {
  /** The Lambda function. */
  public readonly function: NodejsFunction;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The function's execution role. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    super(scope, id);

    const memorySize = props.memorySize ?? 1024;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
      throw new Error(`TaskFunction: memorySize must be an integer from 128 to 10240 MiB, got ${memorySize}`);
    }
    const timeout = props.timeout ?? Duration.minutes(5);
    if (!timeout.isUnresolved()) {
      const seconds = timeout.toSeconds({ integral: false });
      if (seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
        throw new Error(
          `TaskFunction: timeout must be from 1 to ${MAX_TIMEOUT_SECONDS} seconds (15 minutes), got ${seconds} seconds`,
        );
      }
    }

    ({ logGroup: this.logGroup, role: this.role } = functionLogging(this, props));

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.resolve(PROJECT_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      // JSON log format: Lambda stamps every line, plain console output included, with its request ID,
      // so `stask logs` finds all lines of a task's attempts by request ID.
      loggingFormat: lambda.LoggingFormat.JSON,
      role: this.role,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      description: props.description,
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        [ENV.powertoolsServiceName]: props.serviceName,
        [ENV.powertoolsMetricsNamespace]: METRICS_NAMESPACE,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // The AWS SDK v3 is bundled, not taken from the runtime: the asset is self-contained, so the
        // embedded platform runs the exact bytes that deploy, and the SDK version is the one tested.
        bundleAwsSDK: true,
        // esbuild is a dev dependency: bundle on the host, never in Docker.
        forceDockerBundling: false,
      },
    });

    acknowledgeTracingNag(this, this.role);
  }
}
