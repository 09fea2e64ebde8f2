// What every API the embedded platform serves does with input it cannot accept: bodies over a cap are
// refused before they are read (Content-Length) or as soon as they pass it (chunked), never buffered;
// bad percent-encodings are an error answer, not an exception; whatever a handler throws becomes an
// error answer in the API's own shape. The server keeps serving in every case.
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

/** An answer the API gives in its own error shape. */
export class HttpApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** Writes an error in an API's shape (AWS JSON `__type`, Lambda's REST JSON, ...). */
export type ErrorWriter = (res: ServerResponse, error: HttpApiError) => void;

/** AWS JSON 1.0 / 1.1 protocols (Step Functions, CloudWatch Logs, SQS): `{"__type", "message"}`. */
export function awsJsonErrors(contentType: string, namespace = ''): ErrorWriter {
  return (res, error) => {
    const body = JSON.stringify({ __type: `${namespace}${error.code}`, message: error.message });
    res.writeHead(error.status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      'x-amzn-errortype': error.code,
    });
    res.end(body);
  };
}

export class BodyTooLargeError extends HttpApiError {
  constructor(limit: number, code = 'RequestEntityTooLargeException') {
    super(413, code, `Request must be smaller than ${limit} bytes`);
  }
}

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length above the limit is refused
 * without reading a byte; a body that passes the limit while streaming is refused at that point (what
 * was read is dropped). Either way the connection is closed after the answer, so the rest is not read.
 */
export async function readBody(req: IncomingMessage, limit: number, code?: string): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit, code);
  // Events, not `for await`: leaving an async iterator destroys the request, and with it the socket the
  // refusal is to be written to.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd);
      chunks.length = 0;
      reject(new BodyTooLargeError(limit, code));
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks));
    req.on('data', onData).on('end', onEnd).once('error', reject);
  });
}

/** decodeURIComponent that answers a malformed percent-encoding with a 400 instead of a URIError. */
export function decodePathSegment(segment: string, code = 'ValidationException'): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpApiError(400, code, `malformed percent-encoding in the request path: ${JSON.stringify(segment.slice(0, 200))}`);
  }
}

/** After a refused body, the connection closes once the answer is sent: the rest of the body is never read. */
export function closeAfterRefusal(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  if (error instanceof BodyTooLargeError) closeAfterAnswer(req, res);
}

function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.shouldKeepAlive = false;
  res.setHeader('connection', 'close');
  res.on('finish', () => req.destroy());
}

/**
 * Wraps a handler so nothing it throws or rejects with escapes: an HttpApiError is answered in the API's
 * shape, anything else as a 500 of the same shape. A refused body closes the connection after the answer.
 */
export function guarded(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  writeError: ErrorWriter,
  onInternal: (error: unknown) => void = () => undefined,
): RequestListener {
  return (req, res) => {
    const fail = (caught: unknown): void => {
      const error = caught instanceof HttpApiError ? caught : new HttpApiError(500, 'ServiceException', caught instanceof Error ? caught.message : String(caught));
      if (!(caught instanceof HttpApiError)) onInternal(caught);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      closeAfterRefusal(req, res, error);
      try {
        writeError(res, error);
      } catch {
        res.destroy();
      }
    };
    try {
      const out = handler(req, res);
      if (out instanceof Promise) out.catch(fail);
    } catch (caught) {
      fail(caught);
    }
  };
}

/**
 * Puts a body cap in front of a third-party server (dynalite) that would read any body to its end: a
 * declared Content-Length over the cap, or a body without one, is answered before anything is read.
 */
export function capDeclaredBodies(server: Server, limit: number, writeError: ErrorWriter): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    const streamed = req.headers['transfer-encoding'] !== undefined && !Number.isFinite(declared);
    if (declared > limit || streamed) {
      const error = streamed ? new HttpApiError(411, 'MissingContentLength', 'a request body needs a Content-Length') : new BodyTooLargeError(limit);
      closeAfterAnswer(req, res);
      writeError(res, error);
      return;
    }
    for (const listener of listeners) listener(req, res);
  });
}
