import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { TaskClient } from '../core/task-client.js';

export interface UploadTriggerConfig {
  /** The task each upload starts (one per output format). */
  readonly taskName: string;
  readonly outputFormats: readonly string[];
  /** Outputs go to `<outputDir>/<the upload's folder below the trigger prefix>`. */
  readonly outputDir: string;
  readonly prefix: string;
}

export interface UploadedObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly etag?: string;
}

/**
 * The task ID of one output of one upload: derived from bucket, key, version (or ETag) and format only,
 * so a repeated event for the same upload is the same task (deduplicated), while a new upload of the
 * same key (new version or content) is a new task. Readable start, hash for uniqueness, ≤ 128 chars.
 */
export function uploadTaskId(object: UploadedObject, format: string): string {
  const identity = `${object.bucket}/${object.key}#${object.versionId ?? object.etag ?? ''}#${format}`;
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 16);
  const name = posix.basename(object.key).replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80);
  return `up_${name}_${format}_${hash}`;
}

/** Starts one transcode per configured output format for an uploaded object; repeats are deduplicated. */
export async function startTasksForUpload(
  client: TaskClient,
  config: UploadTriggerConfig,
  object: UploadedObject,
): Promise<{ taskId: string; deduplicated: boolean }[]> {
  const relative = object.key.startsWith(config.prefix) ? object.key.slice(config.prefix.length) : object.key;
  const folder = posix.dirname(relative) === '.' ? '' : posix.dirname(relative);
  const outputDir = posix.join(config.outputDir, folder);
  const started = [];
  for (const format of config.outputFormats) {
    const taskId = uploadTaskId(object, format);
    const { deduplicated } = await client.submit({
      task: config.taskName,
      id: taskId,
      payload: { bucket: object.bucket, object: object.key, output_dir: outputDir, dst_format: format },
    });
    started.push({ taskId, deduplicated });
  }
  return started;
}
