// HTTP requests to the task API signed as any AWS client signs them (SigV4, service execute-api), for the tests.
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../local/apigateway/sigv4-check.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/servers.js';

export interface ApiAnswer<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: T;
}

export interface SignedRequestOptions {
  readonly method?: 'GET' | 'POST';
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** @default LOCAL_CREDENTIALS; `null` sends the request unsigned. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | null;
}

/** `method baseUrl+path` (path with its query), signed for the platform unless told otherwise. */
export async function signedFetch<T = unknown>(baseUrl: string, path: string, options: SignedRequestOptions = {}): Promise<ApiAnswer<T>> {
  const url = new URL(path, baseUrl);
  const method = options.method ?? 'GET';
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = { host: url.host, ...(options.headers ?? {}) };
  const credentials = options.credentials === undefined ? LOCAL_CREDENTIALS : options.credentials;
  if (credentials) {
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const existing = query[k];
      query[k] = existing === undefined ? v : [...(Array.isArray(existing) ? existing : [existing]), v];
    }
    const signer = new SignatureV4({ credentials, region: LOCAL_REGION, service: 'execute-api', sha256: NodeSha256 });
    const signed = await signer.sign({ method, protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers, ...(body ? { body } : {}) });
    Object.assign(headers, signed.headers);
  }
  delete headers.host; // fetch sets it
  const response = await fetch(url, { method, headers, ...(body ? { body } : {}) });
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the test looks at `text`
  }
  return { status: response.status, headers: response.headers, text, json: json as T };
}
