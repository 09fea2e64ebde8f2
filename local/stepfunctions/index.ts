// The embedded Step Functions: the SFN API on loopback, executions run by aws-local-stepfunctions,
// Task states dispatched to Lambda, SQS, DynamoDB and ECS by their Resource, records in the data directory.
//
// Known differences from AWS Step Functions:
// - RedriveExecution restarts at the last *top-level* state entered (the failed one, or the Map/Parallel
//   state around it) with that state's recorded input; a Map or Parallel state is rerun whole, where AWS
//   reruns only its failed iterations/branches. `$$.Execution.Input` keeps the original input, but
//   `$$.Execution.StartTime` is the time of the redrive.
// - Executions RUNNING when the process stopped are failed on restart (States.Runtime, INTERRUPTED_CAUSE),
//   or, with `resumeRunning`, restarted like a redrive (without counting one); AWS never loses them.
// - Every state machine behaves as STANDARD (EXPRESS is accepted and recorded, not emulated).
// - JSONPath only (the engine has no JSONata); no `.waitForTaskToken`, activities, SendTask* APIs, or
//   Distributed Map (ItemReader/ResultWriter); HeartbeatSeconds is recorded, not enforced.
// - Timers are capped at 2^31-1 ms (~24.8 days): longer Task/execution TimeoutSeconds are shortened, and
//   Wait states longer than that end early (the engine's timer overflows).
// - When a Map iteration fails and the Map's Catch handles it, iterations still running keep running until
//   the execution ends (AWS aborts them at once).
// - History: events are AWS's types and detail shapes; previousEventId is simply the event before, and
//   there is no TaskSubmitted (ECS), MapIterationAborted or *StateAborted event.
export { LocalStepFunctions, INTERRUPTED_CAUSE, type LocalStepFunctionsOptions } from './server.js';
export {
  createDefaultDispatcher,
  lambdaFunctionName,
  parseResource,
  SUPPORTED_INTEGRATIONS,
  type DefaultDispatcherDeps,
  type EcsContainerOverride,
  type EcsRunTaskParams,
  type EcsTaskOutcome,
  type EcsTaskRunner,
  type InvokeLambda,
  type TaskDispatcher,
  type TaskRequest,
} from './dispatcher.js';
export { SfnApiError, TaskFailure, UncatchableTaskError } from './errors.js';
export type { ExecutionRecord, ExecutionStatus, HistoryEventRecord } from './store.js';
