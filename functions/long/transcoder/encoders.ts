// Which encoders this ffmpeg build has (`ffmpeg -encoders`), and the encoders a run uses: the payload's
// override when the build has it, else the format's first available default.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvalidPayloadError } from '../../core/errors.js';
import { FORMATS, type AudioEncoder, type DstFormat, type VideoEncoder } from './formats.js';
import { FFMPEG } from './child.js';

const execFileAsync = promisify(execFile);
let cached: Promise<ReadonlySet<string>> | undefined;

/** The encoder names of the ffmpeg on PATH, read once per process. */
export function availableEncoders(): Promise<ReadonlySet<string>> {
  cached ??= execFileAsync(FFMPEG, ['-hide_banner', '-encoders'], { maxBuffer: 8 * 1024 * 1024 }).then(({ stdout }) =>
    parseEncoderList(stdout),
  );
  return cached;
}

/** Parses `ffmpeg -encoders`: lines like ` V....D libx264   libx264 H.264 ...` after the ` ------` ruler. */
export function parseEncoderList(text: string): ReadonlySet<string> {
  const names = new Set<string>();
  let inList = false;
  for (const line of text.split('\n')) {
    if (/^\s*-{3,}\s*$/.test(line)) {
      inList = true;
      continue;
    }
    const match = inList ? /^\s*[VAS][A-Z.]{5}\s+(\S+)/.exec(line) : null;
    if (match?.[1]) names.add(match[1]);
  }
  return names;
}

export interface ChosenEncoders {
  readonly video: VideoEncoder;
  readonly audio: AudioEncoder;
}

/** The encoders for `format`: the overrides (already checked against the format) or the first available defaults. */
export function chooseEncoders(
  format: DstFormat,
  available: ReadonlySet<string>,
  overrides: { readonly video?: VideoEncoder; readonly audio?: AudioEncoder } = {},
): ChosenEncoders {
  const profile = FORMATS[format];
  const pick = <T extends string>(kind: string, override: T | undefined, candidates: readonly T[]): T => {
    if (override !== undefined) {
      if (!available.has(override)) {
        throw new InvalidPayloadError(`${kind}_codec: encoder '${override}' is not available in this ffmpeg build`);
      }
      return override;
    }
    const found = candidates.find((c) => available.has(c));
    if (!found) throw new InvalidPayloadError(`dst_format: this ffmpeg build has none of the ${kind} encoders for ${format} (${candidates.join(', ')})`);
    return found;
  };
  return {
    video: pick('video', overrides.video, profile.video.slice(0, profile.videoDefaults)),
    audio: pick('audio', overrides.audio, profile.audio.slice(0, profile.audioDefaults)),
  };
}
