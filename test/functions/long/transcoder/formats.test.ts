// Single-pass transcodes into every output format, end to end: a real clip in s3rver, the worker's
// main() against dynalite, the outputs read back from S3 and checked with ffprobe.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../../functions/long/transcoder/worker.js';
import { BUCKET, download, ffprobe, listKeys, makeClip, putFile, record, runningTask, startHarness, workerEnv, type Harness } from './support.js';

let h: Harness;
const SOURCE_KEY = 'in/clip.mp4';
/** 6 s at 25 fps: 150 frames. */
const SOURCE_SECONDS = 6;
const SOURCE_FRAMES = 150;

beforeAll(async () => {
  h = await startHarness();
  await putFile(h, SOURCE_KEY, await makeClip(join(h.dir, 'clip.mp4'), { seconds: SOURCE_SECONDS }));
});
afterAll(async () => {
  await h.close();
});

const CASES = [
  { format: 'mp4', formatName: 'mov,mp4,m4a,3gp,3g2,mj2', video: 'h264', audio: 'aac' },
  { format: 'mov', formatName: 'mov,mp4,m4a,3gp,3g2,mj2', video: 'h264', audio: 'aac' },
  { format: 'mkv', formatName: 'matroska,webm', video: 'h264', audio: 'aac' },
  { format: 'webm', formatName: 'matroska,webm', video: 'vp9', audio: 'opus' },
  { format: 'flv', formatName: 'flv', video: 'h264', audio: 'aac' },
  { format: 'avi', formatName: 'avi', video: 'mpeg4', audio: 'mp3' },
] as const;

describe('single pass, each container', () => {
  it.each(CASES)('$format: $video + $audio, same duration and frame count as the source', async ({ format, formatName, video, audio }) => {
    // Prepare
    const payload = { bucket: BUCKET, object: SOURCE_KEY, output_dir: `out/${format}`, dst_format: format };
    const task = await runningTask(h, payload);

    // Act
    const exitCode = await main(workerEnv(h, task, payload));

    // Assess
    expect(exitCode).toBe(0);
    const key = `out/${format}/clip.${format}`;
    const [stored] = await listKeys(h, key);
    expect(stored?.size).toBeGreaterThan(1000);
    const probed = await ffprobe(await download(h, key, join(h.dir, 'outputs', `clip.${format}`)));
    expect(probed.formatName).toBe(formatName);
    expect(probed.video).toMatchObject({ codec: video, width: 320, height: 240, frames: SOURCE_FRAMES });
    expect(probed.audio?.codec).toBe(audio);
    expect(Math.abs(probed.durationSeconds - SOURCE_SECONDS)).toBeLessThanOrEqual(0.1);

    const done = await record(h, task.taskId);
    expect(done.result).toMatchObject({ outputs: [{ key, sizeBytes: stored?.size }], format, videoCodec: video, audioCodec: audio });
    expect(Math.abs(Number(done.result?.durationSeconds) - SOURCE_SECONDS)).toBeLessThanOrEqual(0.1);
    expect(done.progress).toMatchObject({ percent: 100 });
    expect(done.status).toBe('RUNNING'); // the orchestrator, not the worker, records SUCCEEDED
    expect(done.error).toBeUndefined();
  });

  it('m3u8: an HLS playlist whose segments all exist in S3, playable as a whole', async () => {
    // Prepare
    const payload = { bucket: BUCKET, object: SOURCE_KEY, output_dir: 'out/hls/', dst_format: 'm3u8' };
    const task = await runningTask(h, payload);

    // Act
    const exitCode = await main(workerEnv(h, task, payload));

    // Assess
    expect(exitCode).toBe(0);
    const stored = await listKeys(h, 'out/hls/clip/');
    const keys = stored.map((o) => o.key);
    const playlistPath = await download(h, 'out/hls/clip/index.m3u8', join(h.dir, 'hls', 'index.m3u8'));
    const playlist = await readFile(playlistPath, 'utf8');
    const referenced = playlist.split('\n').filter((line) => line.endsWith('.ts'));
    expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(playlist).toContain('#EXT-X-ENDLIST');
    expect(referenced.length).toBeGreaterThanOrEqual(2); // 6 s in 4 s segments
    for (const name of referenced) expect(keys).toContain(`out/hls/clip/${name}`);
    expect(keys).toHaveLength(referenced.length + 1);
    for (const name of referenced) await download(h, `out/hls/clip/${name}`, join(h.dir, 'hls', name));
    const probed = await ffprobe(playlistPath);
    expect(probed.video).toMatchObject({ codec: 'h264', frames: SOURCE_FRAMES });
    expect(probed.audio?.codec).toBe('aac');
    expect(Math.abs(probed.durationSeconds - SOURCE_SECONDS)).toBeLessThanOrEqual(0.1);

    const done = await record(h, task.taskId);
    const playlistSize = stored.find((o) => o.key.endsWith('index.m3u8'))?.size;
    expect(done.result).toMatchObject({
      outputs: [{ key: 'out/hls/clip/index.m3u8', sizeBytes: playlistSize }],
      segments: { prefix: 'out/hls/clip/', count: referenced.length },
      format: 'm3u8',
      videoCodec: 'h264',
      audioCodec: 'aac',
    });
    expect(done.progress?.percent).toBe(100);
  });

  it('honours video_codec, audio_codec and resolution overrides', async () => {
    // Prepare
    const payload = { bucket: BUCKET, object: SOURCE_KEY, output_dir: 'out/override', dst_format: 'mkv', video_codec: 'vp9', audio_codec: 'opus', resolution: 120, preset: 'ultrafast' };
    const task = await runningTask(h, payload);

    // Act
    const exitCode = await main(workerEnv(h, task, payload));

    // Assess
    expect(exitCode).toBe(0);
    const probed = await ffprobe(await download(h, 'out/override/clip.mkv', join(h.dir, 'outputs', 'override.mkv')));
    expect(probed.video).toMatchObject({ codec: 'vp9', width: 160, height: 120, frames: SOURCE_FRAMES });
    expect(probed.audio?.codec).toBe('opus');
    expect((await record(h, task.taskId)).result).toMatchObject({ videoCodec: 'vp9', audioCodec: 'opus' });
  });
});
