// Provisions on the embedded servers what a synthesized template declares, one provisioner per resource type
// (local/provision/by-type.ts is the table).
import type { LocalTaskDefinition } from './ecs/process-task-runner.js';
import { INERT_TYPES, PROVISIONERS } from './provision/by-type.js';
import type { HttpApiSpec } from './provision/apigateway.js';
import type { KafkaMappingSpec } from './provision/kafka-mapping.js';
import {
  defaultLocalResource,
  type EventRuleSpec,
  type FunctionSpec,
  type ProvisionClients,
  type ProvisionContext,
  type ResourceProvisioner,
  type ScheduleSpec,
  type StateMachineSpec,
} from './provision/provisioner.js';
import { resolve, type CfnTemplate, type LocalResource, type ResolveContext } from './template.js';

export { INERT_TYPES };
export type { EventRuleSpec, FunctionSpec, HttpApiSpec, ProvisionClients, ScheduleSpec, StateMachineSpec };

export interface ProvisionOptions {
  readonly template: CfnTemplate;
  readonly cdkOut: string;
  readonly clients: ProvisionClients;
  readonly region?: string;
  readonly accountId?: string;
}

export interface ProvisionedResource {
  readonly logicalId: string;
  readonly type: string;
  /** What serves it locally, or why nothing needs to. */
  readonly servedBy: string;
}

export interface Provisioned {
  readonly resources: readonly ProvisionedResource[];
  readonly eventRules: readonly EventRuleSpec[];
  readonly taskDefinitions: readonly LocalTaskDefinition[];
  /** Buckets whose object events go to EventBridge (bucket name). */
  readonly eventBridgeBuckets: readonly string[];
  readonly stateMachines: readonly StateMachineSpec[];
  readonly schedules: readonly ScheduleSpec[];
  readonly functions: readonly FunctionSpec[];
  readonly logGroups: readonly string[];
  /** Kafka event source mappings (MSK sources): the platform runs a broker and a mapping emulator each. */
  readonly kafkaMappings: readonly KafkaMappingSpec[];
  /** HTTP APIs (API Gateway v2): the platform serves each on a loopback port. */
  readonly httpApis: readonly HttpApiSpec[];
  /** Stack outputs resolved to local values. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly context: ResolveContext;
}

/**
 * Provisions on the embedded servers what a synthesized template declares: tables with their keys and
 * indexes, queues with redrive policies, buckets, log groups, and function specs from the bundled assets
 * with their EventInvokeConfig. Idempotent, so a restart over a data directory finds its resources
 * again. Local physical names are the logical IDs. A resource type it does not know is an error naming it.
 */
export async function provisionStack(options: ProvisionOptions): Promise<Provisioned> {
  const local = new Map<string, LocalResource>();
  const context: ResolveContext = { region: options.region ?? 'us-east-1', accountId: options.accountId ?? '000000000000', resources: local };
  const entries = Object.entries(options.template.Resources);
  const unknown = entries.filter(([, r]) => !PROVISIONERS.has(r.Type));
  if (unknown.length) {
    throw new Error(
      `the template declares resource types the embedded platform does not know: ${unknown.map(([id, r]) => `${r.Type} (${id})`).join(', ')}`,
    );
  }
  const ctx: ProvisionContext = {
    template: options.template,
    cdkOut: options.cdkOut,
    clients: options.clients,
    resolve: context,
    out: { functions: [], schedules: [], eventRules: [], taskDefinitions: [], eventBridgeBuckets: [], stateMachines: [], logGroups: [], kafkaMappings: [], httpApis: [] },
  };
  const provisionerOf = (type: string): ResourceProvisioner => PROVISIONERS.get(type) as ResourceProvisioner; // every type is known here

  // Pass 1: everything another resource may reference by Ref or Fn::GetAtt.
  for (const [id, resource] of entries) {
    const provisioner = provisionerOf(resource.Type);
    local.set(id, provisioner.create ? await provisioner.create(id, resource, ctx) : defaultLocalResource(id, resource, ctx, provisioner.inert === true));
  }
  // Pass 2: what refers to pass 1 (redrive policies, destinations, targets, definitions), and what serves each.
  const resources: ProvisionedResource[] = [];
  for (const [id, resource] of entries) {
    resources.push({ logicalId: id, type: resource.Type, servedBy: await provisionerOf(resource.Type).provision(id, resource, ctx) });
  }

  const outputs = Object.fromEntries(Object.entries(options.template.Outputs ?? {}).map(([k, o]) => [k, String(resolve(o.Value, context))]));
  return { resources, ...ctx.out, outputs, context };
}
