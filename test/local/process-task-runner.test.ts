import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProcessTaskRunner } from '../../local/ecs/process-task-runner.js';

function runningWith(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function runner(lines: string[]): ProcessTaskRunner {
  return new ProcessTaskRunner({
    taskDefinitions: [
      {
        arn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/transcoder:1',
        family: 'transcoder',
        containers: [{ name: 'worker', environment: { FROM_TASK_DEFINITION: 'yes' }, localCommand: ['test/local/fixtures/container-sleeper.ts'], logGroupName: 'g', streamPrefix: 'transcode' }],
      },
    ],
    root: process.cwd(),
    scratchDir: join(tmpdir(), 'ecs-runner-test-scratch'),
    env: () => ({}),
    onLine: (_group, _stream, line) => lines.push(line),
    region: 'us-east-1',
    accountId: '000000000000',
    stopTimeoutSeconds: 1,
  });
}

describe('local ECS RunTask', () => {
  it('runs the container command with the overrides and reports its exit code', async () => {
    const lines: string[] = [];
    const marker = `exit-${process.pid}-${Date.now()}`;

    const outcome = await runner(lines).run(
      {
        TaskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/transcoder:1',
        Cluster: 'arn:aws:ecs:us-east-1:000000000000:cluster/media',
        Overrides: { ContainerOverrides: [{ Name: 'worker', Environment: [{ Name: 'TASK_ID', Value: 'job_7' }, { Name: 'EXIT_CODE', Value: '3' }, { Name: 'SLEEPER_MARKER', Value: marker }] }] },
      },
      new AbortController().signal,
    );

    expect(outcome.exitCode).toBe(3);
    expect(outcome.taskArn).toMatch(/^arn:aws:ecs:us-east-1:000000000000:task\/media\/[0-9a-f]{32}$/);
    expect(lines).toContain('container started with TASK_ID=job_7');
    // Nothing the task started (like an ffmpeg of the worker) outlives it.
    expect(runningWith(marker)).toEqual([]);
  });

  it('stops the whole process tree when the execution is stopped', async () => {
    const marker = `stop-${process.pid}-${Date.now()}`;
    const controller = new AbortController();
    const run = runner([]).run(
      { TaskDefinition: 'transcoder', Overrides: { ContainerOverrides: [{ Environment: [{ Name: 'SLEEPER_MARKER', Value: marker }] }] } },
      controller.signal,
    );
    for (let i = 0; i < 100 && runningWith(marker).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runningWith(marker).length).toBeGreaterThan(0);

    controller.abort();
    const outcome = await run;

    expect(outcome.stoppedReason).toBe('Task stopped by user');
    expect([143, 137]).toContain(outcome.exitCode);
    expect(runningWith(marker)).toEqual([]);
  });

  it('refuses a task definition that is not in the template', async () => {
    await expect(runner([]).run({ TaskDefinition: 'nope' }, new AbortController().signal)).rejects.toThrow('task definition nope is not in the template');
  });
});
