import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvalidPayloadError, PayloadTooLargeError } from './errors.js';
import { isRawJson, notStorableInline, parseLosslessJson } from './lossless-json.js';
import type { ObjectRef } from './task-record.js';

export interface PayloadLimits {
  /**
   * Payloads up to this size travel inline (in the record and the invoke event). Kept well under
   * Lambda's 1 MB asynchronous limit and DynamoDB's 400 KB item limit because every status update
   * rewrites the item and is billed per KB: a small record keeps heartbeats cheap.
   */
  readonly inlineMaxBytes: number;
  /** Above this, a submission is refused with PayloadTooLarge. */
  readonly maxBytes: number;
}

export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = {
  inlineMaxBytes: 32 * 1024,
  maxBytes: 10 * 1024 * 1024,
};

export interface EncodedPayload {
  readonly json: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  /** Why the payload cannot be kept in the record (it then goes through the claim check), if it cannot. */
  readonly notInline?: string;
}

/** Parses caller-supplied JSON text, with a clear error when it is not JSON; integers beyond ±2^53 stay exact. */
export function parsePayloadJson(text: string): unknown {
  try {
    return parseLosslessJson(text);
  } catch (error) {
    throw new InvalidPayloadError(`payload is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Canonical JSON (object keys sorted) so that `{a,b}` and `{b,a}` hash the same: dedup compares
 * meaning, not key order. Rejects values JSON cannot carry (undefined, functions, BigInt, cycles).
 */
export function encodePayload(payload: unknown): EncodedPayload {
  if (payload === undefined) throw new InvalidPayloadError('payload is missing (undefined); send null or a JSON value');
  let json: string;
  try {
    json = JSON.stringify(sortKeys(payload, new Set()));
  } catch (error) {
    throw new InvalidPayloadError(`payload is not JSON-serializable: ${(error as Error).message}`);
  }
  const sizeBytes = Buffer.byteLength(json, 'utf8');
  const notInline = notStorableInline(payload);
  return { json, sizeBytes, sha256: createHash('sha256').update(json).digest('hex'), ...(notInline ? { notInline } : {}) };
}

function sortKeys(value: unknown, seen: Set<unknown>): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') throw new Error(`a ${typeof value} is not JSON`);
  if (typeof value === 'bigint') throw new Error('a BigInt is not JSON');
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${value} is not JSON`);
  if (value === null || typeof value !== 'object' || isRawJson(value)) return value;
  if (seen.has(value)) throw new Error('the payload has a cycle');
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortKeys(item, seen)));
    const withToJson = value as { toJSON?: () => unknown };
    if (typeof withToJson.toJSON === 'function') return sortKeys(withToJson.toJSON(), seen);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      // defineProperty: a `__proto__` key is data, not the object's prototype (assignment would drop it).
      if (item !== undefined) Object.defineProperty(out, key, { value: sortKeys(item, seen), enumerable: true, writable: true, configurable: true });
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

export function checkPayloadSize(encoded: EncodedPayload, limits: PayloadLimits): void {
  if (encoded.sizeBytes > limits.maxBytes) throw new PayloadTooLargeError(encoded.sizeBytes, limits.maxBytes);
}

/** Claim-check store: large payloads and results live in S3; records and events carry an ObjectRef. */
export class PayloadStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(kind: 'payloads' | 'results', taskId: string, encoded: EncodedPayload): Promise<ObjectRef> {
    // Content-addressed within the task: a retried submission writes the same key (idempotent).
    const key = `${kind}/${taskId}/${encoded.sha256}.json`;
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: encoded.json, ContentType: 'application/json' }),
    );
    return { bucket: this.bucket, key, sizeBytes: encoded.sizeBytes, sha256: encoded.sha256 };
  }

  /** Removes an object this store wrote (a submission refused after its payload was stored). */
  async delete(ref: ObjectRef): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  }

  async get(ref: ObjectRef): Promise<unknown> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    const text = (await out.Body?.transformToString('utf8')) ?? '';
    const sha256 = createHash('sha256').update(text).digest('hex');
    if (sha256 !== ref.sha256) {
      throw new InvalidPayloadError(`s3://${ref.bucket}/${ref.key} does not match its recorded sha256 (tampered or replaced)`);
    }
    return JSON.parse(text) as unknown;
  }
}
