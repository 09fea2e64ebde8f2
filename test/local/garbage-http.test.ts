import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Platform, PlatformEndpoints } from '../../local/platform.js';
import { synthServerlessTaskStack, usePlatform } from '../support/embedded-platform.js';

// Garbage over raw TCP to every API the platform serves: each answers in its own error shape and keeps
// serving; a 50 MB body is refused from its Content-Length, before a byte of it is sent.
let platform: Platform;
usePlatform(
  { synth: synthServerlessTaskStack, tempPrefix: 'cdk-out-', platform: { functionEnv: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' } } },
  (started) => (platform = started.platform),
);

interface RawResponse {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
  /** Bytes of the request body written before the answer came. */
  readonly sentBodyBytes: number;
}

/** Sends a request by hand (no client-side validation); `bodyBytes` of zeros follow the headers, in 64 KiB writes, until the answer arrives. */
function raw(endpoint: string, head: string, bodyBytes: number | string = 0, chunked = false): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    let sent = 0;
    let answered = false;
    socket.setEncoding('latin1');
    // EPIPE / ECONNRESET while the body is still being sent: the server refused it and closed; its answer is
    // what was received (none: status 0, and the test fails).
    socket.on('error', (error: NodeJS.ErrnoException) => (answered || error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    socket.on('data', (chunk: string) => {
      answered = true;
      received += chunk;
    });
    const finish = (): void => {
      const [headers = '', body = ''] = received.split('\r\n\r\n', 2);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0), headers, body, sentBodyBytes: sent });
    };
    socket.on('close', finish);
    socket.on('end', finish);
    const text = typeof bodyBytes === 'string' ? bodyBytes : '';
    const length = typeof bodyBytes === 'string' ? Buffer.byteLength(text) : bodyBytes;
    const [requestLine = '', ...headers] = head.split('\n'); // head: the request line and header lines, each ending in \n
    socket.write([requestLine, 'Host: 127.0.0.1', ...headers].join('\r\n'));
    socket.write(`${chunked ? 'Transfer-Encoding: chunked\r\n' : length ? `Content-Length: ${length}\r\n` : ''}Connection: close\r\n\r\n${text}`);
    if (typeof bodyBytes === 'string') return;
    const piece = Buffer.alloc(64 * 1024, 0x30);
    const pump = (): void => {
      while (!answered && sent < bodyBytes && !socket.destroyed) {
        sent += piece.length;
        const frame = chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
      if (!answered && sent >= bodyBytes && chunked) socket.write('0\r\n\r\n');
    };
    // Content-Length bodies wait for the answer first: a refusal must not need the body.
    if (chunked) pump();
    else if (bodyBytes) setTimeout(() => (answered ? undefined : pump()), 1000);
  });
}

const FIFTY_MB = 50 * 1024 * 1024;

/** The platform's HTTP APIs (the Kafka broker, present with a Kafka source, speaks Kafka's protocol). */
type HttpApi = Exclude<keyof PlatformEndpoints, 'kafka'>;

/** Per API: a request line and headers with a malformed path or encoding, and the body's header lines. */
const APIS: Record<HttpApi, { readonly bad: string[]; readonly post: string; readonly shape: RegExp }> = {
  lambda: {
    bad: [
      'POST /2015-03-31/functions/%E0%A4%A/invocations HTTP/1.1\n',
      'POST /2015-03-31/functions/%/invocations HTTP/1.1\nX-Amz-Invocation-Type: Event\n',
      'POST /2015-03-31/functions/x/invocations HTTP/1.1\nX-Amz-Invocation-Type: Bogus\n',
      'GET /%%%% HTTP/1.1\n',
    ],
    post: 'POST /2015-03-31/functions/anything/invocations HTTP/1.1\nX-Amz-Invocation-Type: Event\n',
    shape: /"Type":"User".*"message"|"message"/,
  },
  sfn: {
    bad: ['POST /%E0%A4%A HTTP/1.1\nX-Amz-Target: AWSStepFunctions.ListExecutions\n', 'GET /%%% HTTP/1.1\n'],
    post: 'POST / HTTP/1.1\nX-Amz-Target: AWSStepFunctions.StartExecution\nContent-Type: application/x-amz-json-1.0\n',
    shape: /"__type":"com\.amazonaws\.swf\.service\.v2\.model#\w+","message"/,
  },
  logs: {
    bad: ['POST /%E0%A4%A HTTP/1.1\nX-Amz-Target: Logs_20140328.FilterLogEvents\n', 'POST / HTTP/1.1\nX-Amz-Target: Logs_20140328.Nothing\n'],
    post: 'POST / HTTP/1.1\nX-Amz-Target: Logs_20140328.FilterLogEvents\nContent-Type: application/x-amz-json-1.1\n',
    shape: /"__type":"\w+","message"/,
  },
  sqs: {
    bad: ['POST /%E0%A4%A HTTP/1.1\nX-Amz-Target: AmazonSQS.SendMessage\nContent-Type: application/x-amz-json-1.0\n', 'GET /000000000000/%E0%A4%A?Action=ReceiveMessage HTTP/1.1\n'],
    post: 'POST / HTTP/1.1\nX-Amz-Target: AmazonSQS.SendMessage\nContent-Type: application/x-amz-json-1.0\n',
    shape: /__type|Error|message/i,
  },
  dynamodb: {
    bad: ['POST /%E0%A4%A HTTP/1.1\nX-Amz-Target: DynamoDB_20120810.GetItem\n'],
    post: 'POST / HTTP/1.1\nX-Amz-Target: DynamoDB_20120810.PutItem\nContent-Type: application/x-amz-json-1.0\n',
    // DynamoDB's own answers: `<UnknownOperationException/>` to a path other than `/`, a bare SerializationException to a bad body.
    shape: /"__type":"[\w.#]+"|<UnknownOperationException\/>/,
  },
  // The task API (API Gateway HTTP API): its own `{"message": ...}` answers, 10 MB body cap, IAM before the function.
  apigateway: {
    bad: ['GET /tasks/%E0%A4%A HTTP/1.1\n', 'POST /tasks/%/stop HTTP/1.1\n', 'GET /%%%% HTTP/1.1\n', 'GET /tasks?status=%ZZ HTTP/1.1\nAuthorization: AWS4-HMAC-SHA256 garbage\n'],
    post: 'POST /tasks/analyze-slow-queries HTTP/1.1\nContent-Type: application/json\n',
    shape: /^\{"message":"[^"]+"\}$/,
  },
  s3: {
    bad: ['GET /%E0%A4%A/%E0%A4%A HTTP/1.1\n', 'PUT /b%/k%ZZ HTTP/1.1\n'],
    // S3 takes uploads up to 5 GB: 50 MB to a bucket that does not exist is answered NoSuchBucket before it is read.
    post: 'PUT /no-such-bucket/key HTTP/1.1\n',
    shape: /<Error>|<Code>/,
  },
};

describe('every API of the embedded platform, attacked over raw HTTP', () => {
  for (const [api, cases] of Object.entries(APIS) as [HttpApi, (typeof APIS)[HttpApi]][]) {
    it(`${api}: malformed paths and encodings get an error answer and the server keeps serving`, async () => {
      const endpoint = platform.endpoints[api] ?? '';
      for (const head of cases.bad) {
        const answer = await raw(endpoint, head, '{{{');
        expect(answer.status, `${api}: ${head.split('\n')[0] ?? ''}`).toBeGreaterThanOrEqual(400);
        expect(answer.status, `${api}: ${head.split('\n')[0] ?? ''}: ${answer.body}`).toBeLessThan(500);
        expect(answer.body).toMatch(cases.shape);
      }
      // Still serving: an ordinary bad request after the garbage is answered in the API's shape.
      const after = await raw(endpoint, cases.post, '{{{');
      expect(after.status).toBeGreaterThanOrEqual(400);
      expect(after.body).toMatch(cases.shape);
    });

    it(`${api}: a 50 MB body is refused from its Content-Length, before it is sent`, async () => {
      const answer = await raw(platform.endpoints[api] ?? '', cases.post, FIFTY_MB);
      expect(answer.status).toBe(api === 's3' ? 404 : 413);
      expect(answer.sentBodyBytes).toBeLessThan(FIFTY_MB);
      expect(answer.body).toMatch(cases.shape);
    });
  }

  for (const api of ['lambda', 'sfn', 'logs', 'sqs', 'apigateway'] as const) {
    it(`${api}: a chunked body is cut off at the cap, not buffered to the end`, async () => {
      const answer = await raw(platform.endpoints[api] ?? '', APIS[api].post, FIFTY_MB, true);
      expect(answer.status).toBe(413);
      expect(answer.sentBodyBytes).toBeLessThan(FIFTY_MB / 2);
      expect(answer.body).toMatch(APIS[api].shape);
    });
  }
});
