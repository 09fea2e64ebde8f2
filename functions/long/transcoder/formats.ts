// Output formats: which encoders each container accepts, the defaults, and the encoder options.
// Pure data and argument building; which encoders this ffmpeg build has is in encoders.ts.

export const DST_FORMATS = ['mp4', 'mov', 'mkv', 'webm', 'flv', 'avi', 'm3u8'] as const;
export type DstFormat = (typeof DST_FORMATS)[number];

export const PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;
export type Preset = (typeof PRESETS)[number];
export const DEFAULT_PRESET: Preset = 'veryfast';

export const VIDEO_ENCODERS = ['libx264', 'libx265', 'libvpx-vp9', 'libvpx', 'mpeg4', 'flv'] as const;
export type VideoEncoder = (typeof VIDEO_ENCODERS)[number];
export const AUDIO_ENCODERS = ['aac', 'libopus', 'libvorbis', 'libmp3lame'] as const;
export type AudioEncoder = (typeof AUDIO_ENCODERS)[number];

/** Names a payload may use for an encoder besides the encoder's own name. */
const VIDEO_ALIASES: Readonly<Record<string, VideoEncoder>> = {
  h264: 'libx264',
  avc: 'libx264',
  x264: 'libx264',
  hevc: 'libx265',
  h265: 'libx265',
  x265: 'libx265',
  vp9: 'libvpx-vp9',
  vp8: 'libvpx',
  flv1: 'flv',
};
const AUDIO_ALIASES: Readonly<Record<string, AudioEncoder>> = {
  opus: 'libopus',
  vorbis: 'libvorbis',
  mp3: 'libmp3lame',
};

export interface FormatProfile {
  /** ffmpeg's muxer (`-f`). */
  readonly muxer: string;
  /** Encoders the container accepts, defaults first in order of preference. */
  readonly video: readonly VideoEncoder[];
  readonly audio: readonly AudioEncoder[];
  /** How many of the first entries of `video` / `audio` are defaults (tried in order, first available wins). */
  readonly videoDefaults: number;
  readonly audioDefaults: number;
  readonly contentType: string;
}

export const FORMATS: Readonly<Record<DstFormat, FormatProfile>> = {
  mp4: profile('mp4', ['libx264', 'libx265', 'mpeg4', 'libvpx-vp9'], 1, ['aac', 'libmp3lame', 'libopus'], 1, 'video/mp4'),
  mov: profile('mov', ['libx264', 'libx265', 'mpeg4'], 1, ['aac', 'libmp3lame'], 1, 'video/quicktime'),
  mkv: profile('matroska', ['libx264', 'libx265', 'libvpx-vp9', 'libvpx', 'mpeg4'], 1, ['aac', 'libopus', 'libvorbis', 'libmp3lame'], 1, 'video/x-matroska'),
  webm: profile('webm', ['libvpx-vp9', 'libvpx'], 2, ['libopus', 'libvorbis'], 2, 'video/webm'),
  flv: profile('flv', ['libx264', 'flv'], 2, ['aac', 'libmp3lame'], 2, 'video/x-flv'),
  avi: profile('avi', ['mpeg4', 'libx264'], 1, ['libmp3lame', 'aac'], 2, 'video/x-msvideo'),
  m3u8: profile('hls', ['libx264'], 1, ['aac', 'libmp3lame'], 1, 'application/vnd.apple.mpegurl'),
};

function profile(
  muxer: string,
  video: VideoEncoder[],
  videoDefaults: number,
  audio: AudioEncoder[],
  audioDefaults: number,
  contentType: string,
): FormatProfile {
  return { muxer, video, videoDefaults, audio, audioDefaults, contentType };
}

/** HLS: seconds per media segment, and the names inside the output folder. */
export const HLS_SEGMENT_SECONDS = 4;
export const HLS_PLAYLIST = 'index.m3u8';
export const HLS_SEGMENT_PATTERN = 'segment_%05d.ts';

export function resolveVideoEncoder(name: string): VideoEncoder | undefined {
  const lower = name.toLowerCase();
  return VIDEO_ALIASES[lower] ?? VIDEO_ENCODERS.find((e) => e === lower);
}

export function resolveAudioEncoder(name: string): AudioEncoder | undefined {
  const lower = name.toLowerCase();
  return AUDIO_ALIASES[lower] ?? AUDIO_ENCODERS.find((e) => e === lower);
}

/** "1280x720" → exact size; 720 or "720" → that height, width following the aspect ratio. */
export type Resolution = { readonly width: number; readonly height: number } | { readonly height: number };

export interface VideoSettings {
  readonly encoder: VideoEncoder;
  readonly preset: Preset;
  readonly resolution?: Resolution;
  /** Output frame rate (`num/den`): constant frame rate, identical in every segment of a segmented run. */
  readonly frameRate?: string;
  /** Keyframe every N seconds (HLS: segments can only start on one). */
  readonly keyframeSeconds?: number;
}

/** Arguments that encode the mapped video stream (output options, before the output file). */
export function videoEncodeArgs(format: DstFormat, v: VideoSettings): string[] {
  const args = ['-c:v', v.encoder, ...encoderOptions(format, v.encoder, v.preset), '-pix_fmt', 'yuv420p'];
  if (v.resolution) args.push('-vf', scaleFilter(v.resolution));
  // Constant frame rate: the frame count depends only on the input's timestamps, so segments transcoded
  // apart add up to what one pass produces.
  args.push('-fps_mode', 'cfr');
  if (v.frameRate) args.push('-r', v.frameRate);
  if (v.keyframeSeconds) args.push('-force_key_frames', `expr:gte(t,n_forced*${v.keyframeSeconds})`);
  return args;
}

function encoderOptions(format: DstFormat, encoder: VideoEncoder, preset: Preset): string[] {
  switch (encoder) {
    case 'libx264':
      return ['-preset', preset, '-crf', '23'];
    case 'libx265':
      return ['-preset', preset, '-crf', '28', ...(format === 'mp4' || format === 'mov' ? ['-tag:v', 'hvc1'] : [])];
    case 'libvpx-vp9':
      return [...vpxSpeed(preset), '-row-mt', '1', '-crf', '32', '-b:v', '0'];
    case 'libvpx':
      return [...vpxSpeed(preset), '-crf', '10', '-b:v', '2M'];
    case 'mpeg4':
    case 'flv':
      return ['-q:v', '4'];
  }
}

/**
 * x264's preset names mapped onto libvpx's speed: ultrafast and superfast use the realtime deadline
 * (cpu-used 8, 7: about 5x faster than the fastest `good`), the others `-deadline good` with cpu-used
 * 5 (veryfast) down to 0 (slower, veryslow).
 */
function vpxSpeed(preset: Preset): string[] {
  const index = PRESETS.indexOf(preset);
  if (index < 2) return ['-deadline', 'realtime', '-cpu-used', String(8 - index)];
  return ['-deadline', 'good', '-cpu-used', String(Math.max(0, 7 - index))];
}

function scaleFilter(r: Resolution): string {
  return 'width' in r ? `scale=${r.width}:${r.height}` : `scale=-2:${r.height}`;
}

export function audioEncodeArgs(format: DstFormat, encoder: AudioEncoder): string[] {
  switch (encoder) {
    case 'aac':
      return ['-c:a', 'aac', '-b:a', '128k'];
    case 'libopus':
      return ['-c:a', 'libopus', '-b:a', '96k'];
    case 'libvorbis':
      return ['-c:a', 'libvorbis', '-q:a', '4'];
    case 'libmp3lame':
      // FLV carries MP3 only at 44.1 kHz and its divisors.
      return ['-c:a', 'libmp3lame', '-b:a', '128k', ...(format === 'flv' ? ['-ar', '44100'] : [])];
  }
}

/**
 * Muxer arguments and the output path for `format`. For m3u8 `output` is a directory that receives the
 * playlist and its segments; otherwise it is the output file.
 */
export function containerArgs(format: DstFormat, output: string): string[] {
  switch (format) {
    case 'mp4':
    case 'mov':
      return ['-movflags', '+faststart', '-f', FORMATS[format].muxer, output];
    case 'm3u8':
      return [
        '-f', 'hls',
        '-hls_time', String(HLS_SEGMENT_SECONDS),
        '-hls_playlist_type', 'vod',
        '-hls_segment_filename', `${output}/${HLS_SEGMENT_PATTERN}`,
        `${output}/${HLS_PLAYLIST}`,
      ];
    default:
      return ['-f', FORMATS[format].muxer, output];
  }
}

/** Content-Type of an uploaded output file, by its name. */
export function contentTypeOf(fileName: string, format: DstFormat): string {
  if (fileName.endsWith('.ts')) return 'video/mp2t';
  return FORMATS[format].contentType;
}
