// Turns one transition of the task contract into the parts of a DynamoDB UpdateItem (update and condition
// expressions, attribute names and values). The values are left to an encoder: the registry encodes plain
// values (the document client marshals them), the CDK code encodes Step Functions JSONPath attribute values
// (lib/constructs/registry-states.ts). One renderer, so both lanes write the same record.
import { TASK_CONTRACT, type Requirement, type TaskStatus, type Transition, type TransitionName, type ValueExpression } from './task-contract.js';
import { TTL_ATTRIBUTE } from './registry-schema.js';

/** Encodes a value expression; `$now` and `$input.<name>` may appear at any depth. */
export interface ValueEncoder<V> {
  /** Whether `$input.<name>` is given. */
  has(name: string): boolean;
  /** The value; object members whose `$input` is absent are left out. */
  encode(expression: ValueExpression): V;
  /** The TTL value (epoch seconds) of a transition with `refreshTtl`. */
  expiresAt(): V;
}

export interface RenderedTransition<V> {
  readonly updateExpression: string;
  readonly conditionExpression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, V>;
}

export interface RenderOptions {
  /** A subset of the transition's `from` (a caller that knows the current status). @default the contract's */
  readonly from?: readonly TaskStatus[];
}

/** Attribute names of the record that are DynamoDB reserved words (or were always aliased): written `#name`. */
const ALIASED = new Set(['status', 'attempts', 'error', 'progress', 'result', 'plan', 'function', 'usage']);

const inputName = (value: unknown): string | undefined =>
  typeof value === 'string' && value.startsWith('$input.') ? value.slice('$input.'.length) : undefined;

/** Whether every `$input` inside the expression is given. */
function given<V>(value: unknown, encoder: ValueEncoder<V>): boolean {
  const name = inputName(value);
  if (name !== undefined) return encoder.has(name);
  if (Array.isArray(value)) return value.every((v) => given(v, encoder));
  if (value && typeof value === 'object') return true; // absent members are dropped, the object stays
  return true;
}

export function transitionOf(name: TransitionName): Transition {
  return TASK_CONTRACT.transitions[name];
}

export function renderTransition<V>(name: TransitionName, encoder: ValueEncoder<V>, options: RenderOptions = {}): RenderedTransition<V> {
  const t = transitionOf(name);
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, V> = {};
  const attr = (a: string): string => {
    if (!ALIASED.has(a)) return a;
    names[`#${a}`] = a;
    return `#${a}`;
  };
  const status = (s: TaskStatus): string => {
    const key = `:${s.toLowerCase()}`;
    values[key] = encoder.encode(s);
    return key;
  };
  /** `$input.x` → `:x` (shared by every use), `$now` → `:now`, anything else under `key`. */
  const written = new Map<string, string>();
  const value = (expression: ValueExpression, key: string): string => {
    const input = inputName(expression);
    const placeholder = expression === '$now' ? ':now' : input !== undefined ? `:${input}` : key;
    const json = JSON.stringify(expression);
    if (written.has(placeholder) && written.get(placeholder) !== json) throw new Error(`transition '${name}': two values named ${placeholder}`);
    written.set(placeholder, json);
    values[placeholder] = encoder.encode(expression);
    return placeholder;
  };

  const sets = [`#status = ${status(t.to)}`, `updatedAt = ${value('$now', ':now')}`];
  values[':empty'] = encoder.encode([]);
  values[':event'] = encoder.encode([{ status: t.to, at: '$now', ...(t.event?.detail !== undefined ? { detail: t.event.detail } : {}) }]);
  sets.push('events = list_append(if_not_exists(events, :empty), :event)');
  for (const [a, v] of Object.entries(t.set ?? {})) if (given(v, encoder)) sets.push(`${attr(a)} = ${value(v, `:${a}`)}`);
  for (const [a, v] of Object.entries(t.setIfAbsent ?? {})) {
    if (given(v, encoder)) sets.push(`${attr(a)} = if_not_exists(${attr(a)}, ${value(v, `:${a}`)})`);
  }
  for (const a of t.increment ?? []) {
    values[':zero'] = encoder.encode(0);
    values[':one'] = encoder.encode(1);
    sets.push(`${attr(a)} = if_not_exists(${attr(a)}, :zero) + :one`);
  }
  for (const [a, v] of Object.entries(t.append ?? {})) {
    if (!given(v, encoder)) continue;
    values[`:${a}`] = encoder.encode([v]);
    sets.push(`${attr(a)} = list_append(if_not_exists(${attr(a)}, :empty), :${a})`);
  }
  if (t.refreshTtl) {
    values[`:${TTL_ATTRIBUTE}`] = encoder.expiresAt();
    sets.push(`${TTL_ATTRIBUTE} = :${TTL_ATTRIBUTE}`);
  }
  const removes = (t.remove ?? []).map(attr);

  const from = options.from ?? t.from;
  const outside = from.filter((s) => !t.from.includes(s));
  if (!from.length || outside.length) throw new Error(`transition '${name}' does not leave ${outside.join(', ') || 'no status'}`);
  let counter = 0;
  const requirement = (r: Requirement): string => {
    const a = attr(r.attr);
    const v = (): string => value(r.value ?? null, `:c${counter++}`);
    switch (r.op) {
      case 'eq':
        return `${a} = ${v()}`;
      case 'ne':
        return `${a} <> ${v()}`;
      case 'lt':
        return `${a} < ${v()}`;
      case 'exists':
        return `attribute_exists(${a})`;
      case 'absent':
        return `attribute_not_exists(${a})`;
      case 'absentOrLt':
        return `(attribute_not_exists(${a}) OR ${a} < ${v()})`;
    }
  };
  const statusIn = (list: readonly TaskStatus[]): string =>
    list.length === 1 ? `#status = ${status(list[0]!)}` : `#status IN (${list.map(status).join(', ')})`;
  const main = [statusIn(from)];
  for (const r of t.require ?? []) {
    if (given(r.value, encoder)) main.push(requirement(r));
    else if (!r.optional) throw new Error(`transition '${name}' needs the input '${inputName(r.value) ?? String(r.value)}'`);
  }
  const alternatives = (t.alsoWhen ?? [])
    .filter((alt) => (alt.require ?? []).every((r) => given(r.value, encoder)))
    .map((alt) => [statusIn([alt.status]), ...(alt.require ?? []).map(requirement)].join(' AND '));
  const conditionExpression = alternatives.length ? [main.join(' AND '), ...alternatives].map((c) => `(${c})`).join(' OR ') : main.join(' AND ');

  return {
    updateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    conditionExpression,
    names,
    values,
  };
}
