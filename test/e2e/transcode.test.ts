import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationRecord } from '../../functions/core/destination-record.js';
import type { TaskClient } from '../../functions/core/task-client.js';
import { uploadTaskId } from '../../functions/triggers/upload-trigger.js';
import { UPLOAD_OUTPUT_FORMATS } from '../../lib/serverless-task-stack.js';
import { startPlatform, type Platform } from '../../local/platform.js';
import { waitFor, waitForTerminal } from '../local/support.js';

// The long-task lane end to end on the embedded platform: the real stack's transcode state machine
// (Step Functions engine), its ECS task run as a child process with the host's ffmpeg, S3 on s3rver,
// uploads starting tasks through the EventBridge rule, stop, and the destination records.
let platform: Platform;
let client: TaskClient;
let media: string;
let work: string;

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

function ffprobeDuration(file: string): number {
  return Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim());
}

async function put(key: string, file: string): Promise<void> {
  await platform.servers.s3.client.send(new PutObjectCommand({ Bucket: media, Key: key, Body: readFileSync(file) }));
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await platform.servers.s3.client.send(new ListObjectsV2Command({ Bucket: media, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

async function recordsFor(queueKey: 'SuccessQueueUrl' | 'FailureQueueUrl', taskId: string): Promise<DestinationRecord[]> {
  const url = platform.outputs[queueKey] ?? '';
  const found: DestinationRecord[] = [];
  for (let i = 0; i < 20 && found.length === 0; i++) {
    const out = await platform.servers.sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 2 }));
    for (const m of out.Messages ?? []) {
      const record = JSON.parse(m.Body ?? '{}') as DestinationRecord;
      if (record.taskId !== taskId) continue;
      found.push(record);
      await platform.servers.sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
    if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return found;
}

function ffmpegProcessesFor(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', 'ffmpeg'], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(marker));
  } catch {
    return [];
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'transcode-e2e-'));
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', join(work, '480P.mp4')]);
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-t', '40', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', join(work, 'long.mp4')]);
  platform = await startPlatform({
    root: process.cwd(),
    retryDelayScale: 0.001,
    // INFO: the worker's phase lines (the test setup sets WARN for the process, which children inherit).
    functionEnv: { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'true', TASK_HEARTBEAT_SECONDS: '1' },
  });
  client = platform.taskClient();
  media = platform.outputs.MediaBucketName ?? '';
  await put('480P.mp4', join(work, '480P.mp4'));
  await put('long.mp4', join(work, 'long.mp4'));
});
afterAll(async () => {
  await platform?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('transcoding on the long-task lane', { timeout: 240_000 }, () => {
  it("runs the seed's five invocations of one 480P.mp4 to mov, mov, flv, avi and m3u8", async () => {
    const formats = ['mov', 'mov', 'flv', 'avi', 'm3u8'];
    const ids = formats.map((_, i) => `my${i + 1}-480P-mp4`);

    await Promise.all(
      formats.map((format, i) => client.submit({ task: 'transcode', id: ids[i], payload: { bucket: media, object: '480P.mp4', output_dir: `seed/${i + 1}`, dst_format: format } })),
    );
    const tasks = await Promise.all(ids.map((id) => waitForTerminal(client, id, 180_000)));

    expect(tasks.map((t) => t.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(tasks.every((t) => t.progress?.percent === 100)).toBe(true);
    const listed = await client.list({ function: 'transcode', prefix: 'my' });
    expect(listed.tasks.map((t) => t.taskId).sort()).toEqual(ids);
    const again = await client.submit({ task: 'transcode', id: 'my1-480P-mp4', payload: { bucket: media, object: '480P.mp4', output_dir: 'seed/1', dst_format: 'mov' } });
    expect(again.deduplicated).toBe(true);

    expect(await keysUnder('seed/1/')).toEqual(['seed/1/480P.mov']);
    expect(await keysUnder('seed/3/')).toEqual(['seed/3/480P.flv']);
    const hls = await keysUnder('seed/5/');
    expect(hls).toContain('seed/5/480P/index.m3u8');
    const playlist = await (await platform.servers.s3.client.send(new GetObjectCommand({ Bucket: media, Key: 'seed/5/480P/index.m3u8' }))).Body?.transformToString();
    const segments = (playlist ?? '').split('\n').filter((line) => line.endsWith('.ts'));
    expect(segments.length).toBeGreaterThan(0);
    for (const segment of segments) expect(hls).toContain(`seed/5/480P/${segment}`);

    const local = join(work, 'out.avi');
    const body = await (await platform.servers.s3.client.send(new GetObjectCommand({ Bucket: media, Key: 'seed/4/480P.avi' }))).Body?.transformToByteArray();
    (await import('node:fs')).writeFileSync(local, body ?? new Uint8Array());
    expect(ffprobeDuration(local)).toBeCloseTo(3, 0);

    // The container's lines reach the transcode log group, each stamped with the task ID (what `stask logs` filters on).
    const logGroup = (JSON.parse(platform.outputs.TaskFunctions ?? '{}') as Record<string, { logGroupName: string }>).transcode?.logGroupName ?? '';
    const lines = platform.logs.read(logGroup).map((e) => e.message);
    expect(lines.some((line) => line.includes('"taskId":"my1-480P-mp4"')), lines.slice(0, 3).join('\n')).toBe(true);

    const [success] = await recordsFor('SuccessQueueUrl', 'my2-480P-mp4');
    expect(success?.requestContext.condition).toBe('Success');
    expect(success?.requestPayload).toMatchObject({ taskId: 'my2-480P-mp4', task: 'transcode' });
  });

  it('stops a running transcode for real: STOPPED, a Stopped record, no ffmpeg left', async () => {
    await client.submit({ task: 'transcode', id: 'to_stop', payload: { bucket: media, object: 'long.mp4', output_dir: 'stopped', dst_format: 'webm', preset: 'veryslow' } });
    await waitFor(client, 'to_stop', (t) => t.status === 'RUNNING' && (t.progress?.percent ?? 0) > 0, 120_000);
    expect(ffmpegProcessesFor('ecs-scratch').length).toBeGreaterThan(0);

    const stopped = await client.stop('to_stop');

    expect(stopped.status).toBe('STOPPED');
    const [record] = await recordsFor('FailureQueueUrl', 'to_stop');
    expect(record?.requestContext.condition).toBe('Stopped');
    for (let i = 0; i < 50 && ffmpegProcessesFor('ecs-scratch').length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ffmpegProcessesFor('ecs-scratch')).toEqual([]);
    // What ran it was recorded when it started: stask cost counts a stopped transcode too.
    expect(await client.get('to_stop')).toMatchObject({ status: 'STOPPED', usage: { compute: 'fargate', vcpu: expect.any(Number) as number, memoryMb: expect.any(Number) as number } });
  });

  it('retries a stopped transcode by redriving its execution, and a failed one with a new execution', async () => {
    // Stopped mid-run: the execution is ABORTED, so retry redrives it (same execution, attempt 2).
    await client.submit({ task: 'transcode', id: 'redrive_me', payload: { bucket: media, object: 'long.mp4', output_dir: 'redrive', dst_format: 'mp4', preset: 'ultrafast' } });
    await waitFor(client, 'redrive_me', (t) => t.status === 'RUNNING' && (t.progress?.percent ?? 0) > 0, 120_000);
    const stopped = await client.stop('redrive_me');
    const redriven = await client.retry('redrive_me');
    const done = await waitForTerminal(client, 'redrive_me', 180_000);

    expect(stopped.status).toBe('STOPPED');
    expect(redriven.status).toBe('RUNNING');
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(new Set(done.attemptRefs)).toEqual(new Set([done.executionRef]));
    expect(done.events.map((e) => e.detail ?? '').some((d) => d.startsWith('redrive of execution'))).toBe(true);

    // Failed through the Catch path (the object was missing): retry starts a new execution, `<id>-r1`.
    await client.submit({ task: 'transcode', id: 'retry_me', payload: { bucket: media, object: 'later.mp4', output_dir: 'retried', dst_format: 'mov' } });
    expect((await waitForTerminal(client, 'retry_me', 120_000)).status).toBe('FAILED');
    await put('later.mp4', join(work, '480P.mp4'));
    await client.retry('retry_me');
    const retried = await waitForTerminal(client, 'retry_me', 120_000);

    expect(retried.status).toBe('SUCCEEDED');
    expect(retried.executionRef).toMatch(/:execution:[^:]+:retry_me-r1$/);
    expect(await keysUnder('retried/')).toEqual(['retried/later.mov']);
  });

  it('starts one task per configured format from an upload, and a repeated event is one task', async () => {
    const file = join(work, '480P.mp4');
    await put('uploads/club night/clip 1.mp4', file);
    const etag = (await platform.servers.s3.client.send(new GetObjectCommand({ Bucket: media, Key: 'uploads/club night/clip 1.mp4' }))).ETag;
    await put('uploads/club night/clip 1.mp4', file); // the same object again: the same event identity
    const formats = [...UPLOAD_OUTPUT_FORMATS];
    const ids = formats.map((f) => uploadTaskId({ bucket: media, key: 'uploads/club night/clip 1.mp4', ...(etag ? { etag: etag.replaceAll('"', '') } : {}) }, f));

    const tasks = await Promise.all(ids.map((id) => waitForTerminal(client, id, 180_000)));

    expect(tasks.map((t) => t.status)).toEqual(formats.map(() => 'SUCCEEDED'));
    const started = await client.list({ function: 'transcode', prefix: 'up_' });
    expect(started.tasks).toHaveLength(formats.length);
    const outputs = await keysUnder('transcoded/club night/');
    for (const format of formats) {
      expect(outputs.some((key) => key.startsWith(`transcoded/club night/clip 1`) && key.includes(format === 'm3u8' ? 'index.m3u8' : `.${format}`)), format).toBe(true);
    }
  });

  it.each([
    ['a missing object', { object: 'nope.mp4' }, /does not exist/],
    ['a text file named .mp4', { object: 'text.mp4' }, /not a video/],
    ['an unsupported format', { dst_format: 'gif' }, /dst_format/],
    ['../ in output_dir', { output_dir: '../escape' }, /output_dir/],
  ])('fails %s with a clear reason and a failure record, and keeps serving', async (name, change, reason) => {
    await platform.servers.s3.client.send(new PutObjectCommand({ Bucket: media, Key: 'text.mp4', Body: 'this is not a video' }));
    const id = `bad_${name.replace(/[^a-z]+/gi, '_')}`;
    await client.submit({ task: 'transcode', id, payload: { bucket: media, object: '480P.mp4', output_dir: 'bad', dst_format: 'mp4', ...change } });

    const task = await waitForTerminal(client, id, 120_000);
    const [record] = await recordsFor('FailureQueueUrl', id);

    expect(task.status).toBe('FAILED');
    expect(task.error?.message).toMatch(reason);
    expect(record?.requestContext.condition).toBe('RetriesExhausted');
  });
});
