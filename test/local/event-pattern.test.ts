import { describe, expect, it } from 'vitest';
import { matchesEventPattern } from '../../local/events/event-pattern.js';

const upload = {
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { bucket: { name: 'media' }, object: { key: 'uploads/a b;$(x).mp4', size: 10 } },
};

describe('EventBridge event patterns', () => {
  it('matches the S3 upload rule CDK synthesizes, and only that', () => {
    const pattern = { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: ['media'] }, object: { key: [{ prefix: 'uploads/' }] } } };
    expect(matchesEventPattern(upload, pattern)).toBe(true);
    expect(matchesEventPattern({ ...upload, detail: { ...upload.detail, object: { key: 'other/x.mp4' } } }, pattern)).toBe(false);
    expect(matchesEventPattern({ ...upload, detail: { ...upload.detail, bucket: { name: 'elsewhere' } } }, pattern)).toBe(false);
    expect(matchesEventPattern({ ...upload, 'detail-type': 'Object Deleted' }, pattern)).toBe(false);
  });

  it('supports suffix, exists and anything-but, and refuses an operator it does not serve', () => {
    expect(matchesEventPattern(upload, { detail: { object: { key: [{ suffix: '.mp4' }] } } })).toBe(true);
    expect(matchesEventPattern(upload, { detail: { object: { etag: [{ exists: false }] } } })).toBe(true);
    expect(matchesEventPattern(upload, { detail: { bucket: { name: [{ 'anything-but': ['media'] }] } } })).toBe(false);
    expect(() => matchesEventPattern(upload, { detail: { object: { size: [{ numeric: ['>', 1] }] } } })).toThrow("operator 'numeric' is not served locally");
  });
});
