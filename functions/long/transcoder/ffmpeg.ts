// Runs ffmpeg with `-progress pipe:1 -nostats` and turns its progress blocks into a fraction done.
import { FFMPEG, lastLines, run } from './child.js';
import { TranscodeFailedError } from './errors.js';

export interface ProgressBlock {
  /** Output time reached, seconds (undefined while ffmpeg reports N/A). */
  readonly outTimeSeconds?: number;
  readonly frame?: number;
  /** `progress=end`: the last block. */
  readonly end: boolean;
}

/**
 * Incremental parser of ffmpeg's `-progress` output: `key=value` lines, each block closed by
 * `progress=continue` or `progress=end`. Reads `out_time_us`, else `out_time_ms` (microseconds too,
 * despite its name), else `out_time` (HH:MM:SS.micro).
 */
export class ProgressParser {
  private buffer = '';
  private fields = new Map<string, string>();

  constructor(private readonly onBlock: (block: ProgressBlock) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      this.line(this.buffer.slice(0, newline).trim());
      this.buffer = this.buffer.slice(newline + 1);
      newline = this.buffer.indexOf('\n');
    }
  }

  private line(line: string): void {
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key !== 'progress') {
      this.fields.set(key, value);
      return;
    }
    const outTime = microseconds(this.fields.get('out_time_us')) ?? microseconds(this.fields.get('out_time_ms')) ?? clock(this.fields.get('out_time'));
    const frame = Number(this.fields.get('frame'));
    this.fields = new Map();
    this.onBlock({
      ...(outTime !== undefined ? { outTimeSeconds: outTime } : {}),
      ...(Number.isFinite(frame) ? { frame } : {}),
      end: value === 'end',
    });
  }
}

function microseconds(text?: string): number | undefined {
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return Math.max(0, Number(text) / 1e6);
}

function clock(text?: string): number | undefined {
  const match = /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text ?? '');
  if (!match) return undefined;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
  return match[1] === '-' ? 0 : seconds;
}

export interface FfmpegRunOptions {
  readonly signal: AbortSignal;
  /** The duration the output will have, seconds: the denominator of the fraction done (0: unknown). */
  readonly durationSeconds: number;
  /** Called for every progress block with the fraction done, 0–1. */
  readonly onProgress?: (fraction: number) => void;
}

/**
 * Runs `ffmpeg <args>` (args without the program name; the common flags are added here). Resolves when
 * ffmpeg exits 0; rejects with TranscodeFailedError (exit status and its last error lines) otherwise;
 * on abort, kills ffmpeg and rejects with the abort reason once it is gone.
 */
export async function runFfmpeg(args: readonly string[], options: FfmpegRunOptions): Promise<void> {
  const { durationSeconds, onProgress } = options;
  const parser = new ProgressParser((block) => {
    if (!onProgress) return;
    if (block.end) onProgress(1);
    else if (block.outTimeSeconds !== undefined && durationSeconds > 0) onProgress(Math.min(1, block.outTimeSeconds / durationSeconds));
  });
  const out = await run(FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-progress', 'pipe:1', '-nostats', '-y', ...args], {
    signal: options.signal,
    onStdout: (chunk) => parser.push(chunk),
  });
  if (out.code !== 0) {
    const status = out.code === null ? `was killed by ${out.exitSignal ?? 'a signal'}` : `exited with code ${out.code}`;
    throw new TranscodeFailedError(`ffmpeg ${status}: ${lastLines(out.stderr) || '(no error output)'}`);
  }
}
