// Links from a task to the AWS console (a --stack target only): its Step Functions execution and its log group.
import type { TaskRecord } from '../../../functions/core/task-record.js';
import type { TaskFunctions } from '../target.js';

export interface AwsLinks {
  readonly execution?: string;
  readonly logGroup?: string;
}

/** The AWS console encodes a log group's name in its URL fragment with `$25` for `%`. */
function consoleFragment(value: string): string {
  return encodeURIComponent(encodeURIComponent(value)).replaceAll('%', '$');
}

export function awsLinksOf(task: TaskRecord, tasks: TaskFunctions, region: string): AwsLinks {
  const base = `https://${region}.console.aws.amazon.com`;
  const fn = tasks[task.function];
  const execution =
    fn?.kind === 'stepfunctions' && task.executionRef?.startsWith('arn:')
      ? `${base}/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(task.executionRef)}`
      : undefined;
  const logGroup = fn?.logGroupName
    ? `${base}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${consoleFragment(fn.logGroupName)}`
    : undefined;
  return { ...(execution ? { execution } : {}), ...(logGroup ? { logGroup } : {}) };
}
