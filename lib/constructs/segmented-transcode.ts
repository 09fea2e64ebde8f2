// Segmented mode of the transcode task: plan → read the plan → one segment? → transcode the segments in
// parallel (one Fargate task each) → join them, as the single branch of the long task's `Run the work`.
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { DEFAULTS, ENV } from '../../functions/core/facts.js';
import { fargateRunTask, TRANSIENT_DYNAMODB_ERRORS } from './long-task.js';
import type { FargateWork } from './long-task.js';

export interface SegmentedTranscodeProps {
  /**
   * Inputs shorter than this are transcoded in one pass by the plan step (`SEGMENT_MIN_DURATION_SECONDS`).
   *
   * @default DEFAULTS.segmentMinDurationSeconds (600)
   */
  readonly minDurationSeconds?: number;
  /**
   * How many segments the plan step aims for (`SEGMENT_COUNT`), 1-100.
   *
   * @default DEFAULTS.segmentCount (4)
   */
  readonly segments?: number;
  /**
   * At most this many segment tasks run at once (the Map state's MaxConcurrency), 1-40.
   *
   * @default - `segments`
   */
  readonly maxConcurrency?: number;
}

/** The segment sizes of a TranscodeTask, validated (they reach the container in both modes). */
export interface SegmentSizes {
  readonly segments: number;
  readonly minDurationSeconds: number;
  readonly maxConcurrency: number;
}

export function segmentSizes(props: SegmentedTranscodeProps | undefined): SegmentSizes {
  const segments = props?.segments ?? DEFAULTS.segmentCount;
  if (!Number.isInteger(segments) || segments < 1 || segments > 100) {
    throw new Error(`TranscodeTask: segmented.segments must be an integer from 1 to 100, got ${segments}`);
  }
  const minDurationSeconds = props?.minDurationSeconds ?? DEFAULTS.segmentMinDurationSeconds;
  if (!Number.isInteger(minDurationSeconds) || minDurationSeconds < 0) {
    throw new Error(`TranscodeTask: segmented.minDurationSeconds must be a whole number of seconds >= 0, got ${minDurationSeconds}`);
  }
  const maxConcurrency = props?.maxConcurrency ?? segments;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 40) {
    throw new Error(`TranscodeTask: segmented.maxConcurrency must be an integer from 1 to 40, got ${maxConcurrency}`);
  }
  return { segments, minDurationSeconds, maxConcurrency };
}

/** State names of segmented mode (inside `Run the work`). Never rename them. */
export const SEGMENTED_STATES = {
  plan: 'Plan the segments',
  readPlan: 'Read the plan',
  oneSegment: 'One segment?',
  onePass: 'Transcoded in one pass',
  noPlan: 'No segment plan',
  listSegments: 'List the segments',
  segments: 'Transcode segments',
  segment: 'Transcode one segment',
  join: 'Join the segments',
} as const;

/**
 * Plan the segments (WORKER_MODE=plan: probes the input, transcodes it in one pass when it is shorter than
 * SEGMENT_MIN_DURATION_SECONDS, else splits it and records `plan.segmentCount` on the task) → Read the plan
 * (GetItem, consistent) → One segment? → done, or Transcode segments (Map over 0..count-1, one Fargate
 * task each with WORKER_MODE=segment and SEGMENT_INDEX) → Join the segments (WORKER_MODE=join).
 */
export function segmentedWork(
scope: Construct,
options: {
  taskName: string;
  table: dynamodb.ITable;
  fargate: FargateWork;
  timeout: Duration;
  maxConcurrency: number;
},
): sfn.IChainable {
  const run = (id: string, stateName: string, mode: string, extra: tasks.TaskEnvironmentVariable[] = []) =>
    fargateRunTask(scope, id, {
      stateName,
      taskName: options.taskName,
      table: options.table,
      work: options.fargate,
      timeout: options.timeout,
      environment: [{ name: ENV.workerMode, value: mode }, ...extra],
    });
  const planCount = '$.plan.Item.plan.M.segmentCount.N';

  const plan = run('PlanSegments', SEGMENTED_STATES.plan, 'plan');
  const readPlan = tasks.DynamoGetItem.jsonPath(scope, 'ReadPlan', {
    stateName: SEGMENTED_STATES.readPlan,
    table: options.table,
    key: { taskId: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.taskId')) },
    consistentRead: true,
    // `plan` is a DynamoDB reserved word: it must go through an expression attribute name.
    projectionExpression: [new tasks.DynamoProjectionExpression().withAttribute('#plan')],
    expressionAttributeNames: { '#plan': 'plan' },
    resultPath: '$.plan',
  });
  readPlan.addRetry({
    errors: [...TRANSIENT_DYNAMODB_ERRORS],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 4,
    jitterStrategy: sfn.JitterType.FULL,
  });
  const noPlan = sfn.Fail.jsonPath(scope, 'NoPlan', {
    stateName: SEGMENTED_STATES.noPlan,
    error: 'SegmentPlanMissing',
    cause: 'The plan step ended without recording plan.segmentCount on the task.',
  });
  const onePass = sfn.Succeed.jsonPath(scope, 'OnePass', { stateName: SEGMENTED_STATES.onePass });
  const listSegments = sfn.Pass.jsonPath(scope, 'ListSegments', {
    stateName: SEGMENTED_STATES.listSegments,
    parameters: {
      'indices.$': `States.ArrayRange(0, States.MathAdd(States.StringToJson(${planCount}), -1), 1)`,
    },
    resultPath: '$.segments',
  });
  const segment = run('TranscodeSegment', SEGMENTED_STATES.segment, 'segment', [
    { name: ENV.segmentIndex, value: sfn.JsonPath.format('{}', sfn.JsonPath.stringAt('$.segmentIndex')) },
  ]);
  const segments = sfn.Map.jsonPath(scope, 'TranscodeSegments', {
    stateName: SEGMENTED_STATES.segments,
    itemsPath: '$.segments.indices',
    itemSelector: {
      taskId: sfn.JsonPath.stringAt('$.taskId'),
      task: sfn.JsonPath.stringAt('$.task'),
      payload: sfn.JsonPath.objectAt('$.payload'),
      segmentIndex: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
    },
    maxConcurrency: options.maxConcurrency,
    resultPath: sfn.JsonPath.DISCARD,
  }).itemProcessor(segment);
  const join = run('JoinSegments', SEGMENTED_STATES.join, 'join');

  return plan.next(readPlan).next(
    sfn.Choice.jsonPath(scope, 'OneSegment', { stateName: SEGMENTED_STATES.oneSegment })
      .when(sfn.Condition.isNotPresent(planCount), noPlan)
      .when(sfn.Condition.stringEquals(planCount, '1'), onePass)
      .otherwise(listSegments.next(segments).next(join)),
  );
}
