// One HTTP API of the template on a loopback port, as API Gateway serves it: the route is matched, the body
// capped at API Gateway's 10 MB, a route with AWS_IAM authorization needs a valid SigV4 signature (service
// execute-api) for the platform's credentials, and the function of the route's Lambda proxy integration is
// invoked synchronously with the payload-2.0 event; its result is mapped to the response.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, guarded, HttpApiError, readBody } from '../http/guard.js';
import type { HttpApiSpec } from '../provision/apigateway.js';
import { internalError, mapProxyResult, matchRoute, messageAnswer, payloadV2Event, type HttpAnswer, type IncomingHttpRequest } from './payload-v2.js';
import { checkSigV4 } from './sigv4-check.js';

/** API Gateway's payload limit of an HTTP API. */
export const HTTP_API_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's integration timeout of an HTTP API. */
const INTEGRATION_TIMEOUT_MS = 30_000;

export type InvokeOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: unknown };

export interface HttpApiServerOptions {
  readonly api: HttpApiSpec;
  /** Invokes a function synchronously (the local Lambda service's RequestResponse). */
  readonly invoke: (functionName: string, event: unknown) => Promise<InvokeOutcome>;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region: string;
  readonly accountId: string;
  readonly log?: (line: string) => void;
}

export interface HttpApiServer {
  /** `http://127.0.0.1:<port>` (with the stage's path for a stage other than `$default`). */
  readonly url: string;
  close(): Promise<void>;
}

export async function startHttpApiServer(options: HttpApiServerOptions): Promise<HttpApiServer> {
  const stage = options.api.stages.includes('$default') || options.api.stages.length === 0 ? '$default' : (options.api.stages[0] ?? '$default');
  const prefix = stage === '$default' ? '' : `/${stage}`;
  const server = createServer(
    guarded(
      async (req, res) => {
        const reply = await answer(req, options, stage, prefix).catch((error: unknown) => {
          if (!(error instanceof BodyTooLargeError)) throw error;
          return 'refused' as const;
        });
        if (reply === 'refused') refuseAndLinger(req, res, messageAnswer(413, 'Request Entity Too Large'));
        else send(res, reply);
      },
      (res, error) => send(res, messageAnswer(error.status, error.status === 413 ? 'Request Entity Too Large' : error.message)),
      (error) => options.log?.(`HTTP API ${options.api.apiId}: ${(error as Error).message}`),
    ),
  );
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(req: IncomingMessage, options: HttpApiServerOptions, stage: string, prefix: string): Promise<HttpAnswer> {
  const url = req.url ?? '/';
  const at = url.indexOf('?');
  let rawPath = at < 0 ? url : url.slice(0, at);
  const rawQueryString = at < 0 ? '' : url.slice(at + 1);
  const signedPath = rawPath;
  if (prefix) {
    if (rawPath !== prefix && !rawPath.startsWith(`${prefix}/`)) return messageAnswer(404, 'Not Found');
    rawPath = rawPath.slice(prefix.length) || '/';
  }
  const method = req.method ?? 'GET';
  let matched;
  try {
    matched = matchRoute(options.api.routes, method, rawPath);
  } catch {
    return messageAnswer(400, 'Bad Request'); // a malformed percent-encoding in a path parameter
  }
  if (!matched) return messageAnswer(404, 'Not Found');

  const body = await readBody(req, HTTP_API_MAX_BODY_BYTES);
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) if (values) headers[name] = values.join(',');
  let accessKeyId: string | undefined;
  if (matched.route.authorizationType === 'AWS_IAM') {
    const checked = await checkSigV4({ method, rawPath: signedPath, rawQueryString, headers, body }, options.credentials, options.region);
    if (!checked.ok) return messageAnswer(403, checked.message);
    accessKeyId = checked.caller.accessKeyId;
  }
  const request: IncomingHttpRequest = { method, rawPath, rawQueryString, headers, body, sourceIp: req.socket.remoteAddress ?? '127.0.0.1' };
  let event;
  try {
    event = payloadV2Event(request, matched, { apiId: options.api.apiId, stage, accountId: options.accountId, ...(accessKeyId ? { accessKeyId } : {}) });
  } catch {
    throw new HttpApiError(400, 'BadRequest', 'Bad Request'); // a malformed percent-encoding in the query
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), INTEGRATION_TIMEOUT_MS)));
  try {
    const outcome = await Promise.race([options.invoke(matched.route.functionName, event), timedOut]);
    if (outcome === 'timeout') return messageAnswer(503, 'Service Unavailable');
    if (!outcome.ok) {
      options.log?.(`HTTP API ${options.api.apiId}: ${matched.route.functionName} failed: ${JSON.stringify(outcome.error).slice(0, 500)}`);
      return internalError();
    }
    return mapProxyResult(outcome.result);
  } catch (error) {
    options.log?.(`HTTP API ${options.api.apiId}: invoking ${matched.route.functionName}: ${(error as Error).message}`);
    return internalError();
  } finally {
    clearTimeout(timer);
  }
}

/** How long a refused request's connection stays open after the answer, discarding what the client still sends. */
const LINGER_AFTER_REFUSAL_MS = 2000;

/**
 * A body over the cap is refused and the connection closed, but not at once: a socket closed while the client
 * still sends is reset, and a client whose write then fails may never read the answer. Node's server closes the
 * connection as soon as an answer ends while its request is unread, so the answer is written whole (its
 * Content-Length tells the client it is complete) but ended only once the client has stopped sending: at the
 * request's end or after LINGER_AFTER_REFUSAL_MS. What still arrives meanwhile is discarded.
 */
function refuseAndLinger(req: IncomingMessage, res: ServerResponse, answer: HttpAnswer): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length, connection: 'close' });
  res.write(answer.body);
  req.resume();
  const close = (): void => {
    clearTimeout(timer);
    res.end();
    req.socket.destroySoon();
  };
  const timer = setTimeout(close, LINGER_AFTER_REFUSAL_MS);
  timer.unref();
  req.once('end', close);
  req.socket.once('close', () => clearTimeout(timer));
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length, 'apigw-requestid': Math.random().toString(36).slice(2, 14) });
  res.end(answer.body);
}
