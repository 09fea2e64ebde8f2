// The Step Functions API's semantics on the embedded platform: state machines, executions, history, redrive,
// with AWS's validations and errors (SfnApiError). The HTTP transport (JSON 1.0) is in server.ts.
import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { SfnApiError } from './errors.js';
import { appendEvent, toApiEvent } from './history.js';
import type { ExecutionRuntime } from './runtime.js';
import type { ExecutionRecord, ExecutionStatus, ExecutionStore, StateMachineRecord } from './store.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** AWS lets a closed execution's name be reused after 90 days. */
const NAME_REUSE_MS = 90 * DAY_MS;
/** AWS redrives executions that closed in the last 14 days, at most 1000 times. */
const REDRIVE_WINDOW_MS = 14 * DAY_MS;
const MAX_REDRIVES = 1000;
const MAX_INPUT_BYTES = 256 * 1024;
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

export type Body = Record<string, unknown>;
type Action = (input: Body) => Body | Promise<Body>;

export interface SfnApiOptions {
  readonly store: ExecutionStore;
  readonly runtime: ExecutionRuntime;
  readonly region: string;
  readonly accountId: string;
}

/** The API actions the embedded Step Functions serves, by name. */
export class SfnApi {
  private readonly store: ExecutionStore;
  private readonly runtime: ExecutionRuntime;
  private readonly region: string;
  private readonly accountId: string;
  private readonly actions: Readonly<Record<string, Action>>;
  private readonly validated = new Set<string>();

  constructor(options: SfnApiOptions) {
    this.store = options.store;
    this.runtime = options.runtime;
    this.region = options.region;
    this.accountId = options.accountId;
    this.actions = {
      CreateStateMachine: (i) => this.createStateMachine(i),
      DescribeStateMachine: (i) => this.describeStateMachine(i),
      ListStateMachines: (i) => this.listStateMachines(i),
      StartExecution: (i) => this.startExecution(i),
      StopExecution: (i) => this.stopExecution(i),
      DescribeExecution: (i) => describeExecution(this.execution(i.executionArn)),
      ListExecutions: (i) => this.listExecutions(i),
      GetExecutionHistory: (i) => this.getExecutionHistory(i),
      RedriveExecution: (i) => this.redriveExecution(i),
    };
  }

  /** Calls an API action (`call('DescribeExecution', { executionArn })`). */
  async call(action: string, input: Body = {}): Promise<Body> {
    const handler = Object.hasOwn(this.actions, action) ? this.actions[action] : undefined;
    if (!handler) throw new SfnApiError('UnknownOperationException', `Operation ${action} is not served by the embedded Step Functions`);
    return handler(input);
  }

  /**
   * Creates or replaces a state machine (the platform registers what the template declares on each start).
   * Throws SfnApiError InvalidName / InvalidDefinition. Returns its ARN.
   */
  registerStateMachine(name: string, definition: string | object, roleArn?: string): string {
    const text = this.validDefinition(typeof definition === 'string' ? definition : JSON.stringify(definition));
    validName(name, 'state machine');
    const stateMachineArn = this.stateMachineArn(name);
    const existing = this.store.machines.get(stateMachineArn);
    this.store.saveMachine({
      stateMachineArn,
      name,
      definition: text,
      roleArn: roleArn ?? existing?.roleArn ?? `arn:aws:iam::${this.accountId}:role/${name}-role`,
      type: 'STANDARD',
      creationDate: existing?.creationDate ?? Date.now(),
    });
    return stateMachineArn;
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  /** Resolves with DescribeExecution's answer once the execution is no longer RUNNING. */
  async waitForExecution(executionArn: string): Promise<Body> {
    const record = this.execution(executionArn);
    await this.runtime.waitFor(record);
    return describeExecution(record);
  }

  // ---- state machines -----------------------------------------------------------------------------

  private validDefinition(text: string): string {
    // asl-validator compiles its JSON schemas on every call (~0.2 s): validate each definition text once.
    if (this.validated.has(text)) return text;
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch {
      throw new SfnApiError('InvalidDefinition', 'Invalid State Machine Definition: not JSON');
    }
    try {
      // The engine's validator (asl-validator): schema, JSONPaths, ARNs.
      new StateMachine(definition as StateMachineDefinition);
    } catch (error) {
      throw new SfnApiError('InvalidDefinition', error instanceof Error ? error.message : String(error));
    }
    this.runtime.prepare(text); // indexes the states; throws InvalidDefinition on what the engine cannot run
    this.validated.add(text);
    return text;
  }

  private createStateMachine(input: Body): Body {
    const name = requiredString(input, 'name');
    const definition = requiredString(input, 'definition');
    const roleArn = requiredString(input, 'roleArn');
    if (input.type !== undefined && input.type !== 'STANDARD' && input.type !== 'EXPRESS') throw new SfnApiError('ValidationException', `type must be STANDARD or EXPRESS`);
    validName(name, 'state machine');
    this.validDefinition(definition);
    const stateMachineArn = this.stateMachineArn(name);
    const existing = this.store.machines.get(stateMachineArn);
    if (existing) {
      // AWS: creating the same machine again is idempotent; a different one under the same name is a conflict.
      if (existing.definition === definition && existing.roleArn === roleArn) return { stateMachineArn, creationDate: existing.creationDate / 1000 };
      throw new SfnApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${stateMachineArn}'`);
    }
    const record: StateMachineRecord = { stateMachineArn, name, definition, roleArn, type: input.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD', creationDate: Date.now() };
    this.store.saveMachine(record);
    return { stateMachineArn, creationDate: record.creationDate / 1000 };
  }

  private machine(arn: unknown): StateMachineRecord {
    if (typeof arn !== 'string' || !/^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(arn)) throw new SfnApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const machine = this.store.machines.get(arn);
    if (!machine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private describeStateMachine(input: Body): Body {
    const m = this.machine(input.stateMachineArn);
    return { stateMachineArn: m.stateMachineArn, name: m.name, status: 'ACTIVE', definition: m.definition, roleArn: m.roleArn, type: m.type, creationDate: m.creationDate / 1000 };
  }

  private listStateMachines(input: Body): Body {
    const all = [...this.store.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
    const { page, nextToken } = paginate(all, input, (m) => m.name, (m, key) => m.name > key);
    return {
      stateMachines: page.map((m) => ({ stateMachineArn: m.stateMachineArn, name: m.name, type: m.type, creationDate: m.creationDate / 1000 })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  // ---- executions ---------------------------------------------------------------------------------

  private execution(arn: unknown): ExecutionRecord {
    if (typeof arn !== 'string' || !/^arn:[^:]+:states:[^:]*:[^:]*:execution:[^:]+:[^:]+$/.test(arn)) throw new SfnApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const record = this.store.executions.get(arn);
    if (!record) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  private startExecution(body: Body): Body {
    const machine = this.machine(body.stateMachineArn);
    const name = body.name === undefined ? randomUUID() : body.name;
    validName(name, 'execution');
    const input = body.input === undefined ? '{}' : body.input;
    if (typeof input !== 'string') throw new SfnApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: input must be a JSON string');
    if (Buffer.byteLength(input) > MAX_INPUT_BYTES) throw new SfnApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: larger than ${MAX_INPUT_BYTES} bytes`);
    try {
      JSON.parse(input);
    } catch {
      throw new SfnApiError('InvalidExecutionInput', "Invalid State Machine Execution Input: 'input' is not valid JSON");
    }
    const executionArn = `arn:aws:states:${this.region}:${this.accountId}:execution:${machine.name}:${name}`;
    const existing = this.store.executions.get(executionArn);
    if (existing) {
      // AWS (Standard): same name and input while RUNNING → the same execution; otherwise the name is taken
      // until 90 days after the execution closed.
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: existing.startDate / 1000 };
      const reusable = existing.status !== 'RUNNING' && existing.stopDate !== undefined && Date.now() - existing.stopDate > NAME_REUSE_MS;
      if (!reusable) throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: Date.now(),
      input,
      redriveCount: 0,
      definition: machine.definition,
      roleArn: machine.roleArn,
      seq: this.store.nextSeq(),
      events: [],
    };
    appendEvent(record, 'ExecutionStarted', { input, inputDetails: { truncated: false }, roleArn: machine.roleArn });
    this.store.saveExecution(record);
    this.runtime.start(record, 'start');
    return { executionArn, startDate: record.startDate / 1000 };
  }

  private stopExecution(body: Body): Body {
    const record = this.execution(body.executionArn);
    const error = optionalString(body, 'error');
    const cause = optionalString(body, 'cause');
    // Stopping a closed execution changes nothing.
    if (record.status === 'RUNNING') this.runtime.stop(record, error, cause);
    return { stopDate: (record.stopDate ?? Date.now()) / 1000 };
  }

  private listExecutions(body: Body): Body {
    const machine = this.machine(body.stateMachineArn);
    const statusFilter = body.statusFilter;
    if (statusFilter !== undefined && !STATUSES.includes(statusFilter as ExecutionStatus)) throw new SfnApiError('ValidationException', `statusFilter must be one of ${STATUSES.join(', ')}`);
    const redriveFilter = body.redriveFilter;
    if (redriveFilter !== undefined && redriveFilter !== 'REDRIVEN' && redriveFilter !== 'NOT_REDRIVEN') throw new SfnApiError('ValidationException', 'redriveFilter must be REDRIVEN or NOT_REDRIVEN');
    const all = this.store.listExecutions({
      stateMachineArn: machine.stateMachineArn,
      ...(statusFilter === undefined ? {} : { statusFilter: statusFilter as ExecutionStatus }),
      ...(redriveFilter === undefined ? {} : { redriveFilter }),
    });
    const { page, nextToken } = paginate(
      all,
      body,
      (e) => `${e.startDate}.${e.seq}`,
      (e, key) => {
        const [date, seq] = key.split('.').map(Number) as [number, number];
        return e.startDate < date || (e.startDate === date && e.seq < seq);
      },
    );
    return {
      executions: page.map(executionSummary),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  private getExecutionHistory(body: Body): Body {
    const record = this.execution(body.executionArn);
    const reverse = body.reverseOrder === true;
    const events = reverse ? [...record.events].reverse() : record.events;
    const { page, nextToken } = paginate(
      events,
      body,
      (e) => String(e.id),
      (e, key) => (reverse ? e.id < Number(key) : e.id > Number(key)),
    );
    const includeData = body.includeExecutionData !== false;
    return { events: page.map((e) => toApiEvent(e, includeData)), ...(nextToken ? { nextToken } : {}) };
  }

  private redriveExecution(body: Body): Body {
    const record = this.execution(body.executionArn);
    const reason = notRedrivableReason(record);
    if (reason) throw new SfnApiError('ExecutionNotRedrivable', `${reason}: '${record.executionArn}'`);
    const now = Date.now();
    record.status = 'RUNNING';
    record.redriveCount += 1;
    record.redriveDate = now;
    delete record.stopDate;
    delete record.output;
    delete record.error;
    delete record.cause;
    appendEvent(record, 'ExecutionRedriven', { redriveCount: record.redriveCount });
    this.store.saveExecution(record);
    this.runtime.start(record, 'redrive');
    return { redriveDate: now / 1000 };
  }
}

function executionSummary(e: ExecutionRecord): Body {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate / 1000,
    ...(e.stopDate === undefined ? {} : { stopDate: e.stopDate / 1000 }),
    redriveCount: e.redriveCount,
    ...(e.redriveDate === undefined ? {} : { redriveDate: e.redriveDate / 1000 }),
  };
}

function describeExecution(e: ExecutionRecord): Body {
  const reason = notRedrivableReason(e);
  return {
    ...executionSummary(e),
    input: e.input,
    inputDetails: { included: true },
    ...(e.output === undefined ? {} : { output: e.output, outputDetails: { included: true } }),
    ...(e.error === undefined ? {} : { error: e.error }),
    ...(e.cause === undefined ? {} : { cause: e.cause }),
    redriveStatus: reason ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
    ...(reason ? { redriveStatusReason: reason } : {}),
  };
}

function notRedrivableReason(e: ExecutionRecord): string | undefined {
  if (e.status === 'RUNNING' || e.status === 'SUCCEEDED') return `Execution is ${e.status} and cannot be redriven`;
  if (e.stopDate !== undefined && Date.now() - e.stopDate > REDRIVE_WINDOW_MS) return 'Execution closed more than 14 days ago and cannot be redriven';
  if (e.redriveCount >= MAX_REDRIVES) return `Execution was redriven ${MAX_REDRIVES} times and cannot be redriven again`;
  return undefined;
}

/**
 * AWS's name rule for state machines and executions: 1–80 characters, none of whitespace, brackets
 * `< > { } [ ]`, wildcards `? *`, `" # % \ ^ | ~ \` $ & , ; : /`, or control characters.
 */
function validName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || !/^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u.test(name)) {
    throw new SfnApiError('InvalidName', `Invalid Name: '${String(name)}' is not a valid ${what} name (1-80 characters, no whitespace, brackets, wildcards, control characters or "#%\\^|~\`$&,;:/)`);
  }
}

function requiredString(input: Body, key: string): string {
  const value = input[key];
  if (typeof value !== 'string' || value === '') throw new SfnApiError('ValidationException', `${key} is required`);
  return value;
}

function optionalString(input: Body, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SfnApiError('ValidationException', `${key} must be a string`);
  return value;
}

/**
 * One page of `items` (already in order) after the item `nextToken` names. Tokens are opaque to callers:
 * base64url of the last returned item's key, so pages stay stable while executions start.
 */
function paginate<T>(items: readonly T[], input: Body, keyOf: (item: T) => string, isAfter: (item: T, key: string) => boolean): { page: T[]; nextToken?: string } {
  const max = input.maxResults === undefined || input.maxResults === 0 ? 100 : input.maxResults;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > 1000) throw new SfnApiError('ValidationException', 'maxResults must be an integer from 0 to 1000');
  let rest = items;
  if (input.nextToken !== undefined && input.nextToken !== null) {
    if (typeof input.nextToken !== 'string') throw new SfnApiError('InvalidToken', 'Invalid Token');
    const key = Buffer.from(input.nextToken, 'base64url').toString('utf8');
    if (!key) throw new SfnApiError('InvalidToken', `Invalid Token: '${input.nextToken}'`);
    rest = items.filter((item) => isAfter(item, key));
  }
  const page = rest.slice(0, max);
  const last = page.at(-1);
  return rest.length > max && last !== undefined ? { page, nextToken: Buffer.from(keyOf(last)).toString('base64url') } : { page };
}
