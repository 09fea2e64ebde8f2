// A running long task's worker through the stask CLI against a spawned `stask dev`: `stask exec ID --run` runs a
// command in the worker's scratch directory with its environment (exit code passed through), and a worker killed
// with SIGKILL ends the task FAILED with a short reason (not the whole RunTask JSON) and a failure record.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationRecord } from '../../functions/core/destination-record.js';
import { ENDPOINTS_FILE, STACK_OUTPUTS, type EndpointsFile } from '../../functions/core/facts.js';
import type { TaskRecord } from '../../functions/core/task-record.js';
import { eventually, startDev, stask, staskJson, type DevProcess } from './stask-process.js';

let dev: DevProcess;
let dir: string;
let endpoints: EndpointsFile;
const TASK_ID = `worker_${process.pid}`;
const OBJECT = `in/worker-${process.pid}-secret-name.mp4`;
const run = (...args: string[]) => stask([...args, '--data-dir', dir]);
const getTask = async (id: string): Promise<TaskRecord> => (await staskJson<TaskRecord>(['get', id, '--data-dir', dir])).json;

/** The pid of the process whose environment says it is the worker of `taskId` (a grandchild of this test). */
function workerPidOf(taskId: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`TASK_ID=${taskId}`) && environ.some((kv) => kv.startsWith('ECS_TASK_ARN='))) {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (!cmdline.includes('ffmpeg')) return Number(entry);
      }
    } catch {
      // gone, or not ours
    }
  }
  return undefined;
}

async function failureRecordsOf(taskId: string): Promise<DestinationRecord[]> {
  const sqs = new SQSClient({ region: endpoints.region, credentials: endpoints.credentials, endpoint: endpoints.endpoints.sqs });
  const url = endpoints.outputs[STACK_OUTPUTS.failureQueueUrl] ?? '';
  try {
    return await eventually(async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 1 }));
      const found: DestinationRecord[] = [];
      for (const m of out.Messages ?? []) {
        const record = JSON.parse(m.Body ?? '{}') as DestinationRecord;
        if (record.taskId !== taskId) continue;
        found.push(record);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
      return found.length ? found : undefined;
    }, `the failure record of ${taskId}`);
  } finally {
    sqs.destroy();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stask-worker-'));
  dev = await startDev(dir, '0.001');
  endpoints = JSON.parse(readFileSync(join(dir, ENDPOINTS_FILE), 'utf8')) as EndpointsFile;
  const video = join(dir, 'long.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-t', '40', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', video]);
  const s3 = new S3Client({ region: endpoints.region, credentials: endpoints.credentials, endpoint: endpoints.endpoints.s3, forcePathStyle: true });
  await s3.send(new PutObjectCommand({ Bucket: endpoints.outputs[STACK_OUTPUTS.mediaBucketName], Key: OBJECT, Body: readFileSync(video) }));
  s3.destroy();
}, 300_000);

afterAll(async () => {
  await dev?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a running long task on the embedded platform', { timeout: 240_000 }, () => {
  it('stask exec --run runs a command in its scratch directory with its environment; the exit code passes through', async () => {
    // Prepare: a slow transcode, running and past its first progress.
    const payload = { bucket: endpoints.outputs[STACK_OUTPUTS.mediaBucketName], object: OBJECT, output_dir: 'out', dst_format: 'webm', preset: 'veryslow' };
    expect((await run('invoke', 'transcode', '--id', TASK_ID, '--payload', JSON.stringify(payload))).code).toBe(0);
    await eventually(async () => {
      const task = await getTask(TASK_ID);
      return task.status === 'RUNNING' && (task.progress?.percent ?? 0) > 0 ? task : undefined;
    }, `${TASK_ID} to be RUNNING with progress`, 120_000);

    // Act
    const script = 'pwd; echo "task=$TASK_ID"; echo "work=$WORK_DIR"; test -n "$TASK_PAYLOAD" && echo has-payload; echo oops >&2; exit 7';
    const ran = await run('exec', TASK_ID, '--run', '--command', script);
    const info = await staskJson<{ workDir: string; workDirExists: boolean }>(['exec', TASK_ID, '--data-dir', dir]);
    const unknown = await run('exec', 'no_such_task', '--run', '--command', 'true');
    const ok = await run('exec', TASK_ID, '--run', '--command', 'test "$(pwd)" = "$WORK_DIR"');

    // Assess
    expect(ran.code).toBe(7);
    const [pwd, task, work, hasPayload] = ran.stdout.trim().split('\n');
    expect(info.json.workDirExists).toBe(true);
    expect(pwd).toBe(info.json.workDir);
    expect(task).toBe(`task=${TASK_ID}`);
    expect(work).toBe(`work=${info.json.workDir}`);
    expect(hasPayload).toBe('has-payload');
    expect(ran.stderr).toBe('oops\n');
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/no_such_task/);
    expect(ok.code).toBe(0);
  });

  it('a worker killed with SIGKILL: FAILED with a short reason, no payload in it, and a failure record', async () => {
    // Prepare
    const pid = await eventually(async () => workerPidOf(TASK_ID), `the worker process of ${TASK_ID}`);

    // Act
    process.kill(pid, 'SIGKILL');
    const failed = await eventually(async () => {
      const task = await getTask(TASK_ID);
      return task.status === 'FAILED' ? task : undefined;
    }, `${TASK_ID} to be FAILED`, 120_000);
    const [record] = await failureRecordsOf(TASK_ID);

    // Assess
    const reason = failed.error?.message ?? '';
    expect(failed.error?.type).toBe('States.TaskFailed');
    expect(reason).toMatch(/^container transcoder was killed \(exit code 137: SIGKILL or out of memory\): /);
    expect(reason.length).toBeLessThan(300);
    expect(reason).not.toContain('secret-name');
    expect(reason).not.toContain('TASK_PAYLOAD');
    expect(record?.requestContext.condition).toBe('RetriesExhausted');
    expect(record?.responsePayload).toEqual({ errorType: 'States.TaskFailed', errorMessage: reason });
    const shown = await run('get', TASK_ID);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('exit code 137');
  });
});
