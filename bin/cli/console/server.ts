// The console's HTTP server: 127.0.0.1 only, the guard of security.ts before anything else, the page's
// files, and /api/* to api.ts. A garbage request gets a 4xx; nothing a client sends ends the process.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi, type ApiContext } from './api.js';
import { assetFor, loadAssets } from './assets.js';
import { ConsoleGuard, newToken, setSecurityHeaders } from './security.js';

/** Request bodies are not used (stop, retry and redrive take their parameters in the path and query). */
const MAX_BODY_BYTES = 4096;

export interface ConsoleServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  if (res.headersSent) return void res.end();
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** Reads (and discards) a small body; false when it is too large (the answer is then 413). */
function drainBody(req: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve(false);
      }
    });
    req.on('end', () => resolve(size <= MAX_BODY_BYTES));
    req.on('error', () => resolve(false));
  });
}

export async function startConsoleServer(ctx: ApiContext, options: { port?: number } = {}): Promise<ConsoleServer> {
  const assets = loadAssets();
  const token = newToken();
  let port = 0;
  const guard = new ConsoleGuard(token, () => port);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setSecurityHeaders(res);
    const refusedOrigin = guard.checkOrigin(req);
    if (refusedOrigin) return sendJson(res, refusedOrigin.status, { error: { message: refusedOrigin.message } });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return sendJson(res, 400, { error: { message: 'malformed request target' } });
    }
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/api/')) {
      const refused = guard.checkToken(req);
      if (refused) return sendJson(res, refused.status, { error: { message: refused.message } });
      if (!(await drainBody(req))) return sendJson(res, 413, { error: { message: `request bodies are limited to ${MAX_BODY_BYTES} bytes` } });
      const answer = await handleApi(ctx, { method, path: url.pathname, query: url.searchParams });
      return sendJson(res, answer.status, answer.body);
    }
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: { message: `${method} is not allowed here` } });
    const asset = assetFor(assets, url.pathname);
    if (!asset) return sendJson(res, 404, { error: { message: `no such file: ${url.pathname}` } });
    send(res, 200, asset.type, method === 'HEAD' ? '' : asset.body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      sendJson(res, 500, { error: { message: (error as Error).message ?? String(error) } });
    });
  });
  // A malformed request line or header: 400 and close, as Node would, without an exception.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    // The token in the fragment: the browser never sends it in a request line or a Referer.
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
