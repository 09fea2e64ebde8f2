// The transcode task's payload: `{ bucket, object, output_dir, dst_format }` plus optional encoder,
// resolution, preset and segmented-mode overrides. Validated before anything else runs.
import { z } from 'zod';
import { InvalidPayloadError } from '../../core/errors.js';
import {
  DST_FORMATS,
  FORMATS,
  PRESETS,
  resolveAudioEncoder,
  resolveVideoEncoder,
  type AudioEncoder,
  type DstFormat,
  type Preset,
  type Resolution,
  type VideoEncoder,
} from './formats.js';

/**
 * A relative S3 prefix: segments of printable characters separated by single slashes, a trailing slash
 * allowed; no leading slash, no `.` or `..` segment, no backslash, no control characters. Empty: the
 * bucket's root.
 */
export function outputDirProblem(dir: string): string | undefined {
  if (dir.length > 512) return 'must be at most 512 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(dir)) return 'must not contain control characters';
  if (dir.includes('\\')) return 'must not contain a backslash';
  if (dir.startsWith('/')) return 'must be a relative prefix (no leading "/")';
  const segments = dir.replace(/\/$/, '').split('/');
  if (dir !== '' && segments.some((s) => s === '')) return 'must not contain an empty segment ("//")';
  if (segments.some((s) => s === '..' || s === '.')) return 'must not contain a "." or ".." segment';
  return undefined;
}

const FORMAT_LIST = DST_FORMATS.join(', ');

const resolutionSchema = z.union([z.string(), z.number()]).transform((value, ctx): Resolution => {
  const text = String(value).trim();
  const size = /^(\d{2,5})x(\d{2,5})$/.exec(text);
  const height = /^(\d{2,5})p?$/.exec(text);
  const even = (n: number): boolean => n >= 16 && n <= 8192 && n % 2 === 0;
  if (size && even(Number(size[1])) && even(Number(size[2]))) return { width: Number(size[1]), height: Number(size[2]) };
  if (height && even(Number(height[1]))) return { height: Number(height[1]) };
  ctx.addIssue({ code: 'custom', message: `'${text}' is not WIDTHxHEIGHT (e.g. 1280x720) or a height (e.g. 720), even numbers from 16 to 8192` });
  return z.NEVER;
});

export const TranscodePayloadSchema = z
  .strictObject({
    bucket: z.string().min(1, 'must be a non-empty string'),
    object: z
      .string()
      .min(1, 'must be a non-empty string')
      .refine((key) => !key.endsWith('/'), 'must name an object, not a folder (ends with "/")'),
    output_dir: z.string().superRefine((dir, ctx) => {
      const problem = outputDirProblem(dir);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; got '${dir}'` });
    }),
    dst_format: z
      .string()
      .transform((f) => f.toLowerCase())
      .pipe(z.enum(DST_FORMATS, { error: (issue) => `unsupported format '${String(issue.input)}'; one of ${FORMAT_LIST}` })),
    video_codec: z.string().optional(),
    audio_codec: z.string().optional(),
    resolution: resolutionSchema.optional(),
    preset: z.enum(PRESETS, { error: () => `one of ${PRESETS.join(', ')}` }).optional(),
    segment: z
      .strictObject({
        count: z.number().int().min(1).max(64).optional(),
        min_duration_seconds: z.number().min(0).optional(),
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    const profile = FORMATS[p.dst_format];
    if (p.video_codec !== undefined) {
      const encoder = resolveVideoEncoder(p.video_codec);
      if (!encoder || !profile.video.includes(encoder)) {
        ctx.addIssue({ code: 'custom', path: ['video_codec'], message: `'${p.video_codec}' is not allowed for ${p.dst_format}; one of ${profile.video.join(', ')}` });
      }
    }
    if (p.audio_codec !== undefined) {
      const encoder = resolveAudioEncoder(p.audio_codec);
      if (!encoder || !profile.audio.includes(encoder)) {
        ctx.addIssue({ code: 'custom', path: ['audio_codec'], message: `'${p.audio_codec}' is not allowed for ${p.dst_format}; one of ${profile.audio.join(', ')}` });
      }
    }
  });

export interface TranscodePayload {
  readonly bucket: string;
  readonly object: string;
  /** The output prefix without its trailing slash ('' for the bucket's root). */
  readonly outputDir: string;
  readonly format: DstFormat;
  readonly videoEncoder?: VideoEncoder;
  readonly audioEncoder?: AudioEncoder;
  readonly resolution?: Resolution;
  readonly preset?: Preset;
  readonly segmentCount?: number;
  readonly segmentMinDurationSeconds?: number;
}

/** Where outputs must not go: the prefix of a bucket whose uploads start transcodes. */
export interface UploadArea {
  readonly bucket: string;
  readonly prefix: string;
}

/** Why an output directory is refused: under the upload prefix, each output would start new transcodes. */
export function uploadAreaProblem(bucket: string, outputDir: string, area: UploadArea | undefined): string | undefined {
  if (!area || area.prefix === '' || bucket !== area.bucket) return undefined;
  if (!`${outputDir.replace(/\/$/, '')}/`.startsWith(area.prefix)) return undefined;
  return `must be outside '${area.prefix}' of bucket '${bucket}': uploads there start transcodes, so each output would start new ones; got '${outputDir}'`;
}

/**
 * Validates a payload (parsed JSON). Throws InvalidPayloadError: `<field>: <problem>; ...`. With `uploads`, an
 * output_dir under that upload prefix is refused.
 */
export function parseTranscodePayload(raw: unknown, uploads?: UploadArea): TranscodePayload {
  const result = TranscodePayloadSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      return `${path === '' ? 'payload' : path}: ${issue.message}`;
    });
    throw new InvalidPayloadError(problems.join('; '));
  }
  const p = result.data;
  const areaProblem = uploadAreaProblem(p.bucket, p.output_dir, uploads);
  if (areaProblem) throw new InvalidPayloadError(`output_dir: ${areaProblem}`);
  const video = p.video_codec === undefined ? undefined : resolveVideoEncoder(p.video_codec);
  const audio = p.audio_codec === undefined ? undefined : resolveAudioEncoder(p.audio_codec);
  return {
    bucket: p.bucket,
    object: p.object,
    outputDir: p.output_dir.replace(/\/$/, ''),
    format: p.dst_format,
    ...(video ? { videoEncoder: video } : {}),
    ...(audio ? { audioEncoder: audio } : {}),
    ...(p.resolution ? { resolution: p.resolution } : {}),
    ...(p.preset ? { preset: p.preset } : {}),
    ...(p.segment?.count !== undefined ? { segmentCount: p.segment.count } : {}),
    ...(p.segment?.min_duration_seconds !== undefined ? { segmentMinDurationSeconds: p.segment.min_duration_seconds } : {}),
  };
}

/** TASK_PAYLOAD as the state machine passes it: JSON text. */
export function parseTranscodePayloadJson(text: string | undefined, uploads?: UploadArea): TranscodePayload {
  if (text === undefined || text.trim() === '') throw new InvalidPayloadError('payload: TASK_PAYLOAD is empty');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InvalidPayloadError(`payload: not JSON (${(error as Error).message})`);
  }
  return parseTranscodePayload(raw, uploads);
}
