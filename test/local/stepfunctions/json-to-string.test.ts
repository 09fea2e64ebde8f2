// States.JsonToString through the embedded engine: object keys with `"`, `\`, unicode and spaces reach the
// Task (the long lane's TASK_PAYLOAD, an ECS container override) as the JSON text AWS computes, byte for byte.
import { describe, expect, it } from 'vitest';
import type { EcsRunTaskParams } from '../../../local/stepfunctions/index.js';
import { runToEnd, uniqueName, type Sfn, type Storage } from './harness.js';
import { useStepFunctions } from '../../support/step-functions.js';

let storage: Storage;
let sfn: Sfn;
useStepFunctions((started) => ({ storage, sfn } = started));

const KEYS = ['in/quo"te\'.mp4', 'in\\/x.mp4', 'in\\\\double\\"both.mp4', 'vidéo 日本語 🎬.mp4', 'with spaces and $(date) ;.mp4', 'tab\there\nnewline.mp4'];

describe('States.JsonToString on the embedded engine', () => {
  it('passes payloads whose strings hold quotes, backslashes, unicode and spaces through a Task unchanged', async () => {
    // Prepare: the long lane's container contract (TASK_PAYLOAD = States.JsonToString($.payload)); the runner records it.
    const seen: string[] = [];
    storage.ecs = {
      run: async (params: EcsRunTaskParams) => {
        const env = params.Overrides?.ContainerOverrides?.[0]?.Environment ?? [];
        seen.push(env.find((e) => e.Name === 'TASK_PAYLOAD')?.Value ?? '(missing)');
        return { exitCode: 0, taskArn: `arn:aws:ecs:us-east-1:000000000000:task/local/${seen.length}` };
      },
    };
    const arn = sfn.server.registerStateMachine(uniqueName('json-to-string'), {
      StartAt: 'Run the work',
      States: {
        'Run the work': {
          Type: 'Task',
          Resource: 'arn:aws:states:::ecs:runTask.sync',
          Parameters: {
            Cluster: 'arn:aws:ecs:us-east-1:000000000000:cluster/local',
            TaskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/transcode:1',
            LaunchType: 'FARGATE',
            Overrides: {
              ContainerOverrides: [
                {
                  Name: 'worker',
                  Environment: [
                    { Name: 'TASK_ID', 'Value.$': '$.taskId' },
                    { Name: 'TASK_PAYLOAD', 'Value.$': 'States.JsonToString($.payload)' },
                  ],
                },
              ],
            },
          },
          ResultPath: null,
          End: true,
        },
      },
    });

    // Act
    const outcomes = [];
    for (const [i, object] of KEYS.entries()) {
      const payload = { bucket: 'media', object, output_dir: 'out "dir"\\', dst_format: 'mp4', [`key "${i}" \\`]: ['é', 1.5, null] };
      outcomes.push({ payload, out: await runToEnd(sfn, arn, { taskId: `t${i}`, payload }) });
    }

    // Assess: each Task got exactly JSON.stringify(payload), which parses back to the payload.
    expect(seen).toHaveLength(KEYS.length);
    outcomes.forEach(({ payload, out }, i) => {
      expect(out.status).toBe('SUCCEEDED');
      expect(seen[i]).toBe(JSON.stringify(payload));
      expect(JSON.parse(seen[i] ?? '')).toEqual(payload);
    });
  });

  it('leaves a state output alone when the intrinsic is not in a Task (no marker leaks)', async () => {
    // Prepare
    const arn = sfn.server.registerStateMachine(uniqueName('pass'), {
      StartAt: 'Shape',
      States: { Shape: { Type: 'Pass', Parameters: { 'n.$': 'States.ArrayLength($.list)' }, End: true } },
    });

    // Act
    const out = await runToEnd(sfn, arn, { list: [1, 2, 3] });

    // Assess
    expect(JSON.parse(out.output ?? '{}')).toEqual({ n: 3 });
  });
});
