import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PayloadStore } from './constructs/payload-store.js';
import { pascalCase, ShortTask } from './constructs/short-task.js';
import type { ShortTaskProps } from './constructs/short-task.js';
import { TaskDestinations } from './constructs/task-destinations.js';
import { TaskRegistry } from './constructs/task-registry.js';
import { TaskSweeper } from './constructs/task-sweeper.js';

/** A short task of this stack: everything but the shared resources, which the stack passes in. */
type ShortTaskDefinition = Pick<ShortTaskProps, 'taskName' | 'entry' | 'retryAttempts' | 'maxEventAge' | 'timeout' | 'memorySize'>;

/** The short-lane tasks deployed by this stack. */
export const SHORT_TASKS: readonly ShortTaskDefinition[] = [
  { taskName: 'analyze-slow-queries', entry: 'functions/tasks/analyze-slow-queries/handler.ts' },
  // Fails on every attempt: exercises retries, the failure destination and the DLQ alarm end to end.
  { taskName: 'always-fails', entry: 'functions/tasks/always-fails/handler.ts', retryAttempts: 2 },
];

/** Stack output IDs the CLI reads (CloudFormation DescribeStacks / cdk.out). Never rename them. */
export const STACK_OUTPUTS = {
  taskTableName: 'TaskTableName',
  successQueueUrl: 'SuccessQueueUrl',
  failureQueueUrl: 'FailureQueueUrl',
  payloadBucketName: 'PayloadBucketName',
  /** JSON: task name → { functionName, logGroupName, maxAttempts } — what the CLI needs to start and follow tasks. */
  taskFunctions: 'TaskFunctions',
  /** `ShortTask<PascalName>FunctionName`, e.g. `ShortTaskAnalyzeSlowQueriesFunctionName`. */
  shortTaskFunctionName: (taskName: string): string => `ShortTask${pascalCase(taskName)}FunctionName`,
} as const;

export class ServerlessTaskStack extends Stack {
  public readonly registry: TaskRegistry;
  public readonly destinations: TaskDestinations;
  public readonly payloadStore: PayloadStore;
  public readonly sweeper: TaskSweeper;
  /** Short tasks by task name. */
  public readonly shortTasks: ReadonlyMap<string, ShortTask>;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.registry = new TaskRegistry(this, 'TaskRegistry');
    this.destinations = new TaskDestinations(this, 'TaskDestinations');
    this.payloadStore = new PayloadStore(this, 'PayloadStore');
    this.sweeper = new TaskSweeper(this, 'TaskSweeper', { table: this.registry.table });

    const shortTasks = new Map<string, ShortTask>();
    for (const definition of SHORT_TASKS) {
      const task = new ShortTask(this, `ShortTask${pascalCase(definition.taskName)}`, {
        ...definition,
        table: this.registry.table,
        successQueue: this.destinations.successQueue,
        failureQueue: this.destinations.failureQueue,
        payloadBucket: this.payloadStore.bucket,
      });
      shortTasks.set(definition.taskName, task);
      new CfnOutput(this, STACK_OUTPUTS.shortTaskFunctionName(definition.taskName), {
        value: task.function.functionName,
        description: `Lambda function of the short task ${definition.taskName}`,
      });
    }
    this.shortTasks = shortTasks;
    new CfnOutput(this, STACK_OUTPUTS.taskFunctions, {
      value: this.toJsonString(
        Object.fromEntries(
          SHORT_TASKS.map((definition) => {
            const task = shortTasks.get(definition.taskName);
            return [
              definition.taskName,
              {
                functionName: task?.function.functionName,
                logGroupName: task?.taskFunction.logGroup.logGroupName,
                maxAttempts: (definition.retryAttempts ?? 2) + 1,
              },
            ];
          }),
        ),
      ),
      description: 'Task name to function, log group and attempts (JSON), read by the stask CLI',
    });

    new CfnOutput(this, STACK_OUTPUTS.taskTableName, {
      value: this.registry.table.tableName,
      description: 'DynamoDB task registry table',
    });
    new CfnOutput(this, STACK_OUTPUTS.successQueueUrl, {
      value: this.destinations.successQueue.queueUrl,
      description: 'SQS queue receiving success destination records',
    });
    new CfnOutput(this, STACK_OUTPUTS.failureQueueUrl, {
      value: this.destinations.failureQueue.queueUrl,
      description: 'SQS dead-letter queue receiving failure destination records',
    });
    new CfnOutput(this, STACK_OUTPUTS.payloadBucketName, {
      value: this.payloadStore.bucket.bucketName,
      description: 'S3 bucket holding claim-check task payloads',
    });
  }
}
