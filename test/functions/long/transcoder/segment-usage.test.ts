// A segmented transcode's usage: the worker reads one task's size and the Map's concurrency from its
// container environment (TranscodeTask sets them), and the plan records what its segments use.
import { describe, expect, it } from 'vitest';
import { MissingConfigurationError } from '../../../../functions/core/errors.js';
import { segmentedUsage, type TaskUsage } from '../../../../functions/core/usage.js';
import { readConfig } from '../../../../functions/long/transcoder/config.js';

const base = { TASK_ID: 't1', EXECUTION_REF: 'arn', TASK_TABLE_NAME: 'tasks' };
const onePass: TaskUsage = { compute: 'fargate', memoryMb: 16_384, vcpu: 4, ephemeralStorageGb: 100, stateTransitions: 9 };

describe('segment usage', () => {
  it('is read from TASK_USAGE and SEGMENT_MAX_CONCURRENCY, and absent without them', () => {
    expect(readConfig({ ...base, TASK_USAGE: JSON.stringify(onePass), SEGMENT_MAX_CONCURRENCY: '3' }).segmentUsage).toEqual({ onePass, maxConcurrency: 3 });
    expect(readConfig(base).segmentUsage).toBeUndefined();
  });

  it.each(['{not json', '{"compute":"lambda","memoryMb":1,"vcpu":1,"stateTransitions":0}', 'null'])('refuses TASK_USAGE %s, naming it', (raw) => {
    const act = () => readConfig({ ...base, TASK_USAGE: raw });
    expect(act).toThrow(MissingConfigurationError);
    expect(act).toThrow('TASK_USAGE');
  });

  it('multiplies the size by the segments that run side by side, and counts their transitions', () => {
    expect(segmentedUsage(onePass, 6, 3)).toEqual({ compute: 'fargate', memoryMb: 3 * 16_384, vcpu: 12, ephemeralStorageGb: 300, stateTransitions: 9 - 1 + 3 + 6 });
    expect(segmentedUsage(onePass, 2, 3)).toMatchObject({ vcpu: 8, stateTransitions: 9 - 1 + 3 + 2 });
  });
});
