// What the embedded Step Functions needs to know about a definition before running it with
// aws-local-stepfunctions: every Task state (the engine overrides Tasks by state name), the top-level
// states (where a redrive restarts), and a copy patched where the engine departs from AWS.
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { SfnApiError } from './errors.js';
import { rewriteJsonToString } from './json-to-string.js';

/**
 * The longest timer Node keeps (2^31-1 ms, ~24.8 days). AWS's default Task timeout is 99999999 s; the
 * engine's is 60 s, and a longer TimeoutSeconds would overflow its timer and fire at once.
 */
export const MAX_TIMER_SECONDS = 2_147_483;

export interface TaskStateInfo {
  readonly name: string;
  readonly resource: string;
  /** As written in the definition. */
  readonly timeoutSeconds?: number;
  readonly timeoutSecondsPath?: string;
  readonly heartbeatSeconds?: number;
}

export interface StateInfo {
  readonly name: string;
  readonly type: string;
  readonly definition: Readonly<Record<string, unknown>>;
}

export interface PreparedDefinition {
  /** The definition the engine runs (Task timeouts patched). */
  readonly runnable: StateMachineDefinition;
  readonly startAt: string;
  /** Every state, nested ones (Map, Parallel) included: AWS requires names unique in the whole machine. */
  readonly states: ReadonlyMap<string, StateInfo>;
  readonly tasks: ReadonlyMap<string, TaskStateInfo>;
  readonly topLevel: ReadonlySet<string>;
  readonly timeoutSeconds?: number;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Throws SfnApiError InvalidDefinition when the definition is not a state machine this server can index. */
export function prepareDefinition(definition: unknown): PreparedDefinition {
  if (!isObject(definition) || !isObject(definition.States) || typeof definition.StartAt !== 'string') {
    throw new SfnApiError('InvalidDefinition', 'Invalid State Machine Definition: a definition needs StartAt and States');
  }
  if (definition.QueryLanguage === 'JSONata') {
    throw new SfnApiError('InvalidDefinition', 'Invalid State Machine Definition: JSONata is not supported by the embedded engine; use JSONPath');
  }
  const runnable = structuredClone(definition);
  const states = new Map<string, StateInfo>();
  const tasks = new Map<string, TaskStateInfo>();

  const walk = (machine: Json, where: string): void => {
    if (!isObject(machine.States)) throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: ${where} has no States`);
    for (const [name, raw] of Object.entries(machine.States)) {
      if (!isObject(raw) || typeof raw.Type !== 'string') throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: state ${name} has no Type`);
      if (states.has(name)) throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: duplicate state name ${name}`);
      states.set(name, { name, type: raw.Type, definition: structuredClone(raw) });
      if (raw.Type === 'Task') {
        if (typeof raw.Resource !== 'string') throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: Task ${name} has no Resource`);
        tasks.set(name, {
          name,
          resource: raw.Resource,
          ...(typeof raw.TimeoutSeconds === 'number' ? { timeoutSeconds: raw.TimeoutSeconds } : {}),
          ...(typeof raw.TimeoutSecondsPath === 'string' ? { timeoutSecondsPath: raw.TimeoutSecondsPath } : {}),
          ...(typeof raw.HeartbeatSeconds === 'number' ? { heartbeatSeconds: raw.HeartbeatSeconds } : {}),
        });
        // The engine times Tasks out after 60 s by default (AWS: 99999999 s) and overflows above MAX_TIMER_SECONDS.
        // The engine drops a level of escaping in States.JsonToString: see json-to-string.ts.
        if (isObject(raw.Parameters)) raw.Parameters = rewriteJsonToString(raw.Parameters);
        if (raw.TimeoutSecondsPath === undefined) raw.TimeoutSeconds = Math.min(typeof raw.TimeoutSeconds === 'number' ? raw.TimeoutSeconds : MAX_TIMER_SECONDS, MAX_TIMER_SECONDS);
      }
      if (raw.Type === 'Map') {
        const processor = raw.ItemProcessor ?? raw.Iterator;
        if (!isObject(processor)) throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: Map ${name} has no ItemProcessor`);
        walk(processor, `Map ${name}`);
      }
      if (raw.Type === 'Parallel') {
        if (!Array.isArray(raw.Branches)) throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: Parallel ${name} has no Branches`);
        raw.Branches.forEach((branch: unknown, i) => walk(isObject(branch) ? branch : {}, `Parallel ${name} branch ${i}`));
      }
    }
  };
  walk(runnable, 'the state machine');
  if (!Object.hasOwn(runnable.States as Json, definition.StartAt)) {
    throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: StartAt ${definition.StartAt} is not a state`);
  }
  if (typeof runnable.TimeoutSeconds === 'number') runnable.TimeoutSeconds = Math.min(runnable.TimeoutSeconds, MAX_TIMER_SECONDS);
  return {
    runnable: runnable as unknown as StateMachineDefinition,
    startAt: definition.StartAt,
    states,
    tasks,
    topLevel: new Set(Object.keys(definition.States)),
    ...(typeof definition.TimeoutSeconds === 'number' ? { timeoutSeconds: definition.TimeoutSeconds } : {}),
  };
}

/** Reads a reference path (`$`, `$.a.b`, `$.a[0]`, `$['a']`) from a JSON value; undefined when it does not resolve. */
export function readPath(path: string, value: unknown): unknown {
  if (!path.startsWith('$') || path.startsWith('$$')) return undefined;
  const steps = [...path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]|\['([^']+)'\]/g)];
  if (steps.map((m) => m[0]).join('') !== path.slice(1)) return undefined;
  let current = value;
  for (const m of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = m[2] !== undefined ? Number(m[2]) : (m[1] ?? m[3] ?? '');
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
