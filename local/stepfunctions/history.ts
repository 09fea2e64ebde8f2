// Execution history in AWS's shape: the engine's event log (StateEntered, StateExited, MapIteration...)
// mapped to GetExecutionHistory's events (TaskStateEntered, MapIterationStarted...), plus the Task and
// execution events this server records itself (TaskScheduled/Started/Succeeded/Failed/TimedOut,
// LambdaFunction*, ExecutionStarted/Succeeded/Failed/Aborted/TimedOut/Redriven).
import type { StateMachine } from 'aws-local-stepfunctions';
import { readPath, type PreparedDefinition, type TaskStateInfo } from './definition.js';
import { parseResource } from './dispatcher.js';
import type { ExecutionRecord, HistoryEventRecord } from './store.js';

/** One event of aws-local-stepfunctions' event log (the package does not export the type by name). */
export type EngineEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** AWS fails an execution whose history reaches this many events. */
export const MAX_HISTORY_EVENTS = 25_000;

const dataDetails = { truncated: false } as const;
const json = (value: unknown): string => JSON.stringify(value ?? null);

export class HistoryRecorder {
  constructor(
    private readonly record: ExecutionRecord,
    private readonly prepared: PreparedDefinition,
    private readonly region: string,
    private readonly onChange: () => void,
    /** State names of the engine's that are not the user's (the redrive entry state). */
    private readonly hidden: ReadonlySet<string> = new Set(),
  ) {}

  add(type: string, details?: Record<string, unknown>, timestamp = Date.now()): void {
    appendEvent(this.record, type, details, timestamp);
    this.onChange();
  }

  /** Maps one engine event; the engine's execution-level events are ignored (this server records those). */
  engineEvent(ev: EngineEvent): void {
    switch (ev.type) {
      case 'StateEntered': {
        if (this.hidden.has(ev.state.name)) return;
        this.add(`${ev.state.type}StateEntered`, { name: ev.state.name, input: json(ev.state.input), inputDetails: dataDetails }, ev.timestamp);
        if (ev.state.type === 'Map') {
          const length = this.mapLength(ev.state.name, ev.state.input);
          this.add('MapStateStarted', length === undefined ? {} : { length }, ev.timestamp);
        }
        if (ev.state.type === 'Parallel') this.add('ParallelStateStarted', undefined, ev.timestamp);
        return;
      }
      case 'StateExited': {
        if (this.hidden.has(ev.state.name)) return;
        if (ev.state.type === 'Map') this.add('MapStateSucceeded', undefined, ev.timestamp);
        if (ev.state.type === 'Parallel') this.add('ParallelStateSucceeded', undefined, ev.timestamp);
        this.add(`${ev.state.type}StateExited`, { name: ev.state.name, output: json(ev.state.output), outputDetails: dataDetails }, ev.timestamp);
        return;
      }
      case 'StateFailed':
        // Task failures are recorded as TaskFailed/TaskTimedOut by the Task layer; Fail states end the execution.
        if (ev.state.type === 'Map') this.add('MapStateFailed', undefined, ev.timestamp);
        if (ev.state.type === 'Parallel') this.add('ParallelStateFailed', undefined, ev.timestamp);
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.add(ev.type, { name: ev.parentState.name, index: ev.index }, ev.timestamp);
        return;
      default:
        return;
    }
  }

  taskScheduled(task: TaskStateInfo, parameters: unknown, timeoutSeconds: number | undefined): void {
    const parsed = parseResource(task.resource);
    const timeout = timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds };
    if (parsed.kind === 'lambda-function') {
      this.add('LambdaFunctionScheduled', { resource: task.resource, input: json(parameters), inputDetails: dataDetails, ...timeout });
      return;
    }
    this.add('TaskScheduled', {
      ...resourceFields(task.resource),
      region: this.region,
      parameters: json(parameters),
      ...timeout,
      ...(task.heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: task.heartbeatSeconds }),
    });
  }

  taskStarted(task: TaskStateInfo): void {
    if (parseResource(task.resource).kind === 'lambda-function') this.add('LambdaFunctionStarted');
    else this.add('TaskStarted', resourceFields(task.resource));
  }

  taskSucceeded(task: TaskStateInfo, output: unknown): void {
    if (parseResource(task.resource).kind === 'lambda-function') this.add('LambdaFunctionSucceeded', { output: json(output), outputDetails: dataDetails });
    else this.add('TaskSucceeded', { ...resourceFields(task.resource), output: json(output), outputDetails: dataDetails });
  }

  taskFailed(task: TaskStateInfo, error: string, cause: string): void {
    if (parseResource(task.resource).kind === 'lambda-function') this.add('LambdaFunctionFailed', { error, cause });
    else this.add('TaskFailed', { ...resourceFields(task.resource), error, cause });
  }

  taskTimedOut(task: TaskStateInfo): void {
    const details = { error: 'States.Timeout', cause: 'The task did not complete within its TimeoutSeconds' };
    if (parseResource(task.resource).kind === 'lambda-function') this.add('LambdaFunctionTimedOut', details);
    else this.add('TaskTimedOut', { ...resourceFields(task.resource), ...details });
  }

  private mapLength(stateName: string, input: unknown): number | undefined {
    const state = this.prepared.states.get(stateName)?.definition;
    if (!state) return undefined;
    let value = input;
    if (typeof state.InputPath === 'string') value = readPath(state.InputPath, value);
    if (typeof state.ItemsPath === 'string') value = readPath(state.ItemsPath, value);
    return Array.isArray(value) ? value.length : undefined;
  }
}

/** Appends an event to the record's history: ids count from 1, each event points at the one before it. */
export function appendEvent(record: ExecutionRecord, type: string, details?: Record<string, unknown>, timestamp = Date.now()): void {
  const previous = record.events.at(-1);
  const event: HistoryEventRecord = { timestamp, type, id: (previous?.id ?? 0) + 1, previousEventId: previous?.id ?? 0 };
  if (details) event[detailsKey(type)] = details;
  record.events.push(event);
}

/** `TaskStateEntered` → `stateEnteredEventDetails`, `MapIterationStarted` → `mapIterationStartedEventDetails`... */
function detailsKey(type: string): string {
  const stateEvent = /^(Task|Pass|Choice|Map|Parallel|Wait|Succeed|Fail)State(Entered|Exited)$/.exec(type);
  if (stateEvent) return `state${stateEvent[2]}EventDetails`;
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

/** TaskScheduled's resourceType/resource: `arn:aws:states:::ecs:runTask.sync` → ecs / runTask.sync. */
function resourceFields(resource: string): { resourceType: string; resource: string } {
  const parsed = parseResource(resource);
  return parsed.kind === 'integration' ? { resourceType: parsed.service, resource: parsed.action } : { resourceType: 'unknown', resource };
}

/**
 * Where a redrive (or a resumed execution) restarts: the last top-level state entered — the state that
 * failed, was running when the execution stopped, or the Map/Parallel state around them — with the input
 * it was entered with. Undefined when no top-level state was entered: start from StartAt.
 */
export function restartPoint(record: ExecutionRecord, prepared: PreparedDefinition): { stateName: string; input: unknown } | undefined {
  for (let i = record.events.length - 1; i >= 0; i--) {
    const details = record.events[i]?.stateEnteredEventDetails as { name?: string; input?: string } | undefined;
    if (details?.name && prepared.topLevel.has(details.name)) {
      return { stateName: details.name, input: JSON.parse(details.input ?? 'null') as unknown };
    }
  }
  return undefined;
}

/** An event as the API returns it: the timestamp in epoch seconds, input/output left out unless asked for. */
export function toApiEvent(event: HistoryEventRecord, includeExecutionData: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event, timestamp: event.timestamp / 1000 };
  if (!includeExecutionData) {
    for (const [key, value] of Object.entries(out)) {
      if (key.endsWith('EventDetails') && value && typeof value === 'object') {
        const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
        out[key] = rest;
      }
    }
  }
  return out;
}
