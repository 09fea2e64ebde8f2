// Issue 8: an output_dir under the media bucket's upload prefix is refused (each output would start new
// transcodes), before anything is downloaded.
import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../../../../functions/core/errors.js';
import { readConfig } from '../../../../functions/long/transcoder/config.js';
import { parseTranscodePayload, uploadAreaProblem } from '../../../../functions/long/transcoder/payload.js';

const uploads = { bucket: 'media', prefix: 'uploads/' };
const payload = (output_dir: string, bucket = 'media') => ({ bucket, object: 'uploads/a/in.mp4', output_dir, dst_format: 'mp4' });

describe('output_dir and the upload area', () => {
  it.each(['uploads', 'uploads/', 'uploads/a', 'uploads/a/b/'])('refuses %s in the upload bucket', (dir) => {
    // Act
    const act = () => parseTranscodePayload(payload(dir), uploads);
    // Assess
    expect(act).toThrow(InvalidPayloadError);
    expect(act).toThrow(`output_dir: must be outside 'uploads/' of bucket 'media': uploads there start transcodes, so each output would start new ones; got '${dir}'`);
  });

  it.each(['', 'transcoded', 'uploads-out', 'x/uploads'])('accepts %s', (dir) => {
    expect(parseTranscodePayload(payload(dir), uploads).outputDir).toBe(dir);
  });

  it('accepts any output_dir of another bucket, or without an upload area', () => {
    expect(uploadAreaProblem('other', 'uploads/a', uploads)).toBeUndefined();
    expect(parseTranscodePayload(payload('uploads/a')).outputDir).toBe('uploads/a');
  });

  it('reads the upload area from the container environment', () => {
    // Prepare
    const env = { TASK_ID: 't1', EXECUTION_REF: 'arn', TASK_TABLE_NAME: 'tasks', MEDIA_BUCKET_NAME: 'media', MEDIA_UPLOAD_PREFIX: 'uploads/' };
    // Act / Assess
    expect(readConfig(env).uploads).toEqual(uploads);
    expect(readConfig({ ...env, MEDIA_UPLOAD_PREFIX: '' }).uploads).toBeUndefined();
  });
});
