import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { ecsTaskOfHistory } from '../../bin/cli/commands/exec.js';

describe('stask exec', () => {
  it('finds the ECS task that an execution submitted, from its history', () => {
    // Prepare: AWS's TaskSubmitted event of an ecs:runTask.sync state carries RunTask's response.
    const events: HistoryEvent[] = [
      { id: 9, type: 'TaskStarted', timestamp: new Date(), taskStartedEventDetails: { resourceType: 'ecs', resource: 'runTask.sync' } },
      {
        id: 10,
        type: 'TaskSubmitted',
        timestamp: new Date(),
        taskSubmittedEventDetails: {
          resourceType: 'ecs',
          resource: 'runTask.sync',
          output: JSON.stringify({ Tasks: [{ TaskArn: 'arn:aws:ecs:eu-west-1:111122223333:task/media/0123abcd', ClusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/media' }] }),
        },
      },
    ];

    // Act / Assess
    expect(ecsTaskOfHistory(events)).toEqual({ taskArn: 'arn:aws:ecs:eu-west-1:111122223333:task/media/0123abcd', clusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/media' });
    expect(ecsTaskOfHistory(events.slice(0, 1))).toBeUndefined();
  });
});
