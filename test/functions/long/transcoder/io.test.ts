// The worker's I/O against the real embedded servers: streamed download, multipart upload above the
// threshold, prefix deletion (s3rver), and the beacon's rate-limited progress and stop detection (dynalite).
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskRegistry } from '../../../../functions/core/registry.js';
import type { TaskRecord } from '../../../../functions/core/task-record.js';
import { TaskBeacon } from '../../../../functions/core/beacon.js';
import { createClients } from '../../../../functions/long/transcoder/config.js';
import { SourceNotFoundError } from '../../../../functions/long/transcoder/errors.js';
import { S3Files } from '../../../../functions/long/transcoder/s3-files.js';
import { BUCKET, listKeys, record, runningTask, startHarness, workerEnv, type Harness } from './support.js';

let h: Harness;
let files: S3Files;
let destroyClients: () => void;
/** The S3 commands the worker's client sent, in order (observed, not mocked). */
const commands: string[] = [];
const MiB = 1024 * 1024;

beforeAll(async () => {
  h = await startHarness();
  // The worker's own client configuration (forcePathStyle, checksums), from the worker's environment.
  const { s3, destroy } = createClients(workerEnv(h, { taskId: 'x', executionRef: 'y' }, {}));
  destroyClients = destroy;
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  files = new S3Files(s3, { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB, partConcurrency: 2 });
});
afterAll(async () => {
  destroyClients();
  await h.close();
});

const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

describe('S3Files', () => {
  it('uploads a file above the threshold in parts and downloads it back byte for byte', async () => {
    // Prepare
    const original = join(h.dir, 'big.bin');
    await writeFile(original, randomBytes(12 * MiB + 123));
    const copy = join(h.dir, 'big.copy');

    // Act
    const uploaded = await files.upload(original, BUCKET, 'io/big file.bin', { contentType: 'application/octet-stream' });
    const downloaded = await files.download(BUCKET, 'io/big file.bin', copy);

    // Assess
    expect(uploaded).toBe(12 * MiB + 123);
    expect(downloaded).toBe(12 * MiB + 123);
    expect(await sha256(copy)).toBe(await sha256(original));
    expect(await listKeys(h, 'io/')).toEqual([{ key: 'io/big file.bin', size: 12 * MiB + 123 }]);
    expect(commands.filter((c) => c !== 'GetObjectCommand')).toEqual([
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);
  });

  it('uploads a small file with one PutObject, byte for byte', async () => {
    const original = join(h.dir, 'small.bin');
    await writeFile(original, randomBytes(300_000));

    await files.upload(original, BUCKET, 'io2/small.bin');
    await files.download(BUCKET, 'io2/small.bin', join(h.dir, 'small.copy'));

    expect(await sha256(join(h.dir, 'small.copy'))).toBe(await sha256(original));
  });

  it('reports a missing object as SourceNotFound and deletes a whole prefix', async () => {
    await expect(files.download(BUCKET, 'io3/none', join(h.dir, 'none'))).rejects.toBeInstanceOf(SourceNotFoundError);
    for (const k of ['a', 'b', 'c']) {
      await writeFile(join(h.dir, k), k);
      await files.upload(join(h.dir, k), BUCKET, `io3/seg/${k}`);
    }
    await files.upload(join(h.dir, 'a'), BUCKET, 'io3/keep');

    const deleted = await files.deletePrefix(BUCKET, 'io3/seg/');

    expect(deleted).toBe(3);
    expect((await listKeys(h, 'io3/')).map((o) => o.key)).toEqual(['io3/keep']);
  });
});

/** The registry, counting the heartbeats that reach DynamoDB. */
class CountingRegistry extends TaskRegistry {
  readonly writes: { percent?: number; at: number }[] = [];
  override async heartbeat(taskId: string, executionRef: string, progress?: { percent: number; message?: string }): Promise<TaskRecord | undefined> {
    this.writes.push({ ...(progress ? { percent: progress.percent } : {}), at: Date.now() });
    return super.heartbeat(taskId, executionRef, progress);
  }
}

describe('TaskBeacon', () => {
  it('writes progress at most once a second, the latest value last, and the final 100 at once', async () => {
    // Prepare
    const task = await runningTask(h, {}, 'beacon');
    const registry = new CountingRegistry(h.dynamo.doc, h.table);
    const stops: string[] = [];
    const beacon = new TaskBeacon({ registry, ...task, heartbeatMs: 60_000, onStop: (r) => stops.push(r) });

    // Act
    expect(await beacon.start()).toBe(true);
    const started = Date.now();
    let last = 0;
    for (let p = 0; Date.now() - started < 2300; p += 1) {
      last = Math.min(99, p / 10);
      beacon.progress(last, 'transcoding');
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 1100)); // the trailing write
    await beacon.finalProgress(100, 'done');
    await beacon.close();

    // Assess
    const progressWrites = registry.writes.filter((w) => w.percent !== undefined);
    expect(progressWrites.length).toBeGreaterThanOrEqual(3);
    expect(progressWrites.length).toBeLessThanOrEqual(5); // ≤ 1/s over ~3.4 s, plus the final one
    for (let i = 1; i < progressWrites.length - 1; i++) {
      expect((progressWrites[i]?.at ?? 0) - (progressWrites[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(990);
    }
    expect(progressWrites.at(-2)?.percent).toBe(Math.round(last * 10) / 10); // the trailing write carries the latest value
    expect(progressWrites.at(-1)?.percent).toBe(100);
    expect((await record(h, task.taskId)).progress).toMatchObject({ percent: 100, message: 'done' });
    expect(stops).toEqual([]);
  });

  it('fires onStop when the record is STOPPING or owned by another attempt', async () => {
    const task = await runningTask(h, {}, 'beacon');
    const stops: string[] = [];
    const beacon = new TaskBeacon({ registry: h.registry, ...task, onStop: (r) => stops.push(r) });
    expect(await beacon.start()).toBe(true);

    await h.registry.requestStop(task.taskId);
    await beacon.finalProgress(50);
    await beacon.close();

    const other = new TaskBeacon({ registry: h.registry, taskId: task.taskId, executionRef: 'someone-else', onStop: (r) => stops.push(r) });
    expect(await other.start()).toBe(false);
    await other.close();
    expect(stops).toEqual([`task '${task.taskId}' is STOPPING`, `attempt someone-else no longer owns task '${task.taskId}'`]);
  });
});
