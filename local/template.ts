import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

export function readTemplate(cdkOut: string, stackName: string): CfnTemplate {
  return JSON.parse(readFileSync(join(cdkOut, `${stackName}.template.json`), 'utf8')) as CfnTemplate;
}

/** What a logical ID stands for locally: its `Ref` value and its attributes (`Fn::GetAtt`). */
export interface LocalResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Inert locally (a security group, a role): any attribute resolves to a placeholder. */
  readonly inert?: boolean;
}

export interface ResolveContext {
  readonly region: string;
  readonly accountId: string;
  readonly resources: ReadonlyMap<string, LocalResource>;
}

/** Resolves the intrinsic functions CDK emits (Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Sub, pseudo parameters). */
export function resolve(value: unknown, ctx: ResolveContext): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, ctx));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [key, arg] = entries[0] ?? [];
  if (entries.length === 1 && key === 'Ref') return resolveRef(String(arg), ctx);
  if (entries.length === 1 && key === 'Fn::GetAtt') {
    const [id, attr] = (typeof arg === 'string' ? arg.split('.') : (arg as string[])) as [string, string];
    const resource = ctx.resources.get(id);
    const found = resource?.attributes[attr] ?? (resource?.inert ? `local-${id}-${attr}` : undefined);
    if (found === undefined) throw new Error(`Fn::GetAtt ${id}.${attr}: no such resource or attribute locally`);
    return found;
  }
  if (entries.length === 1 && key === 'Fn::Join') {
    const [sep, parts] = arg as [string, unknown[]];
    return (resolve(parts, ctx) as unknown[]).join(sep);
  }
  if (entries.length === 1 && key === 'Fn::Select') {
    const [index, list] = arg as [number, unknown];
    return (resolve(list, ctx) as unknown[])[Number(index)];
  }
  if (entries.length === 1 && key === 'Fn::Split') {
    const [sep, text] = arg as [string, unknown];
    return String(resolve(text, ctx)).split(sep);
  }
  if (entries.length === 1 && key === 'Fn::Sub') {
    const [text, vars] = (typeof arg === 'string' ? [arg, {}] : arg) as [string, Record<string, unknown>];
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      if (name in vars) return String(resolve(vars[name], ctx));
      if (name.includes('.')) return String(resolve({ 'Fn::GetAtt': name }, ctx));
      return resolveRef(name, ctx);
    });
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v, ctx)]));
}

function resolveRef(id: string, ctx: ResolveContext): string {
  switch (id) {
    case 'AWS::Region':
      return ctx.region;
    case 'AWS::AccountId':
      return ctx.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return 'local';
    default: {
      const found = ctx.resources.get(id);
      if (!found) throw new Error(`Ref ${id}: no such resource locally`);
      return found.ref;
    }
  }
}
