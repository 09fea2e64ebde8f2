// The shared resources every test stack of the platform needs, with the stack outputs the platform and
// the TaskClient read: the registry, both destination queues and the payload store.
import { CfnOutput, type Stack } from 'aws-cdk-lib';
import { PayloadStore } from '../../lib/constructs/payload-store.js';
import { TaskDestinations } from '../../lib/constructs/task-destinations.js';
import { TaskRegistry } from '../../lib/constructs/task-registry.js';
import { STACK_OUTPUTS } from '../../lib/serverless-task-stack.js';

export interface TaskFoundation {
  readonly registry: TaskRegistry;
  readonly destinations: TaskDestinations;
  readonly payloadStore: PayloadStore;
}

export function addTaskFoundation(stack: Stack): TaskFoundation {
  const registry = new TaskRegistry(stack, 'TaskRegistry');
  const destinations = new TaskDestinations(stack, 'TaskDestinations');
  const payloadStore = new PayloadStore(stack, 'PayloadStore');
  new CfnOutput(stack, STACK_OUTPUTS.taskTableName, { value: registry.table.tableName });
  new CfnOutput(stack, STACK_OUTPUTS.successQueueUrl, { value: destinations.successQueue.queueUrl });
  new CfnOutput(stack, STACK_OUTPUTS.failureQueueUrl, { value: destinations.failureQueue.queueUrl });
  new CfnOutput(stack, STACK_OUTPUTS.payloadBucketName, { value: payloadStore.bucket.bucketName });
  return { registry, destinations, payloadStore };
}

/** The TaskFunctions output (task name → where it runs), as the real stack writes it. */
export function addTaskFunctionsOutput(stack: Stack, tasks: Record<string, Record<string, unknown>>): void {
  new CfnOutput(stack, STACK_OUTPUTS.taskFunctions, { value: stack.toJsonString(tasks) });
}
