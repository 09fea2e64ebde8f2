// Shared helpers for the infrastructure tests (not a test file).
import { readFileSync } from 'node:fs';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { Template } from 'aws-cdk-lib/assertions';

/** Feature flags and context of the real app (cdk.json), so tests synthesize what `cdk synth` does. */
const CDK_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
}).context;

/** Handler fixture, relative to the repository root like real task entries. */
export const FIXTURE_ENTRY = 'test/infra/fixtures/handler.ts';

export interface TestAppOptions {
  /** Run esbuild for NodejsFunction assets. Off by default: template assertions do not need the bundle. */
  readonly bundle?: boolean;
  /** Where the cloud assembly is written. */
  readonly outdir?: string;
}

export function newTestApp(options: TestAppOptions = {}): App {
  return new App({
    outdir: options.outdir,
    context: {
      ...CDK_CONTEXT,
      // An empty list tells CDK to skip asset bundling for every stack.
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
}

export function newTestStack(options: TestAppOptions = {}): Stack {
  return new Stack(newTestApp(options), 'TestStack');
}

/** Logical ID of an L2 construct's CloudFormation resource (its default child). */
export function logicalIdOf(construct: IConstruct): string {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation default child`);
  return Stack.of(construct).getLogicalId(resource);
}

/** The logical ID of the only resource of `type` in `template` (fails if there is not exactly one). */
export function onlyLogicalId(template: Template, type: string, props: Record<string, unknown> = {}): string {
  const ids = Object.keys(template.findResources(type, props));
  if (ids.length !== 1) throw new Error(`expected exactly one ${type}, found ${ids.length}: ${ids.join(', ')}`);
  return ids[0] as string;
}

/** `{ Fn::GetAtt: [logicalId, 'Arn'] }` */
export function arnOf(logicalId: string): { 'Fn::GetAtt': [string, string] } {
  return { 'Fn::GetAtt': [logicalId, 'Arn'] };
}

export interface PolicyStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** All statements of all AWS::IAM::Policy resources attached to `roleLogicalId`. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy['Properties'].Roles as unknown[]).some(
        (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    )
    .flatMap((policy) => policy['Properties'].PolicyDocument.Statement as PolicyStatement[]);
}

export function actionsOf(statement: PolicyStatement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: PolicyStatement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** A state of an Amazon States Language definition (the fields the tests read). */
export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly ItemSelector?: Record<string, unknown>;
  readonly ResultPath?: string | null;
  readonly TimeoutSeconds?: number;
  readonly HeartbeatSeconds?: number;
  readonly Retry?: { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number; JitterStrategy?: string }[];
  readonly Catch?: { ErrorEquals: string[]; ResultPath?: string | null; Next: string }[];
  readonly Choices?: Record<string, unknown>[];
  readonly Default?: string;
  readonly Branches?: AslDefinition[];
  readonly ItemProcessor?: AslDefinition;
  readonly ItemsPath?: string;
  readonly MaxConcurrency?: number;
  readonly Error?: string;
  readonly Cause?: string;
  readonly ErrorPath?: string;
  readonly CausePath?: string;
  readonly [key: string]: unknown;
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly QueryLanguage?: string;
  readonly Comment?: string;
  readonly TimeoutSeconds?: number;
}

/**
 * The definition of the state machine `logicalId` as JSON. CloudFormation references inside it become
 * placeholders: `{Ref: X}` → `<Ref:X>`, `{Fn::GetAtt: [X, Y]}` → `<GetAtt:X.Y>`.
 */
export function aslOf(template: Template, logicalId: string): AslDefinition {
  const machine = template.findResources('AWS::StepFunctions::StateMachine')[logicalId];
  if (!machine) throw new Error(`no state machine ${logicalId}`);
  const body = machine['Properties'].DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  if (typeof body === 'string') return JSON.parse(body) as AslDefinition;
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (ref.Ref) return `<Ref:${ref.Ref}>`;
      if (ref['Fn::GetAtt']) return `<GetAtt:${ref['Fn::GetAtt'][0]}.${ref['Fn::GetAtt'][1]}>`;
      return `<${JSON.stringify(part).replace(/"/g, "'")}>`;
    })
    .join('');
  return JSON.parse(text) as AslDefinition;
}

/** Every state of `definition`, nested ones (Parallel branches, Map processors) included, by name. */
export function allStates(definition: AslDefinition): Record<string, AslState> {
  const out: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    out[name] = state;
    for (const branch of state.Branches ?? []) Object.assign(out, allStates(branch));
    if (state.ItemProcessor) Object.assign(out, allStates(state.ItemProcessor));
  }
  return out;
}
