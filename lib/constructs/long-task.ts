// The long lane's construct: one Step Functions Standard execution per task attempt. The ECS state factory is
// ./ecs-run-task.ts, the registry states (generated from the task contract) ./registry-states.ts.
import { Duration, RemovalPolicy, type CfnOutput } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DEFAULTS } from '../../functions/core/facts.js';
import { TASK_CONTRACT } from '../../functions/core/task-contract.js';
import { DEFAULT_ECS_TIMEOUT, fargateRunTask, grantRunTaskOnTaskDefinitionArn, WORK_RETRY } from './ecs-run-task.js';
import { acknowledgeNag, iam5ResourceFinding } from './nag.js';
import { publishPayloadSchema } from './payload-schema-output.js';
import { stateMachineTimeout, validateTimeout, warnWhenTtlShorter } from './long-task-timeout.js';
import { destinationRecord, TRANSIENT_SQS_ERRORS } from './destination-states.js';
import { bookkeepingRetry, CONDITION_FAILED, registryState } from './registry-states.js';
import { TASK_NAME_PATTERN } from './short-task.js';
import { stoppedContainerReason, STOPPED_TASK_STATES } from './stopped-task-reason.js';
import { fargateWorkUsage, usageAttribute } from './usage-states.js';

import type { LongTaskProps, LongTaskWork } from './long-task-props.js';

export type { BranchWork, LambdaWork, LongTaskProps, LongTaskWork } from './long-task-props.js';
// The ECS state factory and the registry states were part of this module: importers keep their imports.
export {
  DEFAULT_ECS_TIMEOUT,
  fargateRunTask,
  grantRunTaskOnTaskDefinitionArn,
  TRANSIENT_WORK_ERRORS,
  WORK_RETRY,
  type FargateRunTaskProps,
  type FargateWork,
} from './ecs-run-task.js';
export { CONDITION_FAILED, TRANSIENT_DYNAMODB_ERRORS } from './registry-states.js';
export { MAX_LONG_TASK_TIMEOUT, STATE_MACHINE_TIMEOUT_MARGIN } from './long-task-timeout.js';
export { TRANSIENT_SQS_ERRORS } from './destination-states.js';

const T = TASK_CONTRACT.transitions;

/** Readable state names: users read them in the Step Functions console and in `stask get`. Never rename them. */
export const LONG_TASK_STATES = {
  markRunning: `Mark task ${T.start.to}`,
  alreadyHandled: 'Already running or finished',
  runWork: 'Run the work',
  markSucceeded: `Mark task ${T.succeed.to}`,
  notRecorded: `Task no longer ${T.start.to}`,
  sendSuccess: 'Send success record',
  done: 'Done',
  markFailed: `Mark task ${T.fail.to}`,
  sendFailure: 'Send failure record',
  failed: 'Failed',
  ...STOPPED_TASK_STATES,
} as const;


/**
 * The long lane: one Step Functions Standard execution per task attempt (name derived from the task ID),
 * started by the StepFunctionsInvoker with `{ taskId, task, payload, expiresAt }`. It marks the record RUNNING
 * (once: a duplicate execution finds the task taken and ends without running anything), runs the work on Lambda
 * or Fargate with retries on transient service errors only, records SUCCEEDED or FAILED, and sends AWS Lambda's
 * destination record to the success or the failure queue. Its registry writes are the task contract's `start`,
 * `succeed` and `fail` transitions (functions/core/task-contract.json), generated into conditional UpdateItems.
 *
 * Stuck work: `Run the work` has a `TimeoutSeconds`. The worker also heartbeats into the task record; when
 * its heartbeats lapse (container killed, host lost), the TaskSweeper resolves the task (FAILED or
 * RETRYING) and this execution, should it still finish, cannot overwrite that (its writes are conditional
 * on RUNNING and its own executionRef). `HeartbeatSeconds` does not exist for `ecs:runTask.sync`.
 */
export class LongTask extends Construct {
  /** The task's state machine (Standard, JSONPath). */
  public readonly stateMachine: sfn.StateMachine;
  /** Execution history events (level ALL). */
  public readonly logGroup: logs.LogGroup;
  /** The state that runs the work (`Run the work`: its Catch, and for Lambda or Fargate its Retry and TimeoutSeconds). */
  public readonly workState: sfn.TaskStateBase | sfn.Parallel;
  /** The stack output publishing the payload schema, when the task declares one. */
  public readonly payloadSchemaOutput?: CfnOutput;
  /** Executions that run at a time (LongTaskProps.maxConcurrency). */
  public readonly maxConcurrency: number;

  constructor(scope: Construct, id: string, props: LongTaskProps) {
    super(scope, id);
    grantRunTaskOnTaskDefinitionArn(this);

    if (!TASK_NAME_PATTERN.test(props.taskName)) {
      throw new Error(
        `LongTask: taskName '${props.taskName}' is invalid; it must match ${TASK_NAME_PATTERN.source} ` +
          '(1 to 63 characters: a lowercase letter, then lowercase letters, digits or hyphens)',
      );
    }
    const kinds = (['lambda', 'fargate', 'branch'] as const).filter((kind) => kind in props.work);
    if (kinds.length !== 1) {
      throw new Error(`LongTask: work must have exactly one of lambda, fargate or branch, got ${kinds.length ? kinds.join(', ') : 'none'}`);
    }
    this.maxConcurrency = props.maxConcurrency ?? DEFAULTS.longTaskMaxConcurrency;
    if (!Number.isInteger(this.maxConcurrency) || this.maxConcurrency < 1) {
      throw new Error(`LongTask: maxConcurrency must be an integer >= 1, got ${this.maxConcurrency}`);
    }
    if (props.payloadSchema) this.payloadSchemaOutput = publishPayloadSchema(this, props.taskName, props.payloadSchema);
    const timeout = props.timeout ?? defaultTimeout(props.work);
    validateTimeout(timeout);
    warnWhenTtlShorter(this, timeout);

    const executionRef = tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id'));
    const executionName = sfn.JsonPath.stringAt('$$.Execution.Name');
    const detail = (format: string, ...values: string[]) => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.format(format, executionName, ...values));

    // What runs the work, recorded at start only: a task stopped or resolved by the sweeper still says, and
    // work that learns more while it runs (a segmented transcode's plan) records its own over it.
    const usage = props.usage ?? ('fargate' in props.work ? fargateWorkUsage(props.work.fargate) : undefined);
    const usageInput: Record<string, tasks.DynamoAttributeValue> = usage ? { usage: usageAttribute(usage) } : {};

    // QUEUED or RETRYING -> RUNNING, once (the contract's `start`): the condition makes a second execution for
    // the same task (or one started after a stop) find the task taken, so the work never runs twice.
    const markRunning = registryState(this, 'MarkRunning', {
      stateName: LONG_TASK_STATES.markRunning,
      comment: 'QUEUED or RETRYING -> RUNNING, owned by this execution',
      table: props.table,
      transition: 'start',
      inputs: {
        executionRef,
        detail: detail('execution {} started'),
        ...usageInput,
        // Until the worker's first heartbeat the sweeper waits this long: a Fargate task takes
        // minutes to be placed and pull its image, far longer than two heartbeat intervals.
        startAllowanceSeconds: tasks.DynamoAttributeValue.fromNumber((props.startAllowance ?? Duration.minutes(10)).toSeconds()),
      },
    });

    // Another execution owns the task, or it was stopped or expired before this one started: nothing to do,
    // and no destination record (the owner of the task sends it).
    const alreadyHandled = sfn.Succeed.jsonPath(this, 'AlreadyHandled', {
      stateName: LONG_TASK_STATES.alreadyHandled,
      comment: 'The task was not QUEUED or RETRYING: another execution runs it, or it was stopped or expired',
    });
    markRunning.addCatch(alreadyHandled, { errors: [CONDITION_FAILED], resultPath: '$.error' });

    this.workState = this.renderWork(props, timeout);

    // RUNNING -> SUCCEEDED (`succeed`), only while this execution still owns the task: a task stopped
    // (STOPPING) or resolved by the sweeper meanwhile never becomes SUCCEEDED.
    const markSucceeded = registryState(this, 'MarkSucceeded', {
      stateName: LONG_TASK_STATES.markSucceeded,
      table: props.table,
      transition: 'succeed',
      inputs: { executionRef, detail: detail('execution {} succeeded') },
    });
    const notRecorded = sfn.Fail.jsonPath(this, 'NotRecorded', {
      stateName: LONG_TASK_STATES.notRecorded,
      error: 'TaskNoLongerRunning',
      cause:
        'The work finished, but the task record was no longer RUNNING for this execution (stopped, or resolved ' +
        'by the task sweeper after its heartbeats lapsed); its outcome was not recorded.',
    });
    markSucceeded.addCatch(notRecorded, { errors: [CONDITION_FAILED], resultPath: '$.error' });

    const sendSuccess = tasks.SqsSendMessage.jsonPath(this, 'SendSuccess', {
      stateName: LONG_TASK_STATES.sendSuccess,
      queue: props.successQueue,
      messageBody: destinationRecord('Success'),
      resultPath: sfn.JsonPath.DISCARD,
    });
    sendSuccess.addRetry(bookkeepingRetry(TRANSIENT_SQS_ERRORS));
    const done = sfn.Succeed.jsonPath(this, 'Done', { stateName: LONG_TASK_STATES.done });

    // RUNNING -> FAILED (`fail`). The worker may have recorded a more precise error already: it is kept.
    const markFailed = registryState(this, 'MarkFailed', {
      stateName: LONG_TASK_STATES.markFailed,
      table: props.table,
      transition: 'fail',
      from: [T.start.to],
      inputs: {
        executionRef,
        detail: detail('execution {} failed: {}', sfn.JsonPath.stringAt('$.error.Error')),
        error: tasks.DynamoAttributeValue.fromMap({
          type: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.error.Error')),
          message: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.error.Cause')),
        }),
      },
    });
    const failed = sfn.Fail.jsonPath(this, 'Failed', {
      stateName: LONG_TASK_STATES.failed,
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    });
    // Not RUNNING any more (stopped, or resolved by the sweeper): whoever changed the status owns the
    // record and its destination record (the stop sends `Stopped`); this execution only ends failed.
    markFailed.addCatch(failed, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
    const sendFailure = tasks.SqsSendMessage.jsonPath(this, 'SendFailure', {
      stateName: LONG_TASK_STATES.sendFailure,
      queue: props.failureQueue,
      messageBody: destinationRecord('RetriesExhausted'),
      resultPath: sfn.JsonPath.DISCARD,
    });
    sendFailure.addRetry(bookkeepingRetry(TRANSIENT_SQS_ERRORS));

    // A container that exits non-zero fails `ecs:runTask.sync` with States.TaskFailed and, as Cause, the whole
    // stopped task (DescribeTasks JSON: every override, the payload included, 1-2 KB): it becomes a short reason
    // (stopped-task-reason.ts). Lambda work has no container: its failures go straight to the FAILED path.
    if (!('lambda' in props.work)) {
      this.workState.addCatch(stoppedContainerReason(this, markFailed), { errors: [sfn.Errors.TASKS_FAILED], resultPath: '$.error' });
    }
    this.workState.addCatch(markFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    const definition = markRunning
      .next(this.workState)
      .next(markSucceeded)
      .next(sendSuccess)
      .next(done);
    markFailed.next(sendFailure).next(failed);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `Long task ${props.taskName}: one execution per task attempt, started with { taskId, task, payload }`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: stateMachineTimeout(timeout),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: props.includeExecutionData ?? false,
      },
    });

    // The StateMachine L2 adds these on "*": log delivery (logs:CreateLogDelivery, ...) and X-Ray.
    acknowledgeNag(
      this.stateMachine.role,
      iam5ResourceFinding(this, '*'),
      'CloudWatch Logs vended log delivery (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, ' +
        'DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and ' +
        'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) support no ' +
        'resource-level permissions; these are the statements the StateMachine construct adds for logs and ' +
        'tracing.',
    );
    if ('lambda' in props.work) {
      acknowledgeNag(
        this.stateMachine.role,
        iam5ResourceFinding(this, props.work.lambda.functionArn, ':*'),
        'LambdaInvoke grants lambda:InvokeFunction on the work function and its versions/aliases ' +
          '(<function ARN>:*); the wildcard spans qualifiers of that one function only.',
      );
    }
  }

  private renderWork(props: LongTaskProps, timeout: Duration): sfn.TaskStateBase | sfn.Parallel {
    const work = props.work;
    if ('lambda' in work) {
      const invoke = tasks.LambdaInvoke.jsonPath(this, 'RunTheWork', {
        stateName: LONG_TASK_STATES.runWork,
        comment: 'Runs the work on Lambda with the execution input as its event',
        lambdaFunction: work.lambda,
        payload: sfn.TaskInput.fromJsonPathAt('$'),
        // WORK_RETRY instead of the construct's default retry (which also retries Lambda.SdkClientException).
        retryOnServiceExceptions: false,
        taskTimeout: sfn.Timeout.duration(timeout),
        resultPath: sfn.JsonPath.DISCARD,
      });
      invoke.addRetry(WORK_RETRY);
      return invoke;
    }
    if ('fargate' in work) {
      return fargateRunTask(this, 'RunTheWork', {
        stateName: LONG_TASK_STATES.runWork,
        comment: 'Runs the work as a Fargate task and waits until it stops (non-zero exit = States.TaskFailed)',
        taskName: props.taskName,
        table: props.table,
        work: work.fargate,
        timeout,
      });
    }
    return sfn.Parallel.jsonPath(this, 'RunTheWork', {
      stateName: LONG_TASK_STATES.runWork,
      comment: 'Runs the states of the work; a failure in any of them is caught here',
      resultPath: sfn.JsonPath.DISCARD,
    }).branch(work.branch);
  }
}

function defaultTimeout(work: LongTaskWork): Duration {
  if ('lambda' in work) return (work.lambda instanceof lambda.Function ? work.lambda.timeout : undefined) ?? Duration.minutes(15);
  return DEFAULT_ECS_TIMEOUT;
}
