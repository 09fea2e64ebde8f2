// Runs executions with aws-local-stepfunctions: every Task state goes to the TaskDispatcher with an
// AbortSignal of its own, the engine's event log becomes the execution's history, and the outcome becomes
// the record's status. Stop, timeout and close abort the work in flight, not only the bookkeeping.
import { ExecutionError, ExecutionTimeoutError, StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { prepareDefinition, readPath, type PreparedDefinition, type TaskStateInfo } from './definition.js';
import type { TaskDispatcher } from './dispatcher.js';
import { applyJsonToString } from './json-to-string.js';
import { TaskAbortedError, TaskFailure } from './errors.js';
import { appendEvent, HistoryRecorder, MAX_HISTORY_EVENTS, restartPoint, type EngineEvent } from './history.js';
import type { ExecutionRecord, ExecutionStatus, ExecutionStore } from './store.js';

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JsonValue = Parameters<LocalHandlers[string]>[0];

export interface RuntimeOptions {
  readonly store: ExecutionStore;
  readonly dispatcher: TaskDispatcher;
  readonly region: string;
  /** Wait state durations in ms: one number for every Wait state, or per state name. @default the definition's */
  readonly waitTimeOverrides?: number | Readonly<Record<string, number>>;
  /** Retry intervals in ms: one number for every state with Retry, or per state name. @default the definition's */
  readonly retryIntervalOverrides?: number | Readonly<Record<string, number | readonly number[]>>;
  readonly log: (message: string, error?: unknown) => void;
  /** Called with each execution that has just ended (as AWS publishes its "Execution Status Change" event). */
  readonly onEnded?: (record: ExecutionRecord) => void;
}

export type RunMode = 'start' | 'redrive' | 'resume';

interface InFlightTask {
  readonly info: TaskStateInfo;
  readonly controller: AbortController;
  timedOut: boolean;
}

interface Run {
  readonly record: ExecutionRecord;
  readonly prepared: PreparedDefinition;
  readonly recorder: HistoryRecorder;
  /** Aborts every Task in flight: StopExecution, execution timeout, end of the execution, close(). */
  readonly controller: AbortController;
  readonly inFlight: InFlightTask[];
  abortEngine: () => void;
}

type Outcome = { readonly ok: true; readonly output: unknown } | { readonly ok: false; readonly error: unknown };

/** The name of the hidden Pass state through which a redrive enters the state it restarts. */
const REDRIVE_ENTRY = 'stask:redrive-entry';

export class ExecutionRuntime {
  private readonly runs = new Map<string, Run>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly prepared = new Map<string, PreparedDefinition>();

  constructor(private readonly options: RuntimeOptions) {}

  /** The definition indexed and patched for the engine (cached by its text). */
  prepare(definition: string): PreparedDefinition {
    let prepared = this.prepared.get(definition);
    if (!prepared) {
      prepared = prepareDefinition(JSON.parse(definition));
      this.prepared.set(definition, prepared);
    }
    return prepared;
  }

  /**
   * Runs the record's definition. `start` runs it from StartAt with the execution's input. `redrive` and
   * `resume` restart at the last top-level state entered (the failed or interrupted one, or the Map/Parallel
   * state around it) with the input that state had; successful states before it are not run again.
   */
  start(record: ExecutionRecord, mode: RunMode): void {
    const prepared = this.prepare(record.definition);
    let definition = prepared.runnable;
    let input = JSON.parse(record.input) as JsonValue;
    const hidden = new Set<string>();
    const point = mode === 'start' ? undefined : restartPoint(record, prepared);
    if (point) {
      if (point.input) {
        // Enter through a Pass state that yields the restarted state's input, so that the execution runs
        // with its original input and `$$.Execution.Input` stays what it was on the first attempt.
        const entry = uniqueName(REDRIVE_ENTRY, prepared);
        hidden.add(entry);
        const states = { ...definition.States, [entry]: { Type: 'Pass', Result: point.input as JsonValue, Next: point.stateName } };
        definition = { ...definition, StartAt: entry, States: states } as StateMachineDefinition;
      } else {
        // The engine's Pass state cannot yield a falsy Result: start at the state itself, with its input.
        definition = { ...definition, StartAt: point.stateName };
        input = point.input as JsonValue;
      }
    }

    const controller = new AbortController();
    const run: Run = {
      record,
      prepared,
      controller,
      inFlight: [],
      abortEngine: () => undefined,
      recorder: new HistoryRecorder(record, prepared, this.options.region, () => this.changed(run), hidden),
    };
    const handlers: LocalHandlers = {};
    for (const info of prepared.tasks.values()) handlers[info.name] = (taskInput) => this.invokeTask(run, info, taskInput);

    // Registered before the engine starts: it calls the first Task's handler synchronously.
    this.runs.set(record.executionArn, run);
    const machineName = record.stateMachineArn.split(':').at(-1) ?? '';
    const execution = new StateMachine(definition, { validationOptions: { noValidate: true } }).run(input, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        waitTimeOverrides: this.perState(this.options.waitTimeOverrides, prepared, (s) => s.type === 'Wait'),
        retryIntervalOverrides: this.perState(this.options.retryIntervalOverrides, prepared, (s) => Array.isArray(s.definition.Retry)) as Record<
          string,
          number | number[]
        >,
      },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: record.executionArn, Name: record.name, RoleArn: record.roleArn, RedriveCount: record.redriveCount },
        StateMachine: { Id: record.stateMachineArn, Name: machineName },
        // The engine's context object is static; a getter makes `$$.State.EnteredTime` the time the state
        // evaluates its parameters, which is when it was entered (the state's name is not known here).
        State: {
          get EnteredTime(): string {
            return new Date().toISOString();
          },
        },
      },
    });
    run.abortEngine = execution.abort;

    const history = this.consume(run, execution.eventLogs);
    void execution.result
      .then(
        (output): Outcome => ({ ok: true, output }),
        (error: unknown): Outcome => ({ ok: false, error }),
      )
      .then(async (outcome) => {
        await history;
        this.finish(run, outcome);
      });
  }

  /** StopExecution: the record is ABORTED at once, the engine and every Task in flight are aborted. */
  stop(record: ExecutionRecord, error: string | undefined, cause: string | undefined): void {
    const run = this.runs.get(record.executionArn);
    this.settle(record, 'ABORTED', 'ExecutionAborted', error, cause);
    run?.controller.abort(new Error('execution stopped'));
    run?.abortEngine();
  }

  /** Resolves when the execution is no longer RUNNING (at once if it is not). */
  waitFor(record: ExecutionRecord): Promise<void> {
    if (record.status !== 'RUNNING') return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.waiters.get(record.executionArn) ?? [];
      list.push(resolve);
      this.waiters.set(record.executionArn, list);
    });
  }

  /**
   * Stops all work as if the process died: Tasks are aborted, records stay RUNNING (a later server over the
   * same data directory fails or resumes them).
   */
  abandonAll(): void {
    const runs = [...this.runs.values()];
    this.runs.clear();
    for (const run of runs) {
      run.controller.abort(new Error('the embedded platform stopped'));
      run.abortEngine();
    }
  }

  private isCurrent(run: Run): boolean {
    return this.runs.get(run.record.executionArn) === run && run.record.status === 'RUNNING';
  }

  private changed(run: Run): void {
    this.options.store.saveExecution(run.record);
    if (run.record.events.length >= MAX_HISTORY_EVENTS - 1 && this.isCurrent(run)) {
      this.settle(run.record, 'FAILED', 'ExecutionFailed', 'States.Runtime', `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`);
      run.controller.abort(new Error('history limit reached'));
      run.abortEngine();
    }
  }

  private async consume(run: Run, events: AsyncGenerator<EngineEvent>): Promise<void> {
    try {
      for await (const event of events) {
        if (!this.isCurrent(run)) continue;
        // The engine timed a Task out (TimeoutSeconds): record it and abort that Task's work.
        if (event.type === 'StateFailed' && event.state.type === 'Task' && event.Error === 'States.Timeout') this.timeOut(run, event.state.name);
        run.recorder.engineEvent(event);
      }
    } catch (error) {
      this.options.log(`event log of ${run.record.executionArn} failed`, error);
    }
  }

  private timeOut(run: Run, stateName: string): void {
    // The oldest invocation of that state: in a Map, iterations share the state and its timeout.
    const task = run.inFlight.find((t) => t.info.name === stateName && !t.timedOut);
    if (!task) return;
    task.timedOut = true;
    run.recorder.taskTimedOut(task.info);
    task.controller.abort(new Error('States.Timeout'));
  }

  private async invokeTask(run: Run, info: TaskStateInfo, resolved: JsonValue): Promise<JsonValue> {
    if (!this.isCurrent(run)) throw new TaskAbortedError();
    const input = applyJsonToString(resolved);
    const task: InFlightTask = { info, controller: new AbortController(), timedOut: false };
    const onRunAbort = (): void => task.controller.abort(run.controller.signal.reason);
    run.controller.signal.addEventListener('abort', onRunAbort, { once: true });
    run.inFlight.push(task);
    try {
      // The engine announces the state before calling its Task; let the event log record TaskStateEntered first.
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.isCurrent(run)) throw new TaskAbortedError();
      run.recorder.taskScheduled(info, input, timeoutOf(info, input));
      run.recorder.taskStarted(info);
      let output: unknown;
      try {
        output = await this.options.dispatcher.dispatch({
          resource: info.resource,
          parameters: input,
          stateName: info.name,
          executionArn: run.record.executionArn,
          signal: task.controller.signal,
        });
      } catch (error) {
        if (task.timedOut || !this.isCurrent(run)) throw new TaskAbortedError();
        const failure = asTaskFailure(error);
        run.recorder.taskFailed(info, failure.name, failure.message);
        throw failure;
      }
      if (task.timedOut || !this.isCurrent(run)) throw new TaskAbortedError();
      const result = (output ?? null) as JsonValue;
      run.recorder.taskSucceeded(info, result);
      return result;
    } finally {
      run.controller.signal.removeEventListener('abort', onRunAbort);
      run.inFlight.splice(run.inFlight.indexOf(task), 1);
    }
  }

  private finish(run: Run, outcome: Outcome): void {
    if (this.runs.get(run.record.executionArn) !== run) return; // abandoned (close) or superseded (redrive)
    this.runs.delete(run.record.executionArn);
    // Work the engine left behind (e.g. Map iterations it stopped waiting for) must stop too.
    run.controller.abort(new Error('execution ended'));
    if (run.record.status !== 'RUNNING') return;
    if (outcome.ok) {
      run.record.output = JSON.stringify(outcome.output ?? null);
      this.settle(run.record, 'SUCCEEDED', 'ExecutionSucceeded');
    } else if (outcome.error instanceof ExecutionTimeoutError) {
      this.settle(run.record, 'TIMED_OUT', 'ExecutionTimedOut', 'States.Timeout', `The execution ran longer than the state machine's TimeoutSeconds (${run.prepared.timeoutSeconds ?? '?'} s)`);
    } else {
      const { error, cause } = describeFailure(outcome.error);
      this.settle(run.record, 'FAILED', 'ExecutionFailed', error, cause);
    }
  }

  /** Puts the record in a closed status with its terminal history event, persists it, wakes the waiters. */
  settle(record: ExecutionRecord, status: Exclude<ExecutionStatus, 'RUNNING'>, eventType: string, error?: string, cause?: string): void {
    record.status = status;
    record.stopDate = Date.now();
    if (error !== undefined) record.error = error;
    if (cause !== undefined) record.cause = cause;
    const details =
      status === 'SUCCEEDED'
        ? { output: record.output, outputDetails: { truncated: false } }
        : { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
    appendEvent(record, eventType, details);
    this.options.store.saveExecution(record);
    const waiters = this.waiters.get(record.executionArn) ?? [];
    this.waiters.delete(record.executionArn);
    waiters.forEach((wake) => wake());
    try {
      this.options.onEnded?.(record);
    } catch (error) {
      this.options.log(`the end of ${record.executionArn} could not be published`, error);
    }
  }

  private perState<T>(
    value: number | Readonly<Record<string, T>> | undefined,
    prepared: PreparedDefinition,
    applies: (state: { type: string; definition: Readonly<Record<string, unknown>> }) => boolean,
  ): Record<string, T | number> | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number') return { ...value };
    return Object.fromEntries([...prepared.states.values()].filter(applies).map((s) => [s.name, value]));
  }
}

function uniqueName(base: string, prepared: PreparedDefinition): string {
  let name = base;
  for (let i = 2; prepared.states.has(name); i++) name = `${base}-${i}`;
  return name;
}

function timeoutOf(info: TaskStateInfo, input: unknown): number | undefined {
  if (info.timeoutSeconds !== undefined) return info.timeoutSeconds;
  if (info.timeoutSecondsPath === undefined) return undefined;
  const value = readPath(info.timeoutSecondsPath, input);
  return typeof value === 'number' ? value : undefined;
}

function asTaskFailure(error: unknown): TaskFailure {
  if (error instanceof TaskFailure) return error;
  if (error instanceof Error) return new TaskFailure(error.name || 'Error', error.message);
  return new TaskFailure('States.TaskFailed', String(error));
}

/** The execution's error and cause from the engine's failure. */
function describeFailure(failure: unknown): { error?: string; cause?: string } {
  const inner = failure instanceof ExecutionError ? failure.cause : failure;
  if (!(inner instanceof Error)) return { error: 'States.Runtime', cause: String(inner) };
  // A Fail state without Error/Cause: the engine fills in defaults that AWS does not have.
  const error = inner.name === 'FailStateError' ? undefined : inner.name;
  const cause = inner.message === 'Execution failed because of a Fail state' ? undefined : inner.message;
  return { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
}
