// The long lane's registry states, generated from the task contract (functions/core/task-contract.json): one
// `DynamoUpdateItem` per transition, its expressions rendered by the same code the TypeScript registry uses
// (functions/core/transition-expression.ts) with JSONPath attribute values, so both lanes write the same record.
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { TaskStatus, TransitionName, ValueExpression } from '../../functions/core/task-contract.js';
import { renderTransition, type ValueEncoder } from '../../functions/core/transition-expression.js';

/** Throttling and server-side errors of the registry writes (never a failed condition). */
export const TRANSIENT_DYNAMODB_ERRORS = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.ThrottlingException',
  'DynamoDB.RequestLimitExceeded',
  'DynamoDB.InternalServerError',
] as const;

/** A failed `ConditionExpression` of the optimized DynamoDB integration. */
export const CONDITION_FAILED = 'DynamoDB.ConditionalCheckFailedException';

/** `$now` of every registry state: when the state was entered (ISO-8601, like the registry's `$now`). */
export const STATE_ENTERED_TIME = '$$.State.EnteredTime';

/**
 * The TTL of a terminal write, in epoch seconds. Step Functions has no epoch clock: the context object's
 * times are ISO strings and intrinsic functions cannot turn one into a number of seconds. So the
 * StepFunctionsInvoker (functions/core/step-functions-invoker.ts), which starts every execution of the lane,
 * puts `expiresAt` = its clock + the contract's retentionDays into the execution input, and the terminal
 * states write that. It counts the retention from the start of the execution instead of its end: a record
 * expires early by the execution's duration (at most the work's timeout and its retries; a redrive keeps the
 * original input, so also the time until the redrive, which AWS allows within 14 days of the execution's end).
 */
export const EXPIRES_AT_PATH = '$$.Execution.Input.expiresAt';

export interface RegistryStateProps {
  readonly stateName: string;
  readonly comment?: string;
  readonly table: dynamodb.ITable;
  /** The contract transition this state executes. */
  readonly transition: TransitionName;
  /** The transition's `$input` values, as JSONPath attribute values (absent ones are left out). */
  readonly inputs: Readonly<Record<string, tasks.DynamoAttributeValue>>;
  /** A subset of the transition's `from`. @default the contract's */
  readonly from?: readonly TaskStatus[];
}

/** Retry of the registry writes and record sends: throttling and server errors only, 1 s, x2, 4 attempts. */
export function bookkeepingRetry(errors: readonly string[]): sfn.RetryProps {
  return { errors: [...errors], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 4, jitterStrategy: sfn.JitterType.FULL };
}

/** One `DynamoUpdateItem` executing a contract transition on the record `$.taskId`; its result is discarded. */
export function registryState(scope: Construct, id: string, props: RegistryStateProps): tasks.DynamoUpdateItem {
  const rendered = renderTransition(props.transition, jsonPathEncoder(props.inputs), props.from ? { from: props.from } : {});
  const state = tasks.DynamoUpdateItem.jsonPath(scope, id, {
    stateName: props.stateName,
    comment: props.comment,
    table: props.table,
    key: { taskId: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.taskId')) },
    updateExpression: rendered.updateExpression,
    conditionExpression: rendered.conditionExpression,
    expressionAttributeNames: rendered.names,
    expressionAttributeValues: rendered.values,
    resultPath: sfn.JsonPath.DISCARD,
  });
  state.addRetry(bookkeepingRetry(TRANSIENT_DYNAMODB_ERRORS));
  return state;
}

/** Contract value expressions as Step Functions DynamoDB attribute values. */
function jsonPathEncoder(inputs: Readonly<Record<string, tasks.DynamoAttributeValue>>): ValueEncoder<tasks.DynamoAttributeValue> {
  const has = (name: string): boolean => Object.hasOwn(inputs, name);
  const encode = (expression: ValueExpression): tasks.DynamoAttributeValue => {
    if (expression === '$now') return tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(STATE_ENTERED_TIME));
    if (typeof expression === 'string' && expression.startsWith('$input.')) {
      const name = expression.slice('$input.'.length);
      const value = inputs[name];
      if (!value) throw new Error(`registry state: the input '${name}' is not given`);
      return value;
    }
    if (typeof expression === 'string') return tasks.DynamoAttributeValue.fromString(expression);
    if (typeof expression === 'number') return tasks.DynamoAttributeValue.fromNumber(expression);
    if (typeof expression === 'boolean') return tasks.DynamoAttributeValue.fromBoolean(expression);
    if (expression === null) return tasks.DynamoAttributeValue.fromNull(true);
    if (Array.isArray(expression)) return tasks.DynamoAttributeValue.fromList(expression.map(encode));
    const members = Object.entries(expression as Record<string, ValueExpression>).filter(([, v]) => {
      const input = typeof v === 'string' && v.startsWith('$input.') ? v.slice('$input.'.length) : undefined;
      return input === undefined || has(input);
    });
    return tasks.DynamoAttributeValue.fromMap(Object.fromEntries(members.map(([k, v]) => [k, encode(v)])));
  };
  return {
    has,
    encode,
    expiresAt: () => tasks.DynamoAttributeValue.numberFromString(sfn.JsonPath.format('{}', sfn.JsonPath.stringAt(EXPIRES_AT_PATH))),
  };
}
