// Stopping a running transcode: through the task record (STOPPING, seen by the next progress
// heartbeat) and by SIGTERM to the worker process (ECS StopTask, local stop). Either way the worker
// exits 143 within seconds and no ffmpeg is left behind.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../../functions/long/transcoder/child.js';
import { StopRequestedError } from '../../../../functions/long/transcoder/errors.js';
import { main } from '../../../../functions/long/transcoder/worker.js';
import { BUCKET, listKeys, makeClip, processesMatching, putFile, record, runningTask, startHarness, uniqueWorkDir, waitFor, workerEnv, type Harness } from './support.js';

const WORKER = fileURLToPath(new URL('../../../../functions/long/transcoder/worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

let h: Harness;
/** 20 s of 640x360 encoded with x264's veryslow preset: far longer than these tests wait. */
const SLOW = { dst_format: 'mp4', preset: 'veryslow' } as const;

beforeAll(async () => {
  h = await startHarness();
  await putFile(h, 'in/long.mp4', await makeClip(join(h.dir, 'long.mp4'), { seconds: 20, size: '640x360' }));
});
afterAll(async () => {
  await h.close();
});

/** Waits until the worker reported ffmpeg progress above 0 %: it is mid-transcode. */
async function waitForProgress(taskId: string): Promise<number> {
  return waitFor(`progress on ${taskId}`, async () => {
    const percent = (await record(h, taskId)).progress?.percent ?? 0;
    return percent > 0 && percent;
  });
}

describe('stop', () => {
  it('a task set to STOPPING mid-run: exit 143 within seconds, ffmpeg gone, nothing uploaded', async () => {
    // Prepare
    const payload = { bucket: BUCKET, object: 'in/long.mp4', output_dir: 'out/stopped', ...SLOW };
    const task = await runningTask(h, payload, 'stop');
    const workDir = uniqueWorkDir(h, 'stop');
    const running = main(workerEnv(h, task, payload, { WORK_DIR: workDir }));
    const percentBefore = await waitForProgress(task.taskId);
    expect(await processesMatching(workDir)).toHaveLength(1); // ffmpeg, found by its work-dir arguments

    // Act
    await h.registry.requestStop(task.taskId);
    const stopAskedAt = Date.now();
    const exitCode = await running;

    // Assess
    expect(exitCode).toBe(143);
    // Seen by the next progress heartbeat (≤ 1 s); ffmpeg then gets SIGTERM and flushes its encoder
    // (x264 veryslow: ~2 s here), SIGKILL after 5 s at the latest.
    expect(Date.now() - stopAskedAt).toBeLessThan(6500);
    expect(percentBefore).toBeLessThan(100);
    expect(await processesMatching(workDir)).toEqual([]);
    expect(await listKeys(h, 'out/stopped/')).toEqual([]);
    const stopped = await record(h, task.taskId);
    expect(stopped.status).toBe('STOPPING'); // the orchestrator records STOPPED
    expect(stopped.result).toBeUndefined();
    expect(stopped.error).toBeUndefined();
  });

  it('SIGTERM to the worker process: exit 143, ffmpeg gone, JSON log lines with the task ID', async () => {
    // Prepare
    const payload = { bucket: BUCKET, object: 'in/long.mp4', output_dir: 'out/sigterm', ...SLOW };
    const task = await runningTask(h, payload, 'sigterm');
    const workDir = uniqueWorkDir(h, 'sigterm');
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      cwd: REPO_ROOT,
      env: workerEnv(h, task, payload, { WORK_DIR: workDir, POWERTOOLS_LOG_LEVEL: 'INFO' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitForProgress(task.taskId);
    expect(await processesMatching(workDir)).toHaveLength(1);

    // Act
    const killedAt = Date.now();
    child.kill('SIGTERM');
    const exitCode = await exited;

    // Assess
    expect(exitCode).toBe(143);
    expect(Date.now() - killedAt).toBeLessThan(5500); // ffmpeg's SIGTERM flush, SIGKILL after 5 s at the latest
    expect(await processesMatching(workDir)).toEqual([]);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { message: string; taskId: string; phase?: string });
    expect(lines.every((line) => line.taskId === task.taskId)).toBe(true);
    expect(lines.map((line) => line.phase)).toEqual(['start', 'download', 'probe', 'stopped']);
    expect(lines.at(-1)).toMatchObject({ message: 'stopped', reason: 'received SIGTERM', exitCode: 143 });
  });

  it('a child that ignores SIGTERM is SIGKILLed after the grace period', async () => {
    // Prepare
    const marker = `ignores-sigterm-${process.pid}-${Date.now()}`;
    const controller = new AbortController();
    let ready = false;
    const child = run(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)", marker], {
      signal: controller.signal,
      killGraceMs: 500,
      onStdout: (chunk) => (ready ||= chunk.includes('ready')),
    });
    await waitFor('the child to ignore SIGTERM', async () => ready);
    expect(await processesMatching(marker)).toHaveLength(1);

    // Act
    const abortedAt = Date.now();
    controller.abort(new StopRequestedError('test'));
    const outcome = await child.catch((error: unknown) => error);

    // Assess
    expect(outcome).toBeInstanceOf(StopRequestedError);
    expect(Date.now() - abortedAt).toBeGreaterThanOrEqual(450);
    expect(Date.now() - abortedAt).toBeLessThan(3000);
    expect(await processesMatching(marker)).toEqual([]);
  });
});
