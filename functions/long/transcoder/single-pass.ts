// Single pass (WORKER_MODE=transcode, and `plan` for short inputs): one ffmpeg over the whole source.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { singlePassArgs } from './commands.js';
import { encode, encodeSettings, fetchSource, phase, publishOutput, recordResult, type RunContext, type Source, type TranscodeResult } from './steps.js';

export async function transcodeSinglePass(ctx: RunContext, source?: Source): Promise<TranscodeResult> {
  const src = source ?? (await fetchSource(ctx));
  const settings = await encodeSettings(ctx.payload, src.info);
  const output = await localOutput(ctx);
  await phase(
    ctx,
    'transcode',
    () => encode(ctx, singlePassArgs(src.path, output, settings), src.info.durationSeconds, 0, 99, 'transcoding'),
    () => ({ settings }),
  );
  const outputs = await publishOutput(ctx, output);
  return recordResult(ctx, output, outputs);
}

/** Where ffmpeg writes the final output: `output.<format>`, or for m3u8 the directory `hls/`. */
export async function localOutput(ctx: RunContext): Promise<string> {
  if (ctx.payload.format !== 'm3u8') return join(ctx.workDir, `output.${ctx.payload.format}`);
  const dir = join(ctx.workDir, 'hls');
  await mkdir(dir, { recursive: true });
  return dir;
}
