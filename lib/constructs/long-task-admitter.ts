// The admitter of long tasks with a concurrency limit: a Lambda function on Step Functions' "Execution Status
// Change" events of their state machines (an execution ended: its slot is released, the oldest waiting tasks are
// started; functions/core/admission.ts), and the grant every starter of such a task needs.
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { ADMITTER_SERVICE_NAME, ENV, type TaskFunctionEntry } from '../../functions/core/facts.js';
import { acknowledgeNag, iam5ResourceFinding } from './nag.js';
import { TaskFunction } from './task-function.js';
import { executionsOf } from './task-operator.js';

/** The statuses in which an execution has ended, as Step Functions' status-change events name them. */
export const ENDED_EXECUTION_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export interface LongTaskAdmitterProps {
  /** The task registry table (the tasks and their slot items). */
  readonly table: dynamodb.ITable;
}

/**
 * What a starter of a long task with a concurrency limit needs: StartExecution on its state machine, and
 * DescribeExecution on its executions (a repeated start of an execution that has ended).
 */
export function grantAdmission(grantee: iam.IGrantable & IConstruct, machine: sfn.IStateMachine, taskName: string): void {
  machine.grantStartExecution(grantee);
  iam.Grant.addToPrincipal({ grantee, actions: ['states:DescribeExecution'], resourceArns: [executionsOf(machine)] });
  acknowledgeNag(
    grantee,
    iam5ResourceFinding(grantee, executionsOf(machine)),
    `DescribeExecution on executions of the ${taskName} state machine, whose names derive from task IDs at run time: ` +
      'admission and the sweeper check whether a slot holder still runs; the wildcard spans that one state machine.',
  );
}

/** Releases the slots of ended executions and admits waiting tasks, per long task with a concurrency limit. */
export class LongTaskAdmitter extends Construct {
  public readonly taskFunction: TaskFunction;
  public readonly rule: events.Rule;
  private readonly targets: Record<string, TaskFunctionEntry> = {};

  constructor(scope: Construct, id: string, props: LongTaskAdmitterProps) {
    super(scope, id);
    this.taskFunction = new TaskFunction(this, 'Function', {
      entry: 'functions/maintenance/admitter-handler.ts',
      serviceName: ADMITTER_SERVICE_NAME,
      timeout: Duration.minutes(1),
      memorySize: 256,
      description: 'Starts waiting long tasks as executions of their task end (concurrency limits)',
      environment: {
        [ENV.taskTableName]: props.table.tableName,
        // Task name → state machine and limit, for the tasks it admits.
        [ENV.taskTargets]: Lazy.string({ produce: () => Stack.of(this).toJsonString(this.targets) }),
      },
    });
    props.table.grantReadWriteData(this.taskFunction.function);
    acknowledgeNag(
      this.taskFunction.role,
      iam5ResourceFinding(this, props.table.tableArn, '/index/*'),
      'grantReadWriteData on the task table: the admitter queries the status index of this one table for waiting tasks ' +
        'and updates the slot items with conditional UpdateItem calls (the grant also holds PutItem and DeleteItem, which it never calls).',
    );
    this.rule = new events.Rule(this, 'ExecutionEnded', {
      description: 'An execution of a long task with a concurrency limit ended: release its slot, admit waiting tasks',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: [...ENDED_EXECUTION_STATUSES] },
      },
      // A lost event costs a sweep interval, not a slot: the sweeper reconciles the slots.
      targets: [new targets.LambdaFunction(this.taskFunction.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
  }

  /** Admits the tasks of `taskName` under `maxConcurrency`: the rule matches its state machine's ended executions. */
  admits(taskName: string, stateMachine: sfn.IStateMachine, maxConcurrency: number): void {
    this.rule.addEventPattern({ detail: { stateMachineArn: [stateMachine.stateMachineArn] } });
    grantAdmission(this.taskFunction.role, stateMachine, taskName);
    this.targets[taskName] = { kind: 'stepfunctions', stateMachineArn: stateMachine.stateMachineArn, maxConcurrency };
  }
}
