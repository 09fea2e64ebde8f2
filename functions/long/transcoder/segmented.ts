// Segmented parallel mode: `plan` cuts the source's video at keyframes (stream copy) and keeps its audio
// whole; one `segment` step per piece encodes it; `join` concatenates the pieces (stream copy), encodes
// the audio once and muxes the output exactly as a single pass would. The plan is recorded on the task
// (`plan`), which is how the steps, each in its own container, find each other's work.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { segmentedUsage, type TaskUsage } from '../../core/usage.js';
import type { EncodeSettings } from './commands.js';
import { concatList, equalCutTimes, extractAudioArgs, joinArgs, segmentArgs, splitVideoArgs } from './commands.js';
import type { SegmentUsage } from './config.js';
import { InvalidPlanError, StopRequestedError, s3Url, TranscodeFailedError } from './errors.js';
import { runFfmpeg } from './ffmpeg.js';
import { DST_FORMATS, PRESETS, VIDEO_ENCODERS, AUDIO_ENCODERS } from './formats.js';
import { segmentInputKey, segmentOutputKey, segmentsPrefix } from './layout.js';
import { probe } from './probe.js';
import { localOutput, transcodeSinglePass } from './single-pass.js';
import { encode, encodeSettings, fetchSource, phase, publishOutput, recordResult, type RunContext, type TranscodeResult } from './steps.js';

export interface SegmentingOptions {
  /** Inputs shorter than this are transcoded in one pass by `plan`. */
  readonly minDurationSeconds: number;
  /** How many pieces `plan` aims for (fewer when the source has too few keyframes). */
  readonly segmentCount: number;
  /** Recorded as the task's usage once the segments are known (one task's size × those that run side by side). */
  readonly usage?: SegmentUsage;
}

const settingsSchema = z.object({
  format: z.enum(DST_FORMATS),
  videoEncoder: z.enum(VIDEO_ENCODERS),
  audioEncoder: z.enum(AUDIO_ENCODERS).optional(),
  preset: z.enum(PRESETS),
  resolution: z.union([z.object({ width: z.number(), height: z.number() }), z.object({ height: z.number() })]).optional(),
  frameRate: z.string().optional(),
});

export const PlanSchema = z.object({
  segmentCount: z.number().int().min(1),
  durationSeconds: z.number(),
  segmentsPrefix: z.string().optional(),
  segments: z.array(z.object({ key: z.string(), durationSeconds: z.number() })).optional(),
  /** The source's first audio stream, copied whole; absent when the source has none. */
  audioKey: z.string().optional(),
  /** Decided once by `plan`: every segment and the join encode alike. */
  settings: settingsSchema.optional(),
});
export type Plan = z.infer<typeof PlanSchema>;

/** Progress: plan 0–5 %, segments 5–90 % (each reports its own fraction: they run side by side), join 90–100 %. */
const PLANNED = 5;
const SEGMENTS_DONE = 90;

export async function planSegments(ctx: RunContext, options: SegmentingOptions): Promise<TranscodeResult | Plan> {
  const source = await fetchSource(ctx);
  const duration = source.info.durationSeconds;
  const wanted = ctx.payload.segmentCount ?? options.segmentCount;
  const minDuration = ctx.payload.segmentMinDurationSeconds ?? options.minDurationSeconds;
  const singlePass = async (reason: string): Promise<TranscodeResult> => {
    await annotatePlan(ctx, { segmentCount: 1, durationSeconds: duration });
    ctx.logger.info('plan', { phase: 'plan', segmentCount: 1, durationSeconds: duration, reason });
    return transcodeSinglePass(ctx, source);
  };
  if (wanted <= 1) return singlePass(`SEGMENT_COUNT is ${wanted}`);
  if (duration < minDuration) return singlePass(`${duration} s is under the ${minDuration} s segmenting threshold`);

  const settings = await encodeSettings(ctx.payload, source.info);
  const pieces = await phase(
    ctx,
    'split',
    async () => {
      await encode(ctx, splitVideoArgs(source.path, join(ctx.workDir, 'in_%03d.mkv'), equalCutTimes(duration, wanted)), duration, 0, PLANNED - 1, 'splitting');
      return (await readdir(ctx.workDir)).filter((f) => /^in_\d{3}\.mkv$/.test(f)).sort();
    },
    (files) => ({ wanted, segmentCount: files.length }),
  );
  if (pieces.length <= 1) return singlePass(`the source has no keyframe to cut at (${pieces.length} piece)`);

  const audioPath = source.info.audio ? await extractAudio(ctx, source.path, source.info.formatName) : undefined;
  const prefix = segmentsPrefix(ctx.payload, ctx.taskId);
  const { bucket } = ctx.payload;
  const segments = await phase(
    ctx,
    'upload-segments',
    async () => {
      const out: { key: string; durationSeconds: number }[] = [];
      for (const [index, file] of pieces.entries()) {
        const path = join(ctx.workDir, file);
        const key = segmentInputKey(prefix, index);
        const info = await probe(path, ctx.signal);
        await ctx.files.upload(path, bucket, key, { contentType: 'video/x-matroska', signal: ctx.signal });
        out.push({ key, durationSeconds: info.durationSeconds });
      }
      return out;
    },
    (s) => ({ prefix: s3Url(bucket, prefix), segments: s.length }),
  );
  const audioKey = audioPath ? `${prefix}audio${audioPath.slice(audioPath.lastIndexOf('.'))}` : undefined;
  if (audioPath && audioKey) await ctx.files.upload(audioPath, bucket, audioKey, { signal: ctx.signal });

  const plan: Plan = {
    segmentCount: segments.length,
    durationSeconds: duration,
    segmentsPrefix: prefix,
    segments,
    ...(audioKey ? { audioKey } : {}),
    settings,
  };
  await annotatePlan(ctx, plan, options.usage ? segmentedUsage(options.usage.onePass, segments.length, options.usage.maxConcurrency) : undefined);
  ctx.beacon.progress(PLANNED, `planned ${segments.length} segments`);
  ctx.logger.info('plan', { phase: 'plan', segmentCount: segments.length, durationSeconds: duration, segmentsPrefix: prefix });
  return plan;
}

/** Copies the first audio stream whole: into MOV when the source is MP4/MOV (keeps the edit list), else Matroska. */
async function extractAudio(ctx: RunContext, input: string, formatName: string): Promise<string> {
  const candidates: ['mov' | 'matroska', string][] = /mov|mp4/.test(formatName) ? [['mov', 'audio.mov'], ['matroska', 'audio.mka']] : [['matroska', 'audio.mka']];
  let last: unknown;
  for (const [muxer, name] of candidates) {
    const path = join(ctx.workDir, name);
    try {
      await phase(ctx, 'extract-audio', () => runFfmpeg(extractAudioArgs(input, path, muxer), { signal: ctx.signal, durationSeconds: 0 }), () => ({ muxer }));
      return path;
    } catch (error) {
      if (!(error instanceof TranscodeFailedError)) throw error;
      last = error;
    }
  }
  throw last;
}

/** Encodes piece `index` of the plan. Nothing to do (returns false) when the plan has fewer pieces. */
export async function transcodeSegment(ctx: RunContext, index: number): Promise<boolean> {
  const plan = await readPlan(ctx);
  if (plan.segmentCount <= 1 || index >= plan.segmentCount) {
    ctx.logger.info('nothing to do', { phase: 'segment', index, segmentCount: plan.segmentCount });
    return false;
  }
  const { segment, settings, prefix } = segmentedParts(plan, index);
  const { bucket } = ctx.payload;
  const input = join(ctx.workDir, 'segment-in.mkv');
  const output = join(ctx.workDir, 'segment-out.mkv');
  await phase(ctx, 'download', () => ctx.files.download(bucket, segment.key, input, ctx.signal), (size) => ({ source: s3Url(bucket, segment.key), sizeBytes: size }));
  const message = `segment ${index + 1}/${plan.segmentCount}`;
  await phase(ctx, 'transcode', () => encode(ctx, segmentArgs(input, output, settings), segment.durationSeconds, PLANNED, SEGMENTS_DONE, message), () => ({ index }));
  const key = segmentOutputKey(prefix, index);
  await phase(ctx, 'upload', () => ctx.files.upload(output, bucket, key, { contentType: 'video/x-matroska', signal: ctx.signal }), (size) => ({ key, sizeBytes: size }));
  return true;
}

/** Joins the encoded pieces into the output, records the result and deletes the pieces. Nothing to do for a one-piece plan. */
export async function joinSegments(ctx: RunContext): Promise<TranscodeResult | undefined> {
  const plan = await readPlan(ctx);
  if (plan.segmentCount <= 1) {
    ctx.logger.info('nothing to do', { phase: 'join', segmentCount: plan.segmentCount });
    return undefined;
  }
  const { settings, prefix } = segmentedParts(plan, 0);
  const { bucket } = ctx.payload;
  const keys = Array.from({ length: plan.segmentCount }, (_, i) => segmentOutputKey(prefix, i));
  const present = new Set(await ctx.files.list(bucket, prefix, ctx.signal));
  const missing = keys.filter((k) => !present.has(k));
  if (missing.length) throw new InvalidPlanError(`${missing.length} of ${keys.length} encoded segments are missing: ${missing.map((k) => s3Url(bucket, k)).join(', ')}`);

  const { pieces, audio } = await phase(
    ctx,
    'download',
    async () => {
      const paths: string[] = [];
      for (const [i, key] of keys.entries()) {
        const path = join(ctx.workDir, `piece_${i}.mkv`);
        await ctx.files.download(bucket, key, path, ctx.signal);
        paths.push(path);
      }
      let audioPath: string | undefined;
      if (plan.audioKey) {
        audioPath = join(ctx.workDir, `audio${plan.audioKey.slice(plan.audioKey.lastIndexOf('.'))}`);
        await ctx.files.download(bucket, plan.audioKey, audioPath, ctx.signal);
      }
      return { pieces: paths, audio: audioPath };
    },
    (r) => ({ segments: r.pieces.length, audio: r.audio !== undefined }),
  );
  const list = join(ctx.workDir, 'concat.txt');
  await writeFile(list, concatList(pieces));
  const output = await localOutput(ctx);
  await phase(ctx, 'join', () => encode(ctx, joinArgs(list, audio, output, settings), plan.durationSeconds, SEGMENTS_DONE, 99, 'joining'), () => ({ segments: pieces.length }));
  const outputs = await publishOutput(ctx, output);
  const result = await recordResult(ctx, output, outputs);
  const deleted = await ctx.files.deletePrefix(bucket, prefix);
  ctx.logger.info('cleanup', { phase: 'cleanup', prefix: s3Url(bucket, prefix), deleted });
  return result;
}

async function readPlan(ctx: RunContext): Promise<Plan> {
  const record = await ctx.registry.get(ctx.taskId);
  const parsed = PlanSchema.safeParse((record as { plan?: unknown }).plan);
  if (!parsed.success) throw new InvalidPlanError(`task '${ctx.taskId}' has no valid plan (run WORKER_MODE=plan first): ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function segmentedParts(plan: Plan, index: number): { segment: { key: string; durationSeconds: number }; settings: EncodeSettings; prefix: string } {
  const segment = plan.segments?.[index];
  if (!segment || !plan.settings || !plan.segmentsPrefix) throw new InvalidPlanError(`the plan has no segment ${index} (segmentCount ${plan.segmentCount})`);
  return { segment, settings: plan.settings, prefix: plan.segmentsPrefix };
}

async function annotatePlan(ctx: RunContext, plan: Plan, usage?: TaskUsage): Promise<void> {
  const owned = await ctx.registry.annotate(ctx.taskId, ctx.executionRef, { plan, ...(usage ? { usage } : {}) });
  if (!owned) throw new StopRequestedError(`attempt ${ctx.executionRef} no longer owns task '${ctx.taskId}'; plan not recorded`);
}
