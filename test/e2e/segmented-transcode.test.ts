import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaNetwork } from '../../lib/constructs/media-network.js';
import { MediaStore } from '../../lib/constructs/media-store.js';
import { TranscodeTask } from '../../lib/constructs/transcode-task.js';
import { startPlatform, type Platform } from '../../local/platform.js';
import { waitForTerminal } from '../local/support.js';
import { addTaskFoundation, addTaskFunctionsOutput } from '../support/task-stack.js';

// Segmented mode through the state machine itself: plan → read the plan → Map of segment transcodes
// (MaxConcurrency 2) → join, on the local Step Functions engine with the ECS tasks as local processes.
let cdkOut: string;
let work: string;
let platform: Platform;

function probe(file: string): { frames: number; duration: number } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames:format=duration', '-of', 'json', file], { encoding: 'utf8' });
  const json = JSON.parse(out) as { streams: { nb_read_frames: string }[]; format: { duration: string } };
  return { frames: Number(json.streams[0]?.nb_read_frames), duration: Number(json.format.duration) };
}

beforeAll(async () => {
  cdkOut = mkdtempSync(join(tmpdir(), 'cdk-out-segmented-'));
  work = mkdtempSync(join(tmpdir(), 'segmented-e2e-'));
  const app = new App({ outdir: cdkOut });
  const stack = new Stack(app, 'Segmented');
  const { registry, destinations, payloadStore } = addTaskFoundation(stack);
  const network = new MediaNetwork(stack, 'MediaNetwork');
  const store = new MediaStore(stack, 'MediaStore', { accessLogsBucket: payloadStore.accessLogsBucket });
  const transcode = new TranscodeTask(stack, 'TranscodeTask', {
    taskName: 'transcode',
    cluster: network.cluster,
    table: registry.table,
    successQueue: destinations.successQueue,
    failureQueue: destinations.failureQueue,
    mediaBucket: store.bucket,
    payloadBucket: payloadStore.bucket,
    segmented: { minDurationSeconds: 1, segments: 3, maxConcurrency: 2 },
  });
  new CfnOutput(stack, 'MediaBucketName', { value: store.bucket.bucketName });
  addTaskFunctionsOutput(stack, { transcode: { kind: 'stepfunctions', stateMachineArn: transcode.stateMachine.stateMachineArn, maxAttempts: 1 } });
  app.synth();
  platform = await startPlatform({ root: process.cwd(), cdkOut, stackName: 'Segmented', synth: false, functionEnv: { POWERTOOLS_METRICS_DISABLED: 'true', TASK_HEARTBEAT_SECONDS: '1' } });
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=48000', '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', join(work, 'in.mp4')]);
  await platform.servers.s3.client.send(new PutObjectCommand({ Bucket: platform.outputs.MediaBucketName, Key: 'in.mp4', Body: readFileSync(join(work, 'in.mp4')) }));
});
afterAll(async () => {
  await platform?.close();
  rmSync(cdkOut, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('segmented transcoding through the state machine', { timeout: 240_000 }, () => {
  it('plans 3 segments, transcodes them in a Map, joins them: the single pass frame count and duration, and their usage', async () => {
    const client = platform.taskClient();
    const media = platform.outputs.MediaBucketName ?? '';

    await client.submit({ task: 'transcode', id: 'seg_1', payload: { bucket: media, object: 'in.mp4', output_dir: 'seg', dst_format: 'mp4' } });
    const task = await waitForTerminal(client, 'seg_1', 200_000);

    expect(task.status, task.error?.message).toBe('SUCCEEDED');
    expect((task as unknown as { plan?: { segmentCount?: number } }).plan?.segmentCount).toBe(3);
    // The plan recorded its segments' usage over the one task written at start: 2 of them side by side
    // (maxConcurrency) of the default size, and the path's 5 + 3 + 3 + 3 transitions.
    expect(task.usage).toEqual({ compute: 'fargate', vcpu: 2 * 4, memoryMb: 2 * 16_384, ephemeralStorageGb: 2 * 100, stateTransitions: 14 });
    const body = await (await platform.servers.s3.client.send(new GetObjectCommand({ Bucket: media, Key: 'seg/in.mp4' }))).Body?.transformToByteArray();
    writeFileSync(join(work, 'joined.mp4'), body ?? new Uint8Array());
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', join(work, 'in.mp4'), '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', join(work, 'single.mp4')]);
    const joined = probe(join(work, 'joined.mp4'));
    const single = probe(join(work, 'single.mp4'));
    expect(Math.abs(joined.frames - single.frames)).toBeLessThanOrEqual(1);
    expect(Math.abs(joined.duration - single.duration)).toBeLessThanOrEqual(1 / 25 + 0.001);
  });
});
