// Shared setup of the transcoder tests: real dynalite + s3rver, a task table, test media generated with
// ffmpeg's lavfi sources, RUNNING task records, and ffprobe helpers for the assertions.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { TaskRegistry } from '../../../../functions/core/registry.js';
import type { TaskRecord } from '../../../../functions/core/task-record.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, S3RVER_CLIENT_ENV } from '../../../../local/servers.js';
import { createTaskTable, startDynalite, startS3, type EmbeddedDynamo, type EmbeddedS3 } from '../../../support/embedded-servers.js';

const execFileAsync = promisify(execFile);

export const BUCKET = 'media';
export const FIXTURES = new URL('../../../fixtures/media/', import.meta.url);

export interface Harness {
  readonly dynamo: EmbeddedDynamo;
  readonly s3: EmbeddedS3;
  readonly table: string;
  readonly registry: TaskRegistry;
  /** Scratch directory of the test file (media, downloads), removed by close(). */
  readonly dir: string;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const [dynamo, s3] = await Promise.all([startDynalite(), startS3()]);
  const table = await createTaskTable(dynamo);
  await s3.createBucket(BUCKET);
  const dir = await mkdtemp(join(tmpdir(), 'transcoder-test-'));
  return {
    dynamo,
    s3,
    table,
    registry: new TaskRegistry(dynamo.doc, table),
    dir,
    close: async () => {
      await Promise.all([dynamo.close(), s3.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ClipOptions {
  readonly seconds: number;
  readonly size?: string;
  /** Frame rate, `25` or `30000/1001`. @default 25 */
  readonly rate?: string;
  /** Keyframe interval in frames. @default 25 */
  readonly gop?: number;
  readonly audio?: boolean;
}

/** An H.264 + AAC MP4 made from testsrc2 and a sine tone (ultrafast: generated in well under a second). */
export async function makeClip(path: string, options: ClipOptions): Promise<string> {
  const { seconds, size = '320x240', rate = '25', gop = 25, audio = true } = options;
  await mkdir(dirname(path), { recursive: true });
  await execFileAsync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`,
    ...(audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(gop), '-pix_fmt', 'yuv420p',
    ...(audio ? ['-c:a', 'aac', '-shortest'] : []),
    path,
  ]);
  return path;
}

export async function putFile(h: Harness, key: string, path: string): Promise<void> {
  await h.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: await readFile(path) }));
}

export async function putBytes(h: Harness, key: string, body: string | Uint8Array): Promise<void> {
  await h.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

export async function download(h: Harness, key: string, path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const out = await h.s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  await pipeline(out.Body as Readable, createWriteStream(path));
  return path;
}

/** Downloads an output: the file, or for an HLS playlist the whole folder; returns the local path of `key`. */
export async function downloadOutput(h: Harness, key: string, dir: string): Promise<string> {
  if (!key.endsWith('.m3u8')) return download(h, key, join(dir, key.slice(key.lastIndexOf('/') + 1)));
  const folder = key.slice(0, key.lastIndexOf('/') + 1);
  for (const { key: k } of await listKeys(h, folder)) await download(h, k, join(dir, k.slice(folder.length)));
  return join(dir, key.slice(folder.length));
}

export async function listKeys(h: Harness, prefix: string): Promise<{ key: string; size: number }[]> {
  const out = await h.s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0 })).sort((a, b) => a.key.localeCompare(b.key));
}

let taskCounter = 0;

/** A task record as the state machine leaves it before starting the container: RUNNING, owned by `executionRef`. */
export async function runningTask(h: Harness, payload: unknown, name = 'tx'): Promise<{ taskId: string; executionRef: string }> {
  const taskId = `${name}_${process.pid}_${++taskCounter}`;
  const executionRef = `arn:aws:states:us-east-1:000000000000:execution:Transcode:${taskId}`;
  await h.registry.create({ taskId, function: 'transcode', payload, payloadHash: randomBytes(8).toString('hex'), payloadSizeBytes: 100, maxAttempts: 1 });
  await h.registry.start(taskId, { executionRef });
  return { taskId, executionRef };
}

/** The worker's environment for a task, pointed at the embedded servers. */
export function workerEnv(h: Harness, task: { taskId: string; executionRef: string }, payload: unknown, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: h.dynamo.endpoint,
    AWS_ENDPOINT_URL_S3: h.s3.endpoint,
    ...S3RVER_CLIENT_ENV,
    TASK_ID: task.taskId,
    EXECUTION_REF: task.executionRef,
    TASK_TABLE_NAME: h.table,
    TASK_PAYLOAD: typeof payload === 'string' ? payload : JSON.stringify(payload),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...extra,
  };
}

/** The task record, with the fields the worker annotates. */
export type WorkerRecord = Omit<TaskRecord, 'result'> & { result?: Record<string, unknown>; plan?: Record<string, unknown> };

export async function record(h: Harness, taskId: string): Promise<WorkerRecord> {
  return (await h.registry.get(taskId)) as WorkerRecord;
}

export interface Probed {
  readonly formatName: string;
  readonly durationSeconds: number;
  readonly video?: { codec: string; width: number; height: number; frames: number };
  readonly audio?: { codec: string };
}

/** ffprobe with -count_frames: what the assertions compare. */
export async function ffprobe(path: string): Promise<Probed> {
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-count_frames', '-print_format', 'json', '-show_format', '-show_streams', path]);
  const json = JSON.parse(stdout) as {
    format: { format_name: string; duration: string };
    streams: { codec_type: string; codec_name: string; width?: number; height?: number; nb_read_frames?: string }[];
  };
  const video = json.streams.find((s) => s.codec_type === 'video');
  const audio = json.streams.find((s) => s.codec_type === 'audio');
  return {
    formatName: json.format.format_name,
    durationSeconds: Number(json.format.duration),
    ...(video ? { video: { codec: video.codec_name, width: video.width ?? 0, height: video.height ?? 0, frames: Number(video.nb_read_frames) } } : {}),
    ...(audio ? { audio: { codec: audio.codec_name } } : {}),
  };
}

/** PIDs of processes whose command line contains `marker` (other than pgrep itself). */
export async function processesMatching(marker: string): Promise<number[]> {
  try {
    const { stdout } = await execFileAsync('pgrep', ['-f', marker]);
    return stdout.split('\n').filter(Boolean).map(Number);
  } catch (error) {
    if ((error as { code?: number }).code === 1) return []; // pgrep: no process matched
    throw error;
  }
}

/** Polls `probe` every 100 ms until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A unique scratch directory name, used as WORK_DIR and as the marker in ffmpeg's command line. */
export function uniqueWorkDir(h: Harness, label: string): string {
  return join(h.dir, `work-${label}-${randomBytes(4).toString('hex')}`);
}
