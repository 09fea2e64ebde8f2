// ffprobe (JSON output): duration, container and the first video / audio stream of a media file.
import { FFPROBE, firstLine, run } from './child.js';
import { LOCAL_FILES_ONLY } from './commands.js';

export interface VideoStreamInfo {
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  /** `num/den` when the file states a usable frame rate. */
  readonly frameRate?: string;
}

export interface MediaInfo {
  /** Seconds; 0 when neither the container nor the streams state a duration. */
  readonly durationSeconds: number;
  /** ffprobe's format_name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  readonly formatName: string;
  readonly video?: VideoStreamInfo;
  readonly audio?: { readonly codec: string };
}

/** ffprobe could not read the file: `reason` is its first error line. */
export class ProbeError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ProbeError';
  }
}

interface ProbeJson {
  format?: { duration?: string; format_name?: string };
  streams?: {
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    duration?: string;
    r_frame_rate?: string;
    avg_frame_rate?: string;
    disposition?: { attached_pic?: number };
  }[];
}

export async function probe(path: string, signal?: AbortSignal): Promise<MediaInfo> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...LOCAL_FILES_ONLY, '-i', path];
  const out = await run(FFPROBE, args, signal ? { signal } : {});
  if (out.code !== 0) throw new ProbeError(cleanErrorLine(firstLine(out.stderr), path) || `ffprobe exited with ${out.code ?? out.exitSignal}`);
  const json = JSON.parse(out.stdout) as ProbeJson;
  const streams = json.streams ?? [];
  // Cover art is a video stream too; it is not the video.
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = streams.find((s) => s.codec_type === 'audio');
  const duration = positive(json.format?.duration) ?? positive(video?.duration) ?? positive(audio?.duration) ?? 0;
  const frameRate = video ? chooseFrameRate(video.r_frame_rate, video.avg_frame_rate) : undefined;
  return {
    durationSeconds: duration,
    formatName: json.format?.format_name ?? '',
    ...(video
      ? { video: { codec: video.codec_name ?? 'unknown', width: video.width ?? 0, height: video.height ?? 0, ...(frameRate ? { frameRate } : {}) } }
      : {}),
    ...(audio ? { audio: { codec: audio.codec_name ?? 'unknown' } } : {}),
  };
}

/**
 * The output frame rate for a stream: its r_frame_rate when the average agrees (a constant-rate source,
 * exact rational), else the average (variable rate: keeps the frame count), else nothing (ffmpeg decides).
 */
export function chooseFrameRate(r?: string, avg?: string): string | undefined {
  const rv = rate(r);
  const av = rate(avg);
  if (rv !== undefined && (av === undefined || Math.abs(rv - av) / rv < 0.01)) return r;
  return av !== undefined ? avg : undefined;
}

function rate(text?: string): number | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(text ?? '');
  if (!match) return undefined;
  const value = Number(match[1]) / Number(match[2]);
  return Number.isFinite(value) && value > 0 && value <= 240 ? value : undefined;
}

function positive(text?: string): number | undefined {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Drops what varies between runs (the demuxer's address, the local path) from an ffprobe error line. */
function cleanErrorLine(line: string, path: string): string {
  return line.replace(/ @ 0x[0-9a-f]+\]/g, ']').split(path).join('input');
}
