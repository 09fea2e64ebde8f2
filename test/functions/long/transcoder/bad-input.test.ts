// Inputs the worker must refuse with a clear error on the task (exit 1), and hostile object keys it must
// simply handle (argument arrays, never a shell).
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../../functions/long/transcoder/worker.js';
import { BUCKET, FIXTURES, ffprobe, download, listKeys, makeClip, putBytes, putFile, record, runningTask, startHarness, workerEnv, type Harness } from './support.js';

let h: Harness;
let clipPath: string;

beforeAll(async () => {
  h = await startHarness();
  clipPath = await makeClip(join(h.dir, 'short.mp4'), { seconds: 2 });
  await putFile(h, 'in/short.mp4', clipPath);
  await putBytes(h, 'in/empty.mp4', new Uint8Array(0));
  await putBytes(h, 'in/notes.mp4', await readFile(new URL('not-a-video.mp4', FIXTURES)));
});
afterAll(async () => {
  await h.close();
});

async function runWith(payload: unknown): Promise<{ exitCode: number; error: unknown; taskId: string }> {
  const task = await runningTask(h, payload);
  const exitCode = await main(workerEnv(h, task, payload));
  return { exitCode, error: (await record(h, task.taskId)).error, taskId: task.taskId };
}

describe('bad input fails the task with a clear error', () => {
  it('a missing object: SourceNotFound', async () => {
    const { exitCode, error } = await runWith({ bucket: BUCKET, object: 'in/nope.mp4', output_dir: 'out', dst_format: 'mp4' });

    expect(exitCode).toBe(1);
    expect(error).toEqual({ type: 'SourceNotFound', message: `s3://${BUCKET}/in/nope.mp4 does not exist` });
  });

  it('a missing bucket: SourceNotFound', async () => {
    const { exitCode, error } = await runWith({ bucket: 'no-such-bucket', object: 'a.mp4', output_dir: 'out', dst_format: 'mp4' });

    expect(exitCode).toBe(1);
    expect(error).toEqual({ type: 'SourceNotFound', message: 's3://no-such-bucket/a.mp4 does not exist' });
  });

  it('a zero-byte object: InvalidInput', async () => {
    const { exitCode, error } = await runWith({ bucket: BUCKET, object: 'in/empty.mp4', output_dir: 'out', dst_format: 'mp4' });

    expect(exitCode).toBe(1);
    expect(error).toEqual({ type: 'InvalidInput', message: `s3://${BUCKET}/in/empty.mp4 is empty (0 bytes)` });
  });

  it('a text file named .mp4: InvalidInput with ffprobe’s first error line', async () => {
    const { exitCode, error } = await runWith({ bucket: BUCKET, object: 'in/notes.mp4', output_dir: 'out', dst_format: 'mp4' });

    expect(exitCode).toBe(1);
    expect(error).toEqual({
      type: 'InvalidInput',
      message: `s3://${BUCKET}/in/notes.mp4 is not a video ffprobe can read: [mov,mp4,m4a,3gp,3g2,mj2] moov atom not found`,
    });
  });

  it('a playlist pointing at a URL: InvalidInput, and nothing is fetched', async () => {
    // Prepare: an HTTP server standing in for the container credentials endpoint.
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end('secret');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nhttp://127.0.0.1:${port}/v2/credentials.ts\n#EXT-X-ENDLIST\n`;
    await putBytes(h, 'in/evil.m3u8', playlist);

    // Act
    const { exitCode, error } = await runWith({ bucket: BUCKET, object: 'in/evil.m3u8', output_dir: 'out', dst_format: 'mp4' });
    await new Promise<void>((resolve) => server.close(() => resolve()));

    // Assess
    expect(exitCode).toBe(1);
    expect(error).toMatchObject({ type: 'InvalidInput', message: expect.stringMatching(new RegExp(`^s3://${BUCKET}/in/evil.m3u8 is `)) as unknown });
    expect(requests).toEqual([]);
  });

  it('an unsupported dst_format: InvalidPayload naming the formats', async () => {
    const { exitCode, error } = await runWith({ bucket: BUCKET, object: 'in/short.mp4', output_dir: 'out', dst_format: 'gif' });

    expect(exitCode).toBe(1);
    expect(error).toEqual({ type: 'InvalidPayload', message: "dst_format: unsupported format 'gif'; one of mp4, mov, mkv, webm, flv, avi, m3u8" });
  });

  it.each(['../x', 'a/../../b', '/abs', 'a\\b', 'a/./b', 'a//b', 'tab\there'])('output_dir %j: InvalidPayload, nothing written', async (dir) => {
    const { exitCode, error } = await runWith({ bucket: BUCKET, object: 'in/short.mp4', output_dir: dir, dst_format: 'mp4' });

    expect(exitCode).toBe(1);
    expect(error).toMatchObject({ type: 'InvalidPayload', message: expect.stringMatching(/^output_dir: /) as unknown });
    expect((await listKeys(h, '')).map((o) => o.key).filter((k) => k.endsWith('short.mp4') && k !== 'in/short.mp4')).toEqual([]);
  });

  it('a payload that is not JSON, a missing field and a codec the container cannot hold: InvalidPayload', async () => {
    const notJson = await runningTask(h, 'x');
    expect(await main(workerEnv(h, notJson, '{"bucket": '))).toBe(1);
    expect((await record(h, notJson.taskId)).error).toMatchObject({ type: 'InvalidPayload', message: expect.stringMatching(/^payload: not JSON/) as unknown });

    const missing = await runWith({ bucket: BUCKET, output_dir: 'out', dst_format: 'mp4' });
    expect(missing.exitCode).toBe(1);
    expect(missing.error).toMatchObject({ type: 'InvalidPayload', message: expect.stringMatching(/^object: /) as unknown });

    const codec = await runWith({ bucket: BUCKET, object: 'in/short.mp4', output_dir: 'out', dst_format: 'webm', video_codec: 'h264' });
    expect(codec.exitCode).toBe(1);
    expect(codec.error).toEqual({ type: 'InvalidPayload', message: "video_codec: 'h264' is not allowed for webm; one of libvpx-vp9, libvpx" });
  });
});

describe('hostile object keys just work', () => {
  const PWNED = '/tmp/pwned';

  it.each([
    ['spaces', 'in/my holiday clip.mp4', 'my holiday clip'],
    ['quotes', `in/it's "quoted".mp4`, `it's "quoted"`],
    // The output is named after the key's last "/" segment: `pwned) …`.
    ['shell metacharacters', 'in/a;b $(touch /tmp/pwned) `id` |x.mp4', 'pwned) `id` |x'],
  ])('%s: %j', async (label, key, stem) => {
    // Prepare
    await rm(PWNED, { force: true });
    await putFile(h, key, clipPath);
    const payload = { bucket: BUCKET, object: key, output_dir: 'out/keys', dst_format: 'mov' };

    // Act
    const { exitCode, error, taskId } = await runWith(payload);

    // Assess
    expect(error).toBeUndefined();
    expect(exitCode).toBe(0);
    const outputKey = `out/keys/${stem}.mov`;
    expect((await record(h, taskId)).result).toMatchObject({ outputs: [{ key: outputKey }] });
    const probed = await ffprobe(await download(h, outputKey, join(h.dir, 'keys', `${label}.mov`)));
    expect(probed.video?.frames).toBe(50);
    expect(existsSync(PWNED)).toBe(false);
  });
});
