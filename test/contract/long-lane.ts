// The long lane on the embedded platform, as deployed: a LongTask (Fargate work) synthesized by CDK, its
// definition resolved onto local resources and run by the local Step Functions engine over dynalite and
// local-aws-sqs; the TaskClient starts, stops and retries it through the StepFunctionsInvoker. The "container"
// is a function the test gives (the ECS runner receives the state's environment overrides).
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CfnElement } from 'aws-cdk-lib';
import { TaskRegistry } from '../../functions/core/registry.js';
import { StepFunctionsInvoker } from '../../functions/core/step-functions-invoker.js';
import { TaskClient } from '../../functions/core/task-client.js';
import { LongTask } from '../../lib/constructs/long-task.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../local/servers.js';
import type { EcsRunTaskParams } from '../../local/stepfunctions/index.js';
import { resolve, type LocalResource } from '../../local/template.js';
import { createTaskTable } from '../support/embedded-servers.js';
import { startSfn, startStorage, uniqueName, type Sfn, type Storage } from '../local/stepfunctions/harness.js';

/** A container run: the environment the state passes (TASK_ID, EXECUTION_REF, TASK_TABLE_NAME...). */
export type Container = (env: Readonly<Record<string, string>>, signal: AbortSignal) => Promise<number>;

export interface LongLane {
  readonly client: TaskClient;
  readonly registry: TaskRegistry;
  readonly storage: Storage;
  readonly sfn: Sfn;
  /** What the next ECS task of each task ID runs. */
  readonly containers: Map<string, Container>;
  readonly stateMachineArn: string;
  /** Where the Stopped and RetriesExhausted records go. */
  readonly failureQueueUrl: string;
  close(): Promise<void>;
}

/** Synthesizes one LongTask with Fargate work and resolves its definition onto the given table and queues. */
function synthesize(taskName: string, names: { table: string; success: string; failure: string }): { definition: string } {
  const stack = new Stack(new App(), 'ContractLongLane');
  const table = new dynamodb.Table(stack, 'Tasks', { partitionKey: { name: 'taskId', type: dynamodb.AttributeType.STRING } });
  const successQueue = new sqs.Queue(stack, 'Success');
  const failureQueue = new sqs.Queue(stack, 'Failure');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'work', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'TaskDef');
  const containerDefinition = taskDefinition.addContainer('Worker', { containerName: 'worker', image: ecs.ContainerImage.fromRegistry('worker') });
  const task = new LongTask(stack, 'Long', {
    taskName,
    table,
    successQueue,
    failureQueue,
    work: { fargate: { cluster, taskDefinition, containerDefinition, subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } } },
  });
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Properties?: Record<string, unknown> }> };
  const id = (construct: { node: { defaultChild?: unknown } }): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  // Everything but the storage is inert locally (the cluster, subnets, roles): placeholders resolve it.
  const resources = new Map<string, LocalResource>(Object.keys(template.Resources).map((logicalId) => [logicalId, { ref: `local-${logicalId}`, attributes: {}, inert: true }]));
  const arn = (service: string, resource: string): string => `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${resource}`;
  resources.set(id(table), { ref: names.table, attributes: { Arn: arn('dynamodb', `table/${names.table}`) } });
  resources.set(id(successQueue), { ref: names.success, attributes: { Arn: arn('sqs', 'success'), QueueUrl: names.success } });
  resources.set(id(failureQueue), { ref: names.failure, attributes: { Arn: arn('sqs', 'failure'), QueueUrl: names.failure } });
  const machine = template.Resources[id(task.stateMachine)];
  const definition = resolve(machine?.Properties?.['DefinitionString'], { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID, resources });
  return { definition: String(definition) };
}

/** The long lane for `taskName` (maxAttempts 1: the long lane does not retry a failed attempt by itself). */
export async function startLongLane(taskName: string, options: { readonly maxConcurrency?: number } = {}): Promise<LongLane> {
  const storage = await startStorage();
  const containers = new Map<string, Container>();
  let runs = 0;
  storage.ecs = {
    run: async (params: EcsRunTaskParams, signal) => {
      const env = Object.fromEntries((params.Overrides?.ContainerOverrides?.[0]?.Environment ?? []).map((e) => [e.Name, e.Value]));
      const container = containers.get(env['TASK_ID'] ?? '');
      if (!container) throw new Error(`no container for task ${env['TASK_ID'] ?? '?'}`);
      const exitCode = await container(env, signal);
      return { exitCode, taskArn: `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:task/local/${++runs}` };
    },
  };
  const sfn = await startSfn(storage);
  const table = await createTaskTable(storage.dynamo);
  const [success, failure] = [await storage.createQueue('success'), await storage.createQueue('failure')];
  const { definition } = synthesize(taskName, { table, success, failure });
  const stateMachineArn = sfn.server.registerStateMachine(uniqueName(taskName), definition);
  const registry = new TaskRegistry(storage.dynamo.doc, table);
  const invoker = new StepFunctionsInvoker({ sfn: sfn.client, registry, sqs: storage.sqs.client, failureQueueUrl: failure });
  const client = new TaskClient({
    registry,
    invoker,
    invokers: { stepfunctions: invoker },
    tasks: { [taskName]: { kind: 'stepfunctions', stateMachineArn, maxAttempts: 1, ...(options.maxConcurrency ? { maxConcurrency: options.maxConcurrency } : {}) } },
  });
  return {
    client,
    registry,
    storage,
    sfn,
    containers,
    stateMachineArn,
    failureQueueUrl: failure,
    close: async () => {
      await sfn.close();
      await storage.close();
    },
  };
}
