// Files between S3 and the work directory: streamed both ways (a 4 GB input never sits in memory),
// multipart upload above a threshold, listing and deleting a prefix.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { SourceNotFoundError } from './errors.js';

const MiB = 1024 * 1024;
/** S3's limits: at most 10 000 parts, each at least 5 MiB (but the last). */
const MAX_PARTS = 10_000;
const MIN_PART_BYTES = 5 * MiB;

export interface S3FilesOptions {
  /** Files larger than this go up in parts. @default 64 MiB */
  readonly multipartThresholdBytes?: number;
  /** Part size; raised when the file would need more than 10 000 parts. @default 64 MiB */
  readonly partSizeBytes?: number;
  /** Parts uploaded at once. @default 4 */
  readonly partConcurrency?: number;
}

export interface UploadOptions {
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

export class S3Files {
  private readonly threshold: number;
  private readonly partSize: number;
  private readonly concurrency: number;

  constructor(
    private readonly s3: S3Client,
    options: S3FilesOptions = {},
  ) {
    this.threshold = options.multipartThresholdBytes ?? 64 * MiB;
    this.partSize = Math.max(MIN_PART_BYTES, options.partSizeBytes ?? 64 * MiB);
    this.concurrency = Math.max(1, options.partConcurrency ?? 4);
  }

  /** Streams s3://bucket/key to `path`; returns its size. A missing object or bucket is a SourceNotFoundError. */
  async download(bucket: string, key: string, path: string, signal?: AbortSignal): Promise<number> {
    let body: Readable;
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {});
      body = out.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new SourceNotFoundError(bucket, key);
      throw error;
    }
    await pipeline(body, createWriteStream(path), signal ? { signal } : {});
    return (await stat(path)).size;
  }

  /** Uploads the file at `path` to s3://bucket/key (PutObject, or a multipart upload when large); returns its size. */
  async upload(path: string, bucket: string, key: string, options: UploadOptions = {}): Promise<number> {
    const size = (await stat(path)).size;
    const send = options.signal ? { abortSignal: options.signal } : {};
    if (size <= this.threshold) {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: createReadStream(path),
          ContentLength: size,
          ...(options.contentType ? { ContentType: options.contentType } : {}),
        }),
        send,
      );
      return size;
    }
    await this.multipart(path, size, bucket, key, options);
    return size;
  }

  private async multipart(path: string, size: number, bucket: string, key: string, options: UploadOptions): Promise<void> {
    const send = options.signal ? { abortSignal: options.signal } : {};
    const partSize = Math.max(this.partSize, Math.ceil(size / MAX_PARTS));
    const partCount = Math.ceil(size / partSize);
    const created = await this.s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...(options.contentType ? { ContentType: options.contentType } : {}) }),
      send,
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new Error(`CreateMultipartUpload returned no UploadId for s3://${bucket}/${key}`);
    try {
      const parts: CompletedPart[] = new Array<CompletedPart>(partCount);
      let next = 0;
      const uploader = async (): Promise<void> => {
        while (next < partCount) {
          const index = next++;
          const start = index * partSize;
          const end = Math.min(size, start + partSize); // exclusive
          const out = await this.s3.send(
            new UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber: index + 1,
              Body: createReadStream(path, { start, end: end - 1 }),
              ContentLength: end - start,
            }),
            send,
          );
          parts[index] = { PartNumber: index + 1, ETag: out.ETag };
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.concurrency, partCount) }, uploader));
      await this.s3.send(
        new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
        send,
      );
    } catch (error) {
      // Parts of an abandoned upload are billed until aborted.
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw error;
    }
  }

  /** Every key under `prefix`, in key order. */
  async list(bucket: string, prefix: string, signal?: AbortSignal): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
        signal ? { abortSignal: signal } : {},
      );
      for (const object of out.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  /** Deletes every object under `prefix` (DeleteObjects, 1 000 at a time); returns how many. */
  async deletePrefix(bucket: string, prefix: string): Promise<number> {
    const keys = await this.list(bucket, prefix);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const out = await this.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      const failed = out.Errors ?? [];
      if (failed.length) throw new Error(`could not delete ${failed.length} objects under s3://${bucket}/${prefix}: ${failed[0]?.Code ?? ''} ${failed[0]?.Message ?? ''}`);
    }
    return keys.length;
  }
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NotFound' || status === 404;
}
