// API Gateway HTTP API semantics, without the server: route matching ({param} and {proxy+} segments, the most
// specific route first, `$default` last), the payload-format-2.0 event and the mapping of a proxy response.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import type { HttpRouteSpec } from '../provision/apigateway.js';

export interface MatchedRoute {
  readonly route: HttpRouteSpec;
  /** Decoded path parameters. */
  readonly pathParameters: Record<string, string>;
}

/** The route of a request, or undefined (API Gateway's 404). Throws URIError on a bad percent-encoding. */
export function matchRoute(routes: readonly HttpRouteSpec[], method: string, rawPath: string): MatchedRoute | undefined {
  const segments = rawPath.split('/').slice(1);
  let best: { matched: MatchedRoute; score: number } | undefined;
  for (const route of routes) {
    if (route.routeKey === '$default') continue;
    const [routeMethod = '', path = ''] = route.routeKey.split(' ');
    if (routeMethod !== 'ANY' && routeMethod !== method) continue;
    const params = matchPath(path.split('/').slice(1), segments);
    if (!params) continue;
    // Fewer parameters and a named method are more specific (API Gateway's precedence).
    const score = Object.keys(params.values).length * 2 + (params.greedy ? 100 : 0) + (routeMethod === 'ANY' ? 1 : 0);
    if (!best || score < best.score) best = { matched: { route, pathParameters: params.values }, score };
  }
  if (best) return best.matched;
  const fallback = routes.find((r) => r.routeKey === '$default');
  return fallback ? { route: fallback, pathParameters: {} } : undefined;
}

function matchPath(template: readonly string[], segments: readonly string[]): { values: Record<string, string>; greedy: boolean } | undefined {
  const values: Record<string, string> = {};
  for (const [i, part] of template.entries()) {
    const greedy = /^\{(\w+)\+\}$/.exec(part);
    if (greedy?.[1]) {
      const rest = segments.slice(i);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      values[greedy[1]] = decodeURIComponent(rest.join('/'));
      return { values, greedy: true };
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    const param = /^\{(\w+)\}$/.exec(part);
    if (param?.[1]) {
      if (segment === '') return undefined;
      values[param[1]] = decodeURIComponent(segment);
    } else if (part !== segment) {
      return undefined;
    }
  }
  return template.length === segments.length ? { values, greedy: false } : undefined;
}

export interface IncomingHttpRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  /** Lower-case name → value (repeated headers joined with ','). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly sourceIp: string;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)\b|application\/[\w.+-]+\+(json|xml)\b)/i;

/** The payload-format-2.0 event API Gateway gives a Lambda proxy integration. */
export function payloadV2Event(
  request: IncomingHttpRequest,
  matched: MatchedRoute,
  context: { readonly apiId: string; readonly stage: string; readonly accountId: string; readonly accessKeyId?: string },
  now: Date = new Date(),
): APIGatewayProxyEventV2WithIAMAuthorizer {
  const query: Record<string, string> = {};
  for (const pair of request.rawQueryString.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
    const value = at < 0 ? '' : decodeURIComponent(pair.slice(at + 1));
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  }
  const text = TEXT_TYPES.test(request.headers['content-type'] ?? '');
  const iam = context.accessKeyId
    ? {
        accessKey: context.accessKeyId,
        accountId: context.accountId,
        callerId: context.accessKeyId,
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: `arn:aws:iam::${context.accountId}:user/local`,
        userId: context.accessKeyId,
      }
    : undefined;
  const event = {
    version: '2.0',
    routeKey: matched.route.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    headers: { ...request.headers },
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(matched.pathParameters).length ? { pathParameters: matched.pathParameters } : {}),
    requestContext: {
      accountId: context.accountId,
      apiId: context.apiId,
      ...(iam ? { authorizer: { iam } } : {}),
      domainName: request.headers.host ?? '127.0.0.1',
      domainPrefix: (request.headers.host ?? '127.0.0.1').split('.')[0] ?? '',
      http: { method: request.method, path: request.rawPath, protocol: 'HTTP/1.1', sourceIp: request.sourceIp, userAgent: request.headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: matched.route.routeKey,
      stage: context.stage,
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(request.body.length ? { body: text ? request.body.toString('utf8') : request.body.toString('base64') } : {}),
    isBase64Encoded: request.body.length > 0 && !text,
  };
  return event as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * What API Gateway answers for a function's result (format 2.0): a result with `statusCode` is the response
 * (headers, cookies, body, isBase64Encoded); any other value is a 200 whose JSON body is that value.
 */
export function mapProxyResult(result: unknown): HttpAnswer {
  if (result && typeof result === 'object' && !Array.isArray(result) && 'statusCode' in result) {
    const r = result as { statusCode?: unknown; headers?: Record<string, unknown>; cookies?: unknown; body?: unknown; isBase64Encoded?: unknown };
    const status = Number(r.statusCode);
    if (!Number.isInteger(status) || status < 100 || status > 599) return internalError();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(r.headers ?? {})) headers[name.toLowerCase()] = String(value);
    const body = typeof r.body === 'string' ? Buffer.from(r.body, r.isBase64Encoded === true ? 'base64' : 'utf8') : Buffer.alloc(0);
    const cookies = Array.isArray(r.cookies) ? r.cookies.map(String) : [];
    return { status, headers: { ...headers, ...(cookies.length ? { 'set-cookie': cookies.join(', ') } : {}) }, body };
  }
  const json = JSON.stringify(result ?? null);
  return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(json) };
}

/** API Gateway's answer when the integration fails. */
export function internalError(): HttpAnswer {
  return messageAnswer(500, 'Internal Server Error');
}

/** API Gateway's own answers: `{"message": ...}`. */
export function messageAnswer(status: number, message: string): HttpAnswer {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ message })) };
}
