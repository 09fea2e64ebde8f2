// Segmented parallel mode: plan → segment 0..n-1 → join, compared with a single pass of the same input:
// same frame count (±1) and duration (±1 frame); the scratch segments are deleted at the end.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../../functions/long/transcoder/worker.js';
import { BUCKET, downloadOutput, ffprobe, listKeys, makeClip, putFile, record, runningTask, startHarness, workerEnv, type Harness, type Probed } from './support.js';

let h: Harness;
const SEGMENTED = { SEGMENT_MIN_DURATION_SECONDS: '1', SEGMENT_COUNT: '3' };

/** The per-comparison numbers, printed at the end (the report quotes them). */
const measured: Record<string, unknown>[] = [];

beforeAll(async () => {
  h = await startHarness();
  // Keyframes every second: the plan can cut near 2 s and 4 s.
  await putFile(h, 'in/clip25.mp4', await makeClip(join(h.dir, 'clip25.mp4'), { seconds: 6, rate: '25', gop: 25 }));
  await putFile(h, 'in/clip2997.mp4', await makeClip(join(h.dir, 'clip2997.mp4'), { seconds: 6, rate: '30000/1001', gop: 30 }));
});
afterAll(async () => {
  console.table(measured);
  await h.close();
});

async function singlePass(object: string, format: string, preset: string): Promise<Probed> {
  const payload = { bucket: BUCKET, object, output_dir: `single/${format}`, dst_format: format, preset };
  const task = await runningTask(h, payload, 'single');
  expect(await main(workerEnv(h, task, payload))).toBe(0);
  return ffprobe(await downloadOutput(h, outputKey(`single/${format}`, object, format), join(h.dir, 'single', task.taskId)));
}

function outputKey(dir: string, object: string, format: string): string {
  const stem = object.slice(object.lastIndexOf('/') + 1, object.lastIndexOf('.'));
  return format === 'm3u8' ? `${dir}/${stem}/index.m3u8` : `${dir}/${stem}.${format}`;
}

describe('segmented: plan → segments → join', () => {
  it.each([
    { object: 'in/clip25.mp4', format: 'mp4', fps: 25, preset: 'veryfast' },
    { object: 'in/clip2997.mp4', format: 'mkv', fps: 30000 / 1001, preset: 'veryfast' },
    { object: 'in/clip25.mp4', format: 'webm', fps: 25, preset: 'ultrafast' }, // VP9 realtime: 5x faster
    { object: 'in/clip25.mp4', format: 'm3u8', fps: 25, preset: 'veryfast' },
  ])('$object → $format matches a single pass (frames ±1, duration ±1 frame)', async ({ object, format, fps, preset }) => {
    // Prepare
    const payload = { bucket: BUCKET, object, output_dir: `seg/${format}`, dst_format: format, preset };
    const task = await runningTask(h, payload, 'seg');
    const env = (mode: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => workerEnv(h, task, payload, { WORKER_MODE: mode, ...SEGMENTED, ...extra });
    const reference = await singlePass(object, format, preset);

    // Act
    const planned = await main(env('plan'));
    const plan = (await record(h, task.taskId)).plan as { segmentCount: number; segmentsPrefix: string; durationSeconds: number };
    const inputs = await listKeys(h, plan.segmentsPrefix);
    const segmentExits = await Promise.all([0, 1, 2, 3].map((i) => main(env('segment', { SEGMENT_INDEX: String(i) }))));
    const joined = await main(env('join'));

    // Assess
    expect(planned).toBe(0);
    expect(plan).toMatchObject({ segmentCount: 3, segmentsPrefix: `seg/${format}/.segments/${task.taskId}/` });
    expect(inputs.map((o) => o.key.slice(plan.segmentsPrefix.length))).toEqual(['audio.mov', 'in_000.mkv', 'in_001.mkv', 'in_002.mkv']);
    expect(segmentExits).toEqual([0, 0, 0, 0]); // index 3 ≥ segmentCount: nothing to do
    expect(joined).toBe(0);

    const done = await record(h, task.taskId);
    const key = outputKey(`seg/${format}`, object, format);
    expect(done.result).toMatchObject({ outputs: [{ key }], format });
    expect(done.progress?.percent).toBe(100);
    expect(done.error).toBeUndefined();
    expect(await listKeys(h, plan.segmentsPrefix)).toEqual([]);

    const result = await ffprobe(await downloadOutput(h, key, join(h.dir, 'joined', task.taskId)));
    const frame = 1 / fps;
    measured.push({
      case: `${object} → ${format}`,
      singleFrames: reference.video?.frames,
      joinedFrames: result.video?.frames,
      singleSeconds: reference.durationSeconds,
      joinedSeconds: result.durationSeconds,
      diffMs: Math.round((result.durationSeconds - reference.durationSeconds) * 1e6) / 1e3,
    });
    expect(result.video?.codec).toBe(reference.video?.codec);
    expect(result.audio?.codec).toBe(reference.audio?.codec);
    expect(Math.abs((result.video?.frames ?? 0) - (reference.video?.frames ?? 0))).toBeLessThanOrEqual(1);
    expect(Math.abs(result.durationSeconds - reference.durationSeconds)).toBeLessThanOrEqual(frame);
  });

  it('plan below the duration threshold transcodes in one pass; segment and join then have nothing to do', async () => {
    // Prepare
    const payload = { bucket: BUCKET, object: 'in/clip25.mp4', output_dir: 'short', dst_format: 'mp4' };
    const task = await runningTask(h, payload, 'short');
    const env = (mode: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => workerEnv(h, task, payload, { WORKER_MODE: mode, ...extra });

    // Act
    const planned = await main(env('plan')); // default threshold: 600 s
    const afterPlan = await record(h, task.taskId);
    const segment = await main(env('segment', { SEGMENT_INDEX: '0' }));
    const joined = await main(env('join'));

    // Assess
    expect([planned, segment, joined]).toEqual([0, 0, 0]);
    expect(afterPlan.plan).toEqual({ segmentCount: 1, durationSeconds: 6 });
    expect(afterPlan.result).toMatchObject({ outputs: [{ key: 'short/clip25.mp4' }], videoCodec: 'h264', audioCodec: 'aac' });
    expect(afterPlan.progress?.percent).toBe(100);
    expect((await listKeys(h, 'short/')).map((o) => o.key)).toEqual(['short/clip25.mp4']);
  });

  it('join without the encoded segments fails with InvalidPlan naming the missing ones', async () => {
    // Prepare
    const payload = { bucket: BUCKET, object: 'in/clip25.mp4', output_dir: 'partial', dst_format: 'mp4' };
    const task = await runningTask(h, payload, 'partial');
    const env = (mode: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => workerEnv(h, task, payload, { WORKER_MODE: mode, ...SEGMENTED, ...extra });
    expect(await main(env('plan'))).toBe(0);
    expect(await main(env('segment', { SEGMENT_INDEX: '1' }))).toBe(0);

    // Act
    const joined = await main(env('join'));

    // Assess
    expect(joined).toBe(1);
    const prefix = `partial/.segments/${task.taskId}/`;
    expect((await record(h, task.taskId)).error).toEqual({
      type: 'InvalidPlan',
      message: `2 of 3 encoded segments are missing: s3://${BUCKET}/${prefix}out_000.mkv, s3://${BUCKET}/${prefix}out_002.mkv`,
    });
    expect((await listKeys(h, 'partial/')).map((o) => o.key)).toContain(`${prefix}out_001.mkv`); // kept for a redrive
  });
});
