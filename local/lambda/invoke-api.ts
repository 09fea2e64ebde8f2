import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodePathSegment, guarded, HttpApiError, readBody } from '../http/guard.js';
import type { LocalLambdaService } from './lambda-service.js';

const ASYNC_LIMIT_BYTES = 1024 * 1024; // Lambda's asynchronous payload limit
const SYNC_LIMIT_BYTES = 6 * 1024 * 1024;

/**
 * Lambda's Invoke API (REST JSON, `POST /2015-03-31/functions/{name}/invocations`) in front of the local
 * Lambda service, as `sam local start-lambda` serves it: the CLI and functions reach it through
 * `AWS_ENDPOINT_URL_LAMBDA` with the ordinary SDK client. Event → 202 after the event is stored;
 * RequestResponse → the result, or the error with `X-Amz-Function-Error`; DryRun → 204.
 */
export async function startInvokeApi(service: LocalLambdaService): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = createServer(guarded((req, res) => handle(service, req, res), (res, e) => error(res, e.status, e.code, e.message)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(service: LocalLambdaService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations(?:\?.*)?$/.exec(req.url ?? '');
  if (req.method !== 'POST' || !match?.[1]) {
    return error(res, 404, 'UnknownOperationException', `${req.method} ${req.url} is not served by the embedded platform`);
  }
  const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (!['Event', 'RequestResponse', 'DryRun'].includes(type)) {
    throw new HttpApiError(400, 'InvalidParameterValueException', `unknown X-Amz-Invocation-Type: ${JSON.stringify(type.slice(0, 100))}`);
  }
  const limit = type === 'Event' ? ASYNC_LIMIT_BYTES : SYNC_LIMIT_BYTES;
  const body = await readBody(req, limit).catch((caught: unknown) => {
    if (caught instanceof HttpApiError) throw new HttpApiError(caught.status, caught.code, `${caught.message} for the ${type} invocation type`);
    throw caught;
  });
  const name = decodePathSegment(match[1], 'InvalidParameterValueException');
  const fn = service.resolve(name);
  if (!fn) return error(res, 404, 'ResourceNotFoundException', `Function not found: ${service.arnOf(name)}`);

  let payload: unknown = {};
  if (body.length) {
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return error(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
  }
  try {
    if (type === 'DryRun') {
      res.writeHead(204).end();
    } else if (type === 'Event') {
      const requestId = service.invokeAsync(name, payload);
      res.writeHead(202, { 'x-amzn-requestid': requestId }).end();
    } else {
      const outcome = await service.invokeSync(name, payload);
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-amzn-requestid': outcome.requestId,
        'x-amz-executed-version': '$LATEST',
        ...(outcome.ok ? {} : { 'x-amz-function-error': 'Unhandled' }),
      });
      res.end(JSON.stringify(outcome.ok ? outcome.result : outcome.error));
    }
  } catch (caught) {
    error(res, 500, 'ServiceException', (caught as Error).message);
  }
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ Type: status < 500 ? 'User' : 'Service', Message: message, message }));
}
