// The long lane's reason of a stopped container: `ecs:runTask.sync` fails with States.TaskFailed and, as Cause,
// the whole stopped task (DescribeTasks JSON, every override and so the payload included: 1-2 KB). These states,
// between `Run the work`'s Catch and `Mark task FAILED`, make it the short reason the record and the failure
// destination record carry. The same ASL runs on the embedded platform, whose ECS runner reports a stopped task
// in AWS's shape (local/stepfunctions/dispatcher.ts), so both say the same.
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/** State names (part of LONG_TASK_STATES: users read them in the console and the history). Never rename them. */
export const STOPPED_TASK_STATES = {
  isStoppedContainer: 'Is it a stopped container',
  readStoppedTask: 'Read the stopped task',
  whatStoppedIt: 'What stopped it',
  containerKilled: 'Container killed',
  containerExited: 'Container exited',
  taskStopped: 'Task stopped',
} as const;

/**
 * `$.error` of a stopped ECS task → `{ Error, Cause }` with a short Cause: the container's name and exit code
 * and ECS's stoppedReason ("container transcoder was killed (exit code 137: SIGKILL or out of memory): ...").
 * States.TaskFailed of other work (a Lambda's error JSON, a free-text cause) goes on unchanged, and so does a
 * cause without the fields read here: `States.StringToJson` runs only on a Cause that looks like a stopped task,
 * and every path the Format reads is checked first (a missing path would be an uncatchable States.Runtime).
 */
export function stoppedContainerReason(scope: Construct, next: sfn.IChainable): sfn.IChainable {
  const task = '$.error.stoppedTask.value';
  const container = `${task}.Containers[0]`;
  const summary = (id: string, stateName: string, format: string, ...paths: string[]) =>
    sfn.Pass.jsonPath(scope, id, {
      stateName,
      parameters: { Error: sfn.JsonPath.stringAt('$.error.Error'), Cause: sfn.JsonPath.format(format, ...paths.map((p) => sfn.JsonPath.stringAt(p))) },
      resultPath: '$.error',
    }).next(next);
  const read = sfn.Pass.jsonPath(scope, 'ReadStoppedTask', {
    stateName: STOPPED_TASK_STATES.readStoppedTask,
    parameters: { value: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.error.Cause')) },
    resultPath: '$.error.stoppedTask',
  });
  const has = (path: string) => sfn.Condition.isPresent(path);
  const exited = sfn.Condition.and(has(`${container}.Name`), has(`${container}.ExitCode`), sfn.Condition.isNumeric(`${container}.ExitCode`), has(`${task}.StoppedReason`));
  const whatStoppedIt = new sfn.Choice(scope, 'WhatStoppedIt', { stateName: STOPPED_TASK_STATES.whatStoppedIt })
    .when(
      sfn.Condition.and(exited, sfn.Condition.numberEquals(`${container}.ExitCode`, 137)),
      summary('ContainerKilled', STOPPED_TASK_STATES.containerKilled, 'container {} was killed (exit code {}: SIGKILL or out of memory): {}', `${container}.Name`, `${container}.ExitCode`, `${task}.StoppedReason`),
    )
    .when(exited, summary('ContainerExited', STOPPED_TASK_STATES.containerExited, 'container {} exited with code {}: {}', `${container}.Name`, `${container}.ExitCode`, `${task}.StoppedReason`))
    .when(has(`${task}.StoppedReason`), summary('TaskStopped', STOPPED_TASK_STATES.taskStopped, 'ECS task stopped: {}', `${task}.StoppedReason`))
    .otherwise(next);
  return new sfn.Choice(scope, 'IsStoppedContainer', { stateName: STOPPED_TASK_STATES.isStoppedContainer })
    .when(sfn.Condition.stringMatches('$.error.Cause', '{*"Containers":*'), read.next(whatStoppedIt))
    .otherwise(next);
}
