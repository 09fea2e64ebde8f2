// Transcoding on the platform vs raw ffmpeg with the same arguments, same run, and segmented vs single
// pass on this machine. The clip is generated (1080p, 25 fps, with audio).
//   platform:  stask's path — submit → Step Functions → ECS task (child process) → S3 download → ffmpeg
//              → S3 upload → SUCCEEDED; measured from submit to SUCCEEDED
//   raw:       ffmpeg on the local file with the argument list the worker builds (commands.ts)
//   segmented: the worker's plan → N segments (2 at a time, the machine's cores) → join, vs its single pass
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { TaskRegistry } from '../functions/core/registry.js';
import { singlePassArgs } from '../functions/long/transcoder/commands.js';
import { startPlatform } from '../local/platform.js';
import { waitForTerminal } from '../test/local/support.js';

const SECONDS = Number(process.env.BENCH_CLIP_SECONDS ?? 30);
const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? 4);
const work = mkdtempSync(join(tmpdir(), 'bench-transcode-'));
const clip = join(work, 'clip1080.mp4');
execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip]);

const rawArgs = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-progress', 'pipe:1', '-nostats', '-y',
  ...singlePassArgs(clip, join(work, 'raw.mp4'), { format: 'mp4', videoEncoder: 'libx264', audioEncoder: 'aac', preset: 'veryfast', frameRate: '25' })];
const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
function rawOnce(): number {
  const start = process.hrtime.bigint();
  execFileSync('ffmpeg', rawArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
  return seconds(start);
}

const platform = await startPlatform({ root: process.cwd(), functionEnv: { POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_METRICS_DISABLED: 'true' } });
try {
  const client = platform.taskClient();
  const media = platform.outputs.MediaBucketName ?? '';
  await platform.servers.s3.client.send(new PutObjectCommand({ Bucket: media, Key: 'clip1080.mp4', Body: readFileSync(clip) }));
  let run = 0;
  const platformOnce = async (extra: Record<string, unknown> = {}): Promise<number> => {
    const start = process.hrtime.bigint();
    const id = `bench_${++run}_${Date.now()}`;
    await client.submit({ task: 'transcode', id, payload: { bucket: media, object: 'clip1080.mp4', output_dir: `bench/${run}`, dst_format: 'mp4', preset: 'veryfast', ...extra } });
    const task = await waitForTerminal(client, id, 30 * 60_000);
    if (task.status !== 'SUCCEEDED') throw new Error(`${id} ended ${task.status}: ${task.error?.message ?? ''}`);
    return seconds(start);
  };

  // Alternating, twice each: drift (thermal, page cache) hits both alike.
  const raw: number[] = [];
  const onPlatform: number[] = [];
  for (let i = 0; i < 2; i++) {
    raw.push(rawOnce());
    onPlatform.push(await platformOnce());
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`clip: ${SECONDS} s 1920x1080 25 fps + AAC, to mp4 (libx264 veryfast, aac); ${availableParallelism()} cores`);
  console.log(`raw ffmpeg (same arguments):       ${raw.map((x) => x.toFixed(2)).join(' s, ')} s  → mean ${mean(raw).toFixed(2)} s`);
  console.log(`platform (submit → SUCCEEDED):     ${onPlatform.map((x) => x.toFixed(2)).join(' s, ')} s  → mean ${mean(onPlatform).toFixed(2)} s`);
  console.log(`ratio platform/raw: ${(mean(onPlatform) / mean(raw)).toFixed(3)} (target ≤ 1.03)`);

  // Segmented vs single pass: the worker's own modes, as the segmented state machine would run them.
  const reg = new TaskRegistry(platform.servers.dynamo.doc, platform.outputs.TaskTableName ?? '');
  const workerRun = async (id: string, mode: string, extraEnv: Record<string, string> = {}): Promise<void> => {
    const env = {
      ...process.env, ...platform.env, TASK_ID: id, EXECUTION_REF: `bench-${id}`, TASK_TABLE_NAME: platform.outputs.TaskTableName ?? '',
      TASK_PAYLOAD: JSON.stringify({ bucket: media, object: 'clip1080.mp4', output_dir: `segbench/${id}`, dst_format: 'mp4', preset: 'veryfast' }),
      WORKER_MODE: mode, WORK_DIR: work, SEGMENT_MIN_DURATION_SECONDS: '1', SEGMENT_COUNT: String(SEGMENTS), POWERTOOLS_LOG_LEVEL: 'ERROR', ...extraEnv,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'functions/long/transcoder/worker.ts'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    if (code !== 0) throw new Error(`worker ${mode} exited ${code}`);
  };
  const prepare = async (id: string): Promise<void> => {
    await reg.create({ taskId: id, function: 'transcode', payload: {}, payloadHash: id, payloadSizeBytes: 2, maxAttempts: 1 });
    await reg.start(id, { executionRef: `bench-${id}` });
  };
  await prepare('single_pass');
  let start = process.hrtime.bigint();
  await workerRun('single_pass', 'transcode');
  const single = seconds(start);
  await prepare('segmented');
  start = process.hrtime.bigint();
  await workerRun('segmented', 'plan');
  for (let i = 0; i < SEGMENTS; i += 2) {
    await Promise.all([i, i + 1].filter((k) => k < SEGMENTS).map((k) => workerRun('segmented', 'segment', { SEGMENT_INDEX: String(k) })));
  }
  await workerRun('segmented', 'join');
  const segmented = seconds(start);
  console.log(`worker single pass: ${single.toFixed(2)} s; segmented (plan, ${SEGMENTS} segments 2 at a time, join): ${segmented.toFixed(2)} s → segmented/single ${(segmented / single).toFixed(3)}`);
} finally {
  await platform.close();
  rmSync(work, { recursive: true, force: true });
}
