// Lambda's Runtime API for one execution environment, on loopback: the runtime interface client
// (awslambdaric) long-polls /invocation/next, then posts the response or the error of that invocation,
// or an init error. One invocation at a time, as in a Lambda execution environment.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const PREFIX = '/2018-06-01/runtime';

export interface Invocation {
  readonly requestId: string;
  readonly event: unknown;
  readonly deadlineMs: number;
  readonly functionArn: string;
}

export interface RuntimeErrorBody {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace?: readonly string[];
}

export interface RuntimeApiEvents {
  /** The runtime asked for its first invocation: init is over. */
  onReady(): void;
  onInitError(error: RuntimeErrorBody): void;
  onResponse(requestId: string, body: unknown): void;
  onError(requestId: string, error: RuntimeErrorBody): void;
}

export class RuntimeApiServer {
  private readonly server: Server;
  private waiting: ServerResponse | undefined;
  private queued: Invocation | undefined;
  private current: string | undefined;
  private ready = false;

  constructor(private readonly events: RuntimeApiEvents) {
    this.server = createServer((req, res) => void this.route(req, res));
    this.server.keepAliveTimeout = 0;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Hands the invocation to the runtime (now if it is waiting on /next, else when it asks). */
  invoke(invocation: Invocation): void {
    this.queued = invocation;
    if (this.waiting) this.deliver(this.waiting);
  }

  close(): Promise<void> {
    this.waiting?.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private deliver(res: ServerResponse): void {
    const invocation = this.queued;
    if (!invocation) return;
    this.queued = undefined;
    this.waiting = undefined;
    this.current = invocation.requestId;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': invocation.requestId,
      'Lambda-Runtime-Deadline-Ms': String(invocation.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': invocation.functionArn,
      'Lambda-Runtime-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${invocation.requestId.replaceAll('-', '').slice(0, 24)};Sampled=0`,
    });
    res.end(JSON.stringify(invocation.event ?? null));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '';
    const body = await readBody(req);
    const accepted = (): void => {
      res.writeHead(202, { 'Content-Type': 'application/json' });
      res.end('{"status":"OK"}');
    };
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      if (!this.ready) {
        this.ready = true;
        this.events.onReady();
      }
      this.waiting = res;
      this.deliver(res);
      return;
    }
    const invocation = new RegExp(`^${PREFIX}/invocation/([^/]+)/(response|error)$`).exec(url);
    if (req.method === 'POST' && invocation) {
      const requestId = decodeURIComponent(invocation[1] ?? '');
      if (requestId !== this.current) {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errorType: 'InvalidRequestID', errorMessage: `not the current invocation: ${requestId}` }));
        return;
      }
      this.current = undefined;
      accepted();
      if (invocation[2] === 'response') this.events.onResponse(requestId, parseJson(body));
      else this.events.onError(requestId, errorBody(body, req.headers['lambda-runtime-function-error-type']));
      return;
    }
    if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
      accepted();
      this.events.onInitError(errorBody(body, req.headers['lambda-runtime-function-error-type']));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errorType: 'NotFound', errorMessage: `${req.method} ${url}` }));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function errorBody(text: string, headerType: string | string[] | undefined): RuntimeErrorBody {
  const parsed = parseJson(text) as Partial<RuntimeErrorBody> | null;
  const type = typeof headerType === 'string' ? headerType : undefined;
  return {
    errorType: parsed?.errorType ?? type ?? 'Runtime.Unknown',
    errorMessage: parsed?.errorMessage ?? (typeof parsed === 'string' ? parsed : 'unknown error'),
    ...(Array.isArray(parsed?.stackTrace) ? { stackTrace: parsed.stackTrace.map(String) } : {}),
  };
}
