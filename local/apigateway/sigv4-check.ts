// IAM authorization as API Gateway applies it to a route with AWS_IAM: the request's SigV4 signature (service
// execute-api) is computed again with the platform's credentials and must match. Whatever is wrong is a 403
// with API Gateway's own body, never an exception.
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';

/** SHA-256 (HMAC-SHA-256 with a secret) over node:crypto, in the shape SignatureV4 takes. */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array | string): void {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** What the check needs of the request, as it came over the wire (the path still percent-encoded). */
export interface SignedRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  /** Header name (lower case) → value; repeated headers joined with ','. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface Caller {
  readonly accessKeyId: string;
}

/** API Gateway's answers to a request IAM does not authorize. */
export const IAM_DENIED = {
  missing: 'Forbidden',
  unknownKey: 'The security token included in the request is invalid.',
  mismatch: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  expired: 'Signature expired: the request time is more than 15 minutes from the server time.',
} as const;

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;_.-]+),\s*Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 15 * 60_000;

/** Checks a request's SigV4 signature for `credentials`; the caller, or the message of API Gateway's 403. */
export async function checkSigV4(
  request: SignedRequest,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string },
  region: string,
  now: Date = new Date(),
): Promise<{ ok: true; caller: Caller } | { ok: false; message: string }> {
  const authorization = request.headers.authorization;
  if (!authorization) return { ok: false, message: IAM_DENIED.missing };
  const match = AUTHORIZATION.exec(authorization.trim());
  if (!match) return { ok: false, message: IAM_DENIED.mismatch };
  const [, accessKeyId = '', day = '', scopeRegion, service, signedHeaderList = '', signature = ''] = match;
  if (accessKeyId !== credentials.accessKeyId) return { ok: false, message: IAM_DENIED.unknownKey };
  if (scopeRegion !== region || service !== 'execute-api') return { ok: false, message: IAM_DENIED.mismatch };
  const amzDate = request.headers['x-amz-date'] ?? '';
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || amzDate.slice(0, 8) !== day) return { ok: false, message: IAM_DENIED.mismatch };
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_SKEW_MS) return { ok: false, message: IAM_DENIED.expired };

  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) return { ok: false, message: IAM_DENIED.mismatch };
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return { ok: false, message: IAM_DENIED.mismatch };
    headers[name] = value;
  }
  // A declared payload hash must be the body's (the signature covers the declared one).
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  const declared = request.headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== 'UNSIGNED-PAYLOAD' && declared !== bodyHash) return { ok: false, message: IAM_DENIED.mismatch };
  const query = parseQuery(request.rawQueryString);
  if (!query) return { ok: false, message: IAM_DENIED.mismatch };

  const signer = new SignatureV4({ credentials, region, service: 'execute-api', sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: 'localhost', path: request.rawPath, query, headers, body: request.body },
    { signingDate, signableHeaders: new Set(signedHeaders), unsignableHeaders: new Set() },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  const same = expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  return same ? { ok: true, caller: { accessKeyId } } : { ok: false, message: IAM_DENIED.mismatch };
}

/** `20261202T015300Z` → the time, or undefined. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The raw query as the signer takes it (decoded names and values; `+` stays a plus, as SigV4 reads it). */
function parseQuery(raw: string): Record<string, string | string[]> | undefined {
  const query: Record<string, string | string[]> = {};
  try {
    for (const pair of raw.split('&')) {
      if (pair === '') continue;
      const at = pair.indexOf('=');
      const name = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
      const value = at < 0 ? '' : decodeURIComponent(pair.slice(at + 1));
      const existing = query[name];
      query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
  } catch {
    return undefined;
  }
  return query;
}
