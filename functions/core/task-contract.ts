// The task contract (docs/task-contract.md): every status change of a task, in every lane and language, is
// one transition of functions/core/task-contract.json. This module exports that file typed and checked; it
// imports neither CDK nor an SDK, so the registry, the CDK code and the tests share it.
import contractJson from './task-contract.json' with { type: 'json' };

/**
 * The statuses, as a TypeScript type. TypeScript cannot infer literal types from a JSON file, so the type
 * mirrors `statuses` of task-contract.json; `checkContract` (run when this module loads) fails unless the
 * two are the same list, in the same order.
 */
const STATUS_TYPE = { QUEUED: 0, RUNNING: 1, RETRYING: 2, SUCCEEDED: 3, FAILED: 4, STOPPING: 5, STOPPED: 6, EXPIRED: 7 } as const;
export type TaskStatus = keyof typeof STATUS_TYPE;

/** `"$now"`, `"$input.<name>"`, or a literal (objects and arrays may hold expressions at any depth). */
export type ValueExpression = string | number | boolean | null | readonly ValueExpression[] | { readonly [key: string]: ValueExpression };

export type ConditionOp = 'eq' | 'ne' | 'lt' | 'exists' | 'absent' | 'absentOrLt';

export interface Requirement {
  readonly attr: string;
  readonly op: ConditionOp;
  readonly value?: ValueExpression;
  /** When its `$input` is absent the requirement is not checked (else an absent input is an error). */
  readonly optional?: boolean;
}

export interface Alternative {
  readonly status: TaskStatus;
  /** An alternative whose `$input` values are absent is left out of the condition. */
  readonly require?: readonly Requirement[];
}

export interface Transition {
  readonly to: TaskStatus;
  readonly from: readonly TaskStatus[];
  readonly require?: readonly Requirement[];
  readonly alsoWhen?: readonly Alternative[];
  readonly set?: Readonly<Record<string, ValueExpression>>;
  /** attr = if_not_exists(attr, value): keeps what the record already says (a worker's precise error). */
  readonly setIfAbsent?: Readonly<Record<string, ValueExpression>>;
  readonly increment?: readonly string[];
  readonly append?: Readonly<Record<string, ValueExpression>>;
  readonly remove?: readonly string[];
  readonly event?: { readonly detail?: ValueExpression };
  readonly refreshTtl?: boolean;
}

/** The transitions' names: the keys of `transitions` in task-contract.json (TypeScript infers object keys). */
export type TransitionName = keyof typeof contractJson.transitions;
export const TRANSITION_NAMES = Object.keys(contractJson.transitions) as TransitionName[];

export interface TaskContract {
  readonly version: 1;
  readonly statuses: readonly TaskStatus[];
  readonly terminal: readonly TaskStatus[];
  readonly retentionDays: number;
  readonly transitions: Readonly<Record<TransitionName, Transition>>;
}

export const TASK_CONTRACT: TaskContract = checkContract(contractJson as unknown as TaskContract);

export const TASK_STATUSES: readonly TaskStatus[] = TASK_CONTRACT.statuses;
export const TERMINAL_STATUSES: readonly TaskStatus[] = TASK_CONTRACT.terminal;

/** The TTL attribute's value for a record whose retention starts at `at`: epoch seconds. */
export function expiresAtOf(at: Date, retentionDays: number = TASK_CONTRACT.retentionDays): number {
  return Math.floor(at.getTime() / 1000) + retentionDays * 24 * 3600;
}

/** The input names a transition reads (`$input.<name>` anywhere in it). */
export function inputsOf(transition: Transition): string[] {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string' && value.startsWith('$input.')) names.add(value.slice('$input.'.length));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(transition);
  return [...names];
}

/** Fails at load when the file does not describe a contract this code can execute. */
export function checkContract(contract: TaskContract): TaskContract {
  const problems: string[] = [];
  const known = Object.keys(STATUS_TYPE);
  if (contract.version !== 1) problems.push(`version ${String(contract.version)} is not 1`);
  if (JSON.stringify(contract.statuses) !== JSON.stringify(known)) problems.push(`statuses must be ${known.join(', ')}`);
  const isStatus = (s: unknown): boolean => typeof s === 'string' && known.includes(s);
  if (!contract.terminal.every(isStatus)) problems.push('terminal lists an unknown status');
  if (!(contract.retentionDays > 0)) problems.push('retentionDays must be positive');
  for (const name of TRANSITION_NAMES) {
    const t = contract.transitions[name] as Transition | undefined;
    if (!t) {
      problems.push(`transition '${name}' is missing`);
      continue;
    }
    if (!isStatus(t.to)) problems.push(`${name}: unknown status '${t.to}'`);
    if (!t.from.length || !t.from.every(isStatus)) problems.push(`${name}: from must list known statuses`);
    if (!(t.alsoWhen ?? []).every((a) => isStatus(a.status))) problems.push(`${name}: alsoWhen names an unknown status`);
    const ops: readonly ConditionOp[] = ['eq', 'ne', 'lt', 'exists', 'absent', 'absentOrLt'];
    for (const r of [...(t.require ?? []), ...(t.alsoWhen ?? []).flatMap((a) => a.require ?? [])]) {
      if (!ops.includes(r.op)) problems.push(`${name}: unknown op '${r.op}'`);
    }
  }
  if (problems.length) throw new Error(`task-contract.json is not a valid task contract: ${problems.join('; ')}`);
  return contract;
}
