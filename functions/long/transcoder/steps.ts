// The steps every mode shares: fetch and probe the source, choose the encoding, run ffmpeg with
// progress, upload the outputs and record the result.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { TaskRegistry } from '../../core/registry.js';
import type { TaskBeacon } from '../../core/beacon.js';
import type { EncodeSettings } from './commands.js';
import { availableEncoders, chooseEncoders } from './encoders.js';
import { InvalidInputError, StopRequestedError, s3Url } from './errors.js';
import { runFfmpeg } from './ffmpeg.js';
import { contentTypeOf, DEFAULT_PRESET, HLS_PLAYLIST } from './formats.js';
import { localName, outputLayout } from './layout.js';
import type { TranscodePayload } from './payload.js';
import { probe, ProbeError, type MediaInfo } from './probe.js';
import type { S3Files } from './s3-files.js';

/** Everything a step needs about the run. */
export interface RunContext {
  readonly taskId: string;
  readonly executionRef: string;
  readonly payload: TranscodePayload;
  readonly registry: TaskRegistry;
  readonly files: S3Files;
  readonly beacon: TaskBeacon;
  /** Fires on SIGTERM or a stop found by a heartbeat. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** This run's own scratch directory (removed at the end). */
  readonly workDir: string;
}

export interface OutputObject {
  readonly key: string;
  readonly sizeBytes: number;
}

/** Timing of a phase, for its log line. */
export async function phase<T>(ctx: RunContext, name: string, work: () => Promise<T>, details?: (result: T) => Record<string, unknown>): Promise<T> {
  const started = Date.now();
  const result = await work();
  ctx.logger.info(name, { phase: name, durationMs: Date.now() - started, ...(details ? details(result) : {}) });
  return result;
}

export interface Source {
  readonly path: string;
  readonly sizeBytes: number;
  readonly info: MediaInfo;
}

/**
 * Downloads the payload's object into the work directory (as `input.<ext>`: the key never becomes a
 * path) and probes it. An empty object or one that is not a video is an InvalidInputError.
 */
export async function fetchSource(ctx: RunContext): Promise<Source> {
  const { bucket, object } = ctx.payload;
  const url = s3Url(bucket, object);
  const path = join(ctx.workDir, localName('input', object));
  const sizeBytes = await phase(ctx, 'download', () => ctx.files.download(bucket, object, path, ctx.signal), (size) => ({ source: url, sizeBytes: size }));
  if (sizeBytes === 0) throw new InvalidInputError(`${url} is empty (0 bytes)`);
  const info = await phase(
    ctx,
    'probe',
    async () => {
      try {
        return await probe(path, ctx.signal);
      } catch (error) {
        if (error instanceof ProbeError) throw new InvalidInputError(`${url} is not a video ffprobe can read: ${error.reason}`);
        throw error;
      }
    },
    (i) => ({ durationSeconds: i.durationSeconds, format: i.formatName, video: i.video, audio: i.audio }),
  );
  // Formats that are lists of other files: those files are not here (and must not be fetched).
  if (/(^|,)(hls|concat|ffconcat)(,|$)/.test(info.formatName)) throw new InvalidInputError(`${url} is a playlist (${info.formatName}), not a video file`);
  if (!info.video) throw new InvalidInputError(`${url} is not a video ffprobe can read: it has no video stream (${info.formatName})`);
  return { path, sizeBytes, info };
}

/** The run's encoding: the payload's overrides or the format's defaults available in this ffmpeg build. */
export async function encodeSettings(payload: TranscodePayload, info: MediaInfo): Promise<EncodeSettings> {
  const encoders = chooseEncoders(payload.format, await availableEncoders(), {
    ...(payload.videoEncoder ? { video: payload.videoEncoder } : {}),
    ...(payload.audioEncoder ? { audio: payload.audioEncoder } : {}),
  });
  return {
    format: payload.format,
    videoEncoder: encoders.video,
    ...(info.audio ? { audioEncoder: encoders.audio } : {}),
    preset: payload.preset ?? DEFAULT_PRESET,
    ...(payload.resolution ? { resolution: payload.resolution } : {}),
    ...(info.video?.frameRate ? { frameRate: info.video.frameRate } : {}),
  };
}

/** Runs ffmpeg, reporting its progress as `from`–`to` percent of the task. */
export function encode(ctx: RunContext, args: string[], durationSeconds: number, from: number, to: number, message: string): Promise<void> {
  return runFfmpeg(args, {
    signal: ctx.signal,
    durationSeconds,
    onProgress: (fraction) => ctx.beacon.progress(from + (to - from) * fraction, message),
  });
}

/**
 * Uploads the final output: the file at `localPath`, or (m3u8) every file of the directory `localPath`
 * into the output folder, media segments first (8 at a time) and the playlist last, so that a playlist
 * in S3 never names a segment that is not there yet. Returns the objects written.
 */
export async function publishOutput(ctx: RunContext, localPath: string): Promise<OutputObject[]> {
  const layout = outputLayout(ctx.payload);
  const { bucket, format } = ctx.payload;
  const put = async (path: string, key: string): Promise<OutputObject> => ({
    key,
    sizeBytes: await ctx.files.upload(path, bucket, key, { contentType: contentTypeOf(key, format), signal: ctx.signal }),
  });
  return phase(
    ctx,
    'upload',
    async () => {
      if (!layout.folder) return [await put(localPath, layout.mainKey)];
      const folder = layout.folder;
      const names = (await readdir(localPath)).sort();
      const media = names.filter((n) => n !== HLS_PLAYLIST);
      const uploaded: OutputObject[] = [];
      let next = 0;
      const uploader = async (): Promise<void> => {
        while (next < media.length) {
          const name = media[next++] ?? '';
          uploaded.push(await put(join(localPath, name), `${folder}${name}`));
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, media.length) }, uploader));
      const playlist = await put(join(localPath, HLS_PLAYLIST), layout.mainKey);
      return [playlist, ...uploaded.sort((a, b) => a.key.localeCompare(b.key))];
    },
    (outputs) => ({ bucket, objects: outputs.length, bytes: outputs.reduce((n, o) => n + o.sizeBytes, 0), key: layout.mainKey }),
  );
}

/** The local file ffprobe reads to describe the output (the playlist for m3u8). */
function outputProbePath(ctx: RunContext, localPath: string): string {
  return ctx.payload.format === 'm3u8' ? join(localPath, HLS_PLAYLIST) : localPath;
}

export interface TranscodeResult {
  /** The output file, or the HLS playlist. */
  readonly outputs: OutputObject[];
  /** HLS: the media segments beside the playlist (summarised: a long video has thousands). */
  readonly segments?: { readonly prefix: string; readonly count: number; readonly totalBytes: number };
  readonly durationSeconds: number;
  readonly format: string;
  readonly videoCodec: string;
  readonly audioCodec: string | null;
}

/**
 * Probes the output, records the result on the task (`annotate`) and the final progress. Throws
 * StopRequestedError when this attempt no longer owns the task.
 */
export async function recordResult(ctx: RunContext, localPath: string, outputs: OutputObject[]): Promise<TranscodeResult> {
  const info = await probe(outputProbePath(ctx, localPath), ctx.signal);
  const layout = outputLayout(ctx.payload);
  const main = outputs.filter((o) => o.key === layout.mainKey);
  const others = outputs.filter((o) => o.key !== layout.mainKey);
  const result: TranscodeResult = {
    outputs: main,
    ...(layout.folder ? { segments: { prefix: layout.folder, count: others.length, totalBytes: others.reduce((n, o) => n + o.sizeBytes, 0) } } : {}),
    durationSeconds: Math.round(info.durationSeconds * 1000) / 1000,
    format: ctx.payload.format,
    videoCodec: info.video?.codec ?? 'none',
    audioCodec: info.audio?.codec ?? null,
  };
  const owned = await ctx.registry.annotate(ctx.taskId, ctx.executionRef, { result });
  if (!owned) throw new StopRequestedError(`attempt ${ctx.executionRef} no longer owns task '${ctx.taskId}'; result not recorded`);
  await ctx.beacon.finalProgress(100, `done: ${outputs[0]?.key ?? ''}`);
  ctx.logger.info('result recorded', { phase: 'result', result });
  return result;
}
