import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessTaskRunner } from '../../local/ecs/process-task-runner.js';

// A local ECS task's scratch disk goes with the task, as a Fargate task's ephemeral storage does: removed
// when it ends however it ends, and what a platform killed with -9 left behind is removed at the next start.
const scratchDir = mkdtempSync(join(tmpdir(), 'ecs-scratch-cleanup-'));
afterAll(() => rmSync(scratchDir, { recursive: true, force: true }));

function runner(lines: string[]): ProcessTaskRunner {
  return new ProcessTaskRunner({
    taskDefinitions: [
      { arn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/t:1', family: 't', containers: [{ name: 'worker', environment: { WORK_DIR: '/scratch' }, localCommand: ['test/local/fixtures/container-sleeper.ts'], logGroupName: 'g' }] },
    ],
    root: process.cwd(),
    scratchDir,
    env: () => ({}),
    onLine: (_group, _stream, line) => lines.push(line),
    region: 'us-east-1',
    accountId: '000000000000',
    stopTimeoutSeconds: 1,
  });
}

describe('scratch directories of local ECS tasks', () => {
  it('removes what a dead platform left at start, and each task’s own directory when it ends, killed or not', async () => {
    // Prepare: the leftovers of two workers killed with the platform.
    mkdirSync(join(scratchDir, 'dead-task-1'), { recursive: true });
    writeFileSync(join(scratchDir, 'dead-task-1', 'in.mp4'), Buffer.alloc(4096));
    const lines: string[] = [];

    // Act: start (the leftovers go), then one task that exits and one that is stopped (SIGTERM, then SIGKILL).
    const local = runner(lines);
    const afterStart = readdirSync(scratchDir);
    const exited = await local.run({ TaskDefinition: 't', Overrides: { ContainerOverrides: [{ Environment: [{ Name: 'EXIT_CODE', Value: '0' }] }] } }, new AbortController().signal);
    const controller = new AbortController();
    const stopped = local.run({ TaskDefinition: 't' }, controller.signal);
    for (let i = 0; i < 200 && lines.filter((l) => l.startsWith('work dir ')).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    controller.abort();
    await stopped;

    // Assess: each task wrote in a directory of its own under the scratch directory; none is left.
    expect(afterStart).toEqual([]);
    expect(exited.exitCode).toBe(0);
    const workDirs = lines.filter((l) => l.startsWith('work dir ')).map((l) => l.slice('work dir '.length));
    expect(workDirs).toHaveLength(2);
    expect(workDirs.every((dir) => dir.startsWith(`${scratchDir}/`))).toBe(true);
    expect(workDirs.some(existsSync)).toBe(false);
    expect(readdirSync(scratchDir)).toEqual([]);
  });
});
