import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, DockerImage, Duration, FileSystem } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag.js';
import { acknowledgeTracingNag, functionLogging } from './function-logging.js';
import { bundlePythonTask, LAMBDA_UNZIPPED_LIMIT_BYTES } from './python-bundling.js';
import { ENV, METRICS_NAMESPACE } from '../../functions/core/facts.js';
import { PROJECT_ROOT, type TaskFunctionProps } from './task-function.js';

/** The Python runtime package every Python task is bundled with. */
export const PYTHON_RUNTIME_DIR = path.join(PROJECT_ROOT, 'python', 'stask_runtime');
/** The task contract the runtime executes (docs/task-contract.md), bundled beside the runtime. */
export const TASK_CONTRACT_FILE = path.join(PROJECT_ROOT, 'functions', 'core', 'task-contract.json');
/**
 * The current generally available Python Lambda runtime — also the interpreter the embedded platform looks
 * for first (else the closest ≥ 3.11). aws-cdk-lib also knows python3.15, a preview runtime (awslambdaric
 * lists AWS_Lambda_python3.15 among its preview runtimes).
 */
export const PYTHON_RUNTIME = lambda.Runtime.PYTHON_3_14;
/** Wheels for Lambda's ARM64 (Amazon Linux 2023, glibc 2.34). */
export const ARM64_WHEEL_PLATFORM = 'aarch64-manylinux_2_34';

export interface PythonTaskFunctionProps extends Omit<TaskFunctionProps, 'entry' | 'handler'> {
  /**
   * The task's directory (relative paths against the repository root): its modules, and its dependencies as
   * a pinned `requirements.txt` or `pyproject.toml` + `uv.lock`.
   */
  readonly entry: string;

  /**
   * `module.function` of the handler inside `entry`.
   *
   * @default 'handler.handler'
   */
  readonly handler?: string;

  /**
   * Limit of the unzipped asset; synth fails above it.
   *
   * @default 250 MB (Lambda's limit)
   */
  readonly maxUnzippedBytes?: number;
}

/**
 * A Python task function with the conventions of `TaskFunction`: the current Python runtime on ARM64, active
 * tracing, JSON logs in its own log group with retention, a role that may only write there, the Powertools
 * environment. Bundled on the host with uv (no Docker): ARM64 wheels of the task's pinned requirements plus
 * the runtime package and the task contract.
 */
export class PythonTaskFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: PythonTaskFunctionProps) {
    super(scope, id);
    const taskDir = path.resolve(PROJECT_ROOT, props.entry);
    if (!existsSync(taskDir)) throw new Error(`PythonTaskFunction: entry directory ${taskDir} does not exist`);
    const handler = props.handler ?? 'handler.handler';
    const moduleFile = path.join(taskDir, `${handler.split('.').slice(0, -1).join('/')}.py`);
    if (!/^[A-Za-z_][\w.]*\.[A-Za-z_]\w*$/.test(handler) || !existsSync(moduleFile)) {
      throw new Error(`PythonTaskFunction: handler '${handler}' does not name a function of a module in ${taskDir} (no ${moduleFile})`);
    }
    const pythonVersion = PYTHON_RUNTIME.name.replace(/^python/, '');

    ({ logGroup: this.logGroup, role: this.role } = functionLogging(this, props));

    const code = lambda.Code.fromAsset(taskDir, {
      assetHashType: AssetHashType.CUSTOM,
      assetHash: createHash('sha256')
        .update(FileSystem.fingerprint(taskDir, { exclude: ['__pycache__', '.venv', 'tests'] }))
        .update(FileSystem.fingerprint(PYTHON_RUNTIME_DIR, { exclude: ['__pycache__'] }))
        .update(readFileSync(TASK_CONTRACT_FILE))
        .update(`${PYTHON_RUNTIME.name}/${ARM64_WHEEL_PLATFORM}`)
        .digest('hex'),
      bundling: {
        // Never pulled: the local bundling below always succeeds or throws.
        image: DockerImage.fromRegistry('unused-python-bundling-image'),
        local: {
          tryBundle: (outputDir) => {
            bundlePythonTask({
              taskDir,
              runtimeDir: PYTHON_RUNTIME_DIR,
              contractFile: TASK_CONTRACT_FILE,
              pythonVersion,
              platform: ARM64_WHEEL_PLATFORM,
              outputDir,
              limitBytes: props.maxUnzippedBytes ?? LAMBDA_UNZIPPED_LIMIT_BYTES,
              tooLargeHint: 'Run it on the long lane instead (a container task on Fargate has no package size limit).',
            });
            return true;
          },
        },
      },
    });

    this.function = new lambda.Function(this, 'Function', {
      code,
      handler,
      runtime: PYTHON_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(5),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      role: this.role,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      description: props.description,
      environment: {
        ...props.environment,
        [ENV.powertoolsServiceName]: props.serviceName,
        [ENV.powertoolsMetricsNamespace]: METRICS_NAMESPACE,
      },
    });
    acknowledgeNag(
      this.function,
      'AwsSolutions-L1',
      `${PYTHON_RUNTIME.name} is the newest generally available Python runtime; the newer python3.15 that ` +
        'aws-cdk-lib lists is a preview runtime, not for production tasks.',
    );
    acknowledgeTracingNag(this, this.role);
  }
}
