// The transcoder's pure parts: payload validation, output layout, ffmpeg command lines, progress
// parsing, encoder selection and frame-rate choice.
import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../../../../functions/core/errors.js';
import { concatList, equalCutTimes, joinArgs, singlePassArgs, splitVideoArgs, type EncodeSettings } from '../../../../functions/long/transcoder/commands.js';
import { chooseEncoders, parseEncoderList } from '../../../../functions/long/transcoder/encoders.js';
import { ProgressParser, type ProgressBlock } from '../../../../functions/long/transcoder/ffmpeg.js';
import { videoEncodeArgs, type Preset } from '../../../../functions/long/transcoder/formats.js';
import { localName, outputLayout, segmentsPrefix } from '../../../../functions/long/transcoder/layout.js';
import { parseTranscodePayload, parseTranscodePayloadJson } from '../../../../functions/long/transcoder/payload.js';
import { chooseFrameRate } from '../../../../functions/long/transcoder/probe.js';

const BASE = { bucket: 'media', object: 'in/a.mp4', output_dir: 'out', dst_format: 'mp4' };

describe('payload', () => {
  it.each([
    ['a/b', 'a/b'],
    ['out', 'out'],
    ['out/', 'out'],
    ['', ''],
    ['2024/with space/ünïcode', '2024/with space/ünïcode'],
  ])('accepts output_dir %j (stored as %j)', (dir, stored) => {
    expect(parseTranscodePayload({ ...BASE, output_dir: dir }).outputDir).toBe(stored);
  });

  it.each([
    ['../x', 'must not contain a "." or ".." segment'],
    ['a/../../b', 'must not contain a "." or ".." segment'],
    ['a/..', 'must not contain a "." or ".." segment'],
    ['/abs', 'must be a relative prefix'],
    ['a\\..\\b', 'must not contain a backslash'],
    ['a\u0000b', 'must not contain control characters'],
    ['a\nb', 'must not contain control characters'],
    ['a//b', 'must not contain an empty segment'],
  ])('rejects output_dir %j', (dir, problem) => {
    expect(() => parseTranscodePayload({ ...BASE, output_dir: dir })).toThrow(new RegExp(`^output_dir: ${problem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('rejects an empty bucket or object, a folder key, unknown fields, and says which', () => {
    expect(() => parseTranscodePayload({ ...BASE, bucket: '' })).toThrow('bucket: must be a non-empty string');
    expect(() => parseTranscodePayload({ ...BASE, object: '' })).toThrow('object: must be a non-empty string');
    expect(() => parseTranscodePayload({ ...BASE, object: 'in/' })).toThrow('object: must name an object, not a folder');
    expect(() => parseTranscodePayload({ ...BASE, dst_fromat: 'mov' })).toThrow(/payload: Unrecognized key: "dst_fromat"/);
    expect(() => parseTranscodePayload({ ...BASE, dst_format: 'gif' })).toThrow(InvalidPayloadError);
    expect(() => parseTranscodePayloadJson('')).toThrow('payload: TASK_PAYLOAD is empty');
  });

  it('normalises the format, resolves codec aliases and parses resolutions', () => {
    expect(parseTranscodePayload({ ...BASE, dst_format: 'MKV', video_codec: 'HEVC', audio_codec: 'opus', resolution: '1280x720', preset: 'slow' })).toEqual({
      bucket: 'media',
      object: 'in/a.mp4',
      outputDir: 'out',
      format: 'mkv',
      videoEncoder: 'libx265',
      audioEncoder: 'libopus',
      resolution: { width: 1280, height: 720 },
      preset: 'slow',
    });
    expect(parseTranscodePayload({ ...BASE, resolution: 720 }).resolution).toEqual({ height: 720 });
    expect(parseTranscodePayload({ ...BASE, resolution: '480p' }).resolution).toEqual({ height: 480 });
    expect(() => parseTranscodePayload({ ...BASE, resolution: 721 })).toThrow(/^resolution: '721' is not WIDTHxHEIGHT/);
    expect(() => parseTranscodePayload({ ...BASE, resolution: '1280*720' })).toThrow(/^resolution: /);
    expect(() => parseTranscodePayload({ ...BASE, video_codec: 'libvpx' })).toThrow("video_codec: 'libvpx' is not allowed for mp4; one of libx264, libx265, mpeg4, libvpx-vp9");
    expect(() => parseTranscodePayload({ ...BASE, audio_codec: '-f null' })).toThrow(/^audio_codec: '-f null' is not allowed/);
    expect(() => parseTranscodePayload({ ...BASE, preset: 'ludicrous' })).toThrow(/^preset: one of ultrafast/);
    expect(parseTranscodePayload({ ...BASE, segment: { count: 8, min_duration_seconds: 60 } })).toMatchObject({ segmentCount: 8, segmentMinDurationSeconds: 60 });
  });
});

describe('layout', () => {
  it('names outputs after the key’s last segment, HLS in a folder of its own', () => {
    expect(outputLayout(parseTranscodePayload({ ...BASE, object: 'deep/dir/My Clip.final.MOV', dst_format: 'webm' }))).toEqual({ mainKey: 'out/My Clip.final.webm' });
    expect(outputLayout(parseTranscodePayload({ ...BASE, output_dir: '', object: 'noext', dst_format: 'm3u8' }))).toEqual({ mainKey: 'noext/index.m3u8', folder: 'noext/' });
    expect(segmentsPrefix(parseTranscodePayload({ ...BASE, output_dir: 'a/b/' }), 't_1')).toBe('a/b/.segments/t_1/');
  });

  it('derives local file names from nothing but a plain extension', () => {
    expect(localName('input', 'in/clip.MP4')).toBe('input.mp4');
    expect(localName('input', 'in/x.mp4;rm -rf ~')).toBe('input');
    expect(localName('input', 'in/$(touch /tmp/pwned).mp4')).toBe('input.mp4');
    expect(localName('input', 'in/.hidden')).toBe('input');
  });
});

describe('ffmpeg command lines', () => {
  const settings: EncodeSettings = { format: 'mp4', videoEncoder: 'libx264', audioEncoder: 'aac', preset: 'veryfast', frameRate: '25/1' };

  it('single pass: first video and audio stream, constant frame rate, faststart, paths as single arguments', () => {
    const args = singlePassArgs('/w/input file.mp4', '/w/output.mp4', settings);
    expect(args.slice(0, 8)).toEqual(['-protocol_whitelist', 'file', '-i', '/w/input file.mp4', '-map', '0:v:0', '-map', '0:a:0']);
    expect(args.join(' ')).toContain('-c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p -fps_mode cfr -r 25/1');
    expect(args.join(' ')).toContain('-c:a aac -b:a 128k');
    expect(args.slice(-5)).toEqual(['-movflags', '+faststart', '-f', 'mp4', '/w/output.mp4']);
  });

  it('maps x264 presets onto libvpx speeds', () => {
    const speed = (preset: Preset): string => videoEncodeArgs('webm', { encoder: 'libvpx-vp9', preset }).slice(2, 6).join(' ');
    expect(speed('ultrafast')).toBe('-deadline realtime -cpu-used 8');
    expect(speed('superfast')).toBe('-deadline realtime -cpu-used 7');
    expect(speed('veryfast')).toBe('-deadline good -cpu-used 5');
    expect(speed('medium')).toBe('-deadline good -cpu-used 2');
    expect(speed('veryslow')).toBe('-deadline good -cpu-used 0');
  });

  it('HLS: keyframes every 4 s, VOD playlist, segments beside it', () => {
    const args = singlePassArgs('/w/in.mp4', '/w/hls', { ...settings, format: 'm3u8', audioEncoder: undefined }).join(' ');
    expect(args).toContain('-force_key_frames expr:gte(t,n_forced*4)');
    expect(args).toContain('-an');
    expect(args).toContain('-f hls -hls_time 4 -hls_playlist_type vod -hls_segment_filename /w/hls/segment_%05d.ts /w/hls/index.m3u8');
  });

  it('segmented: split by stream copy near equal points, join by concat with the audio encoded once', () => {
    expect(equalCutTimes(600, 4)).toEqual([150, 300, 450]);
    expect(equalCutTimes(10, 1)).toEqual([]);
    expect(splitVideoArgs('/w/in.mp4', '/w/in_%03d.mkv', [2, 4]).join(' ')).toBe(
      '-protocol_whitelist file -i /w/in.mp4 -map 0:v:0 -c copy -f segment -segment_times 2.000,4.000 -segment_format matroska -reset_timestamps 1 /w/in_%03d.mkv',
    );
    expect(joinArgs('/w/list.txt', '/w/audio.mov', '/w/out.mp4', settings).join(' ')).toBe(
      '-protocol_whitelist file -f concat -safe 0 -i /w/list.txt -protocol_whitelist file -i /w/audio.mov -map 0:v:0 -map 1:a:0 -c:v copy -c:a aac -b:a 128k -max_muxing_queue_size 4096 -movflags +faststart -f mp4 /w/out.mp4',
    );
    expect(concatList(['/w/a.mkv', "/w/it's.mkv"])).toBe("file '/w/a.mkv'\nfile '/w/it'\\''s.mkv'\n");
  });
});

describe('progress parsing', () => {
  it('reads out_time_us, falls back to out_time_ms and out_time, survives split chunks and N/A', () => {
    const blocks: ProgressBlock[] = [];
    const parser = new ProgressParser((b) => blocks.push(b));
    parser.push('frame=0\nout_time_us=N/A\nout_time=N/A\nprogress=continue\nframe=25\nout_ti');
    parser.push('me_us=1000000\nout_time_ms=1000000\nprogress=continue\n');
    parser.push('out_time_ms=2500000\nprogress=continue\nout_time=00:01:02.500000\nprogress=continue\n');
    parser.push('frame=150\nout_time_us=6000000\nprogress=end\n');
    expect(blocks).toEqual([
      { frame: 0, end: false },
      { frame: 25, outTimeSeconds: 1, end: false },
      { outTimeSeconds: 2.5, end: false },
      { outTimeSeconds: 62.5, end: false },
      { frame: 150, outTimeSeconds: 6, end: true },
    ]);
  });
});

describe('encoders', () => {
  const LIST = [
    'Encoders:',
    ' V..... = Video',
    ' ------',
    ' V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)',
    ' V..... flv                  FLV / Sorenson Spark / Sorenson H.263 (Flash Video) (codec flv1)',
    ' V....D libvpx               libvpx VP8 (codec vp8)',
    ' A..... aac                  AAC (Advanced Audio Coding)',
    ' A....D libvorbis            libvorbis (codec vorbis)',
  ].join('\n');

  it('parses `ffmpeg -encoders` and falls back to the next default when one is missing', () => {
    const available = parseEncoderList(LIST);
    expect([...available].sort()).toEqual(['aac', 'flv', 'libvorbis', 'libvpx', 'libx264']);
    expect(chooseEncoders('flv', available)).toEqual({ video: 'libx264', audio: 'aac' });
    expect(chooseEncoders('flv', new Set(['flv', 'aac']))).toEqual({ video: 'flv', audio: 'aac' });
    expect(chooseEncoders('webm', available)).toEqual({ video: 'libvpx', audio: 'libvorbis' });
    expect(() => chooseEncoders('mp4', available, { video: 'libx265' })).toThrow("video_codec: encoder 'libx265' is not available in this ffmpeg build");
    expect(() => chooseEncoders('avi', new Set(['libx264', 'aac']))).toThrow(/none of the video encoders for avi \(mpeg4\)/);
  });
});

describe('frame rate', () => {
  it('keeps an exact constant rate, uses the average for a variable one, ignores nonsense', () => {
    expect(chooseFrameRate('30000/1001', '30000/1001')).toBe('30000/1001');
    expect(chooseFrameRate('25/1', '0/0')).toBe('25/1');
    expect(chooseFrameRate('90000/1', '1796250/60209')).toBe('1796250/60209');
    expect(chooseFrameRate('0/0', '0/0')).toBeUndefined();
  });
});
