// The ffmpeg command lines of every step, as argument arrays (paths are the worker's own, under its
// work directory; nothing from the payload but validated enum-like values reaches them).
import {
  audioEncodeArgs,
  containerArgs,
  HLS_SEGMENT_SECONDS,
  videoEncodeArgs,
  type AudioEncoder,
  type DstFormat,
  type Preset,
  type Resolution,
  type VideoEncoder,
} from './formats.js';

export interface EncodeSettings {
  readonly format: DstFormat;
  readonly videoEncoder: VideoEncoder;
  /** Absent when the input has no audio. */
  readonly audioEncoder?: AudioEncoder;
  readonly preset: Preset;
  readonly resolution?: Resolution;
  /** The source's frame rate, forced on every output (constant frame rate). */
  readonly frameRate?: string;
}

function videoArgs(s: EncodeSettings): string[] {
  return videoEncodeArgs(s.format, {
    encoder: s.videoEncoder,
    preset: s.preset,
    ...(s.resolution ? { resolution: s.resolution } : {}),
    ...(s.frameRate ? { frameRate: s.frameRate } : {}),
    ...(s.format === 'm3u8' ? { keyframeSeconds: HLS_SEGMENT_SECONDS } : {}),
  });
}

function audioArgs(s: EncodeSettings): string[] {
  return s.audioEncoder ? audioEncodeArgs(s.format, s.audioEncoder) : ['-an'];
}

/**
 * Inputs are local files and nothing else: a crafted source (an HLS playlist, say) cannot make ffmpeg
 * fetch a URL (the container credentials endpoint) or another protocol's resource.
 */
export const LOCAL_FILES_ONLY = ['-protocol_whitelist', 'file'] as const;

/** Audio encoders buffer packets before the first video frame: give the muxer room. */
const MUXING_QUEUE = ['-max_muxing_queue_size', '4096'];

/** Single pass: the first video stream and the first audio stream (if any) of `input`, encoded into `output`. */
export function singlePassArgs(input: string, output: string, s: EncodeSettings): string[] {
  return [
    ...LOCAL_FILES_ONLY, '-i', input,
    '-map', '0:v:0',
    ...(s.audioEncoder ? ['-map', '0:a:0'] : []),
    ...videoArgs(s),
    ...audioArgs(s),
    ...MUXING_QUEUE,
    ...containerArgs(s.format, output),
  ];
}

/**
 * Segmented plan: the first video stream cut by stream copy at the first keyframe at or after each of
 * `cutTimes`, into Matroska files `pattern` (e.g. `/w/in_%03d.mkv`) whose timestamps start at 0.
 */
export function splitVideoArgs(input: string, pattern: string, cutTimes: readonly number[]): string[] {
  return [
    ...LOCAL_FILES_ONLY, '-i', input,
    '-map', '0:v:0',
    '-c', 'copy',
    '-f', 'segment',
    '-segment_times', cutTimes.map((t) => t.toFixed(3)).join(','),
    '-segment_format', 'matroska',
    '-reset_timestamps', '1',
    pattern,
  ];
}

/**
 * Segmented plan: the first audio stream, copied whole (it is encoded once, at join: encoding it per
 * segment would add an encoder delay and padding at every joint). MP4/MOV sources keep their edit list
 * (the AAC priming samples to skip) only in a MOV container.
 */
export function extractAudioArgs(input: string, output: string, muxer: 'mov' | 'matroska'): string[] {
  return [...LOCAL_FILES_ONLY, '-i', input, '-map', '0:a:0', '-vn', '-c', 'copy', '-f', muxer, output];
}

/** Segmented segment: one video-only piece encoded exactly as a single pass would, into Matroska. */
export function segmentArgs(input: string, output: string, s: EncodeSettings): string[] {
  return [...LOCAL_FILES_ONLY, '-i', input, '-map', '0:v:0', ...videoArgs(s), '-an', ...MUXING_QUEUE, '-f', 'matroska', output];
}

/**
 * Segmented join: the encoded pieces listed in `list` (concat demuxer, video copied) plus the source's
 * audio (encoded here, in one go) into the output, muxed as a single pass would.
 */
export function joinArgs(list: string, audio: string | undefined, output: string, s: EncodeSettings): string[] {
  return [
    ...LOCAL_FILES_ONLY, '-f', 'concat', '-safe', '0', '-i', list,
    ...(audio ? [...LOCAL_FILES_ONLY, '-i', audio] : []),
    '-map', '0:v:0',
    ...(audio ? ['-map', '1:a:0'] : []),
    '-c:v', 'copy',
    ...(audio && s.audioEncoder ? audioEncodeArgs(s.format, s.audioEncoder) : ['-an']),
    ...MUXING_QUEUE,
    ...containerArgs(s.format, output),
  ];
}

/** A concat demuxer list: one `file '<path>'` line per file, quotes escaped. */
export function concatList(paths: readonly string[]): string {
  return paths.map((p) => `file '${p.replaceAll("'", "'\\''")}'\n`).join('');
}

/** `count - 1` cut points splitting `duration` into equal parts. */
export function equalCutTimes(durationSeconds: number, count: number): number[] {
  return Array.from({ length: Math.max(0, count - 1) }, (_, i) => (durationSeconds * (i + 1)) / count);
}
