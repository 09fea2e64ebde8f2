// API Gateway's HTTP API semantics on the embedded platform, without a server: route matching, the payload-2.0
// event, the mapping of proxy results, and the SigV4 check (a signature by the SDK's signer passes; any change fails).
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { mapProxyResult, matchRoute, payloadV2Event } from '../../local/apigateway/payload-v2.js';
import { checkSigV4, IAM_DENIED, NodeSha256, type SignedRequest } from '../../local/apigateway/sigv4-check.js';
import type { HttpRouteSpec } from '../../local/provision/apigateway.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/servers.js';

const route = (routeKey: string): HttpRouteSpec => ({ routeKey, authorizationType: 'AWS_IAM', functionName: 'fn', payloadFormatVersion: '2.0' });
const ROUTES = ['POST /tasks/{ref}', 'GET /tasks/{ref}', 'GET /tasks', 'POST /tasks/{ref}/stop', 'GET /files/{path+}', 'GET /tasks/special'].map(route);

describe('matchRoute', () => {
  it('matches literal segments, {param} (decoded) and {proxy+}, the most specific route first', () => {
    expect(matchRoute(ROUTES, 'GET', '/tasks')?.route.routeKey).toBe('GET /tasks');
    expect(matchRoute(ROUTES, 'GET', '/tasks/a%20b')).toMatchObject({ route: { routeKey: 'GET /tasks/{ref}' }, pathParameters: { ref: 'a b' } });
    expect(matchRoute(ROUTES, 'GET', '/tasks/special')?.route.routeKey).toBe('GET /tasks/special');
    expect(matchRoute(ROUTES, 'POST', '/tasks/t1/stop')).toMatchObject({ pathParameters: { ref: 't1' } });
    expect(matchRoute(ROUTES, 'GET', '/files/a/b/c')).toMatchObject({ pathParameters: { path: 'a/b/c' } });
    expect(matchRoute(ROUTES, 'PUT', '/tasks/t1')).toBeUndefined();
    expect(matchRoute(ROUTES, 'GET', '/tasks/')).toBeUndefined();
    expect(matchRoute([...ROUTES, route('$default')], 'PUT', '/x')?.route.routeKey).toBe('$default');
    expect(() => matchRoute(ROUTES, 'GET', '/tasks/%E0%A4%A')).toThrow(URIError);
  });
});

describe('payloadV2Event', () => {
  it('carries the route, raw and decoded query, path parameters, IAM caller and a text or base64 body', () => {
    const request = { method: 'POST', rawPath: '/tasks/f', rawQueryString: 'id=a%2Db&x=1&x=2', headers: { 'content-type': 'application/json', host: 'h' }, body: Buffer.from('{"a":1}'), sourceIp: '127.0.0.1' };
    const event = payloadV2Event(request, { route: route('POST /tasks/{ref}'), pathParameters: { ref: 'f' } }, { apiId: 'api', stage: '$default', accountId: '000000000000', accessKeyId: 'AK' });
    expect(event).toMatchObject({
      version: '2.0', routeKey: 'POST /tasks/{ref}', rawPath: '/tasks/f', rawQueryString: 'id=a%2Db&x=1&x=2',
      queryStringParameters: { id: 'a-b', x: '1,2' }, pathParameters: { ref: 'f' }, body: '{"a":1}', isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/tasks/f', sourceIp: '127.0.0.1' }, authorizer: { iam: { accessKey: 'AK' } }, stage: '$default' },
    });
    const binary = payloadV2Event({ ...request, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0xff, 0]) }, { route: route('POST /tasks/{ref}'), pathParameters: {} }, { apiId: 'api', stage: '$default', accountId: '0' });
    expect(binary).toMatchObject({ body: '/wA=', isBase64Encoded: true });
    expect(binary.pathParameters).toBeUndefined();
  });
});

describe('mapProxyResult', () => {
  it('uses statusCode, headers and a (base64) body; any other value is a 200 JSON body; a bad status is a 500', () => {
    expect(mapProxyResult({ statusCode: 201, headers: { Location: '/x' }, body: '{}' })).toEqual({ status: 201, headers: { location: '/x' }, body: Buffer.from('{}') });
    expect(mapProxyResult({ statusCode: 200, body: 'aGk=', isBase64Encoded: true }).body.toString()).toBe('hi');
    expect(mapProxyResult({ ok: true })).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"ok":true}') });
    expect(mapProxyResult({ statusCode: 'nope' }).status).toBe(500);
  });
});

describe('checkSigV4', () => {
  const sign = async (request: SignedRequest, secretAccessKey: string = LOCAL_CREDENTIALS.secretAccessKey, signingDate = new Date()): Promise<SignedRequest> => {
    const signer = new SignatureV4({ credentials: { ...LOCAL_CREDENTIALS, secretAccessKey }, region: LOCAL_REGION, service: 'execute-api', sha256: NodeSha256 });
    const query = Object.fromEntries(new URLSearchParams(request.rawQueryString));
    const signed = await signer.sign({ method: request.method, protocol: 'http:', hostname: '127.0.0.1', path: request.rawPath, query, headers: { ...request.headers }, body: request.body }, { signingDate });
    return { ...request, headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v])) };
  };
  const base: SignedRequest = { method: 'POST', rawPath: '/tasks/f', rawQueryString: 'id=t1', headers: { host: '127.0.0.1:1', 'content-type': 'application/json' }, body: Buffer.from('{}') };

  it('accepts the signature of the SDK signer and refuses every change', async () => {
    const signed = await sign(base);
    expect(await checkSigV4(signed, LOCAL_CREDENTIALS, LOCAL_REGION)).toEqual({ ok: true, caller: { accessKeyId: LOCAL_CREDENTIALS.accessKeyId } });
    const denied = async (request: SignedRequest): Promise<string> => {
      const result = await checkSigV4(request, LOCAL_CREDENTIALS, LOCAL_REGION);
      return result.ok ? 'ok' : result.message;
    };
    expect(await denied(base)).toBe(IAM_DENIED.missing);
    expect(await denied({ ...signed, body: Buffer.from('{"a":1}') })).toBe(IAM_DENIED.mismatch);
    expect(await denied({ ...signed, rawQueryString: 'id=t2' })).toBe(IAM_DENIED.mismatch);
    expect(await denied({ ...signed, rawPath: '/tasks/g' })).toBe(IAM_DENIED.mismatch);
    expect(await denied({ ...signed, method: 'GET' })).toBe(IAM_DENIED.mismatch);
    expect(await denied(await sign(base, 'wrong'))).toBe(IAM_DENIED.mismatch);
    expect(await denied(await sign(base, LOCAL_CREDENTIALS.secretAccessKey, new Date(Date.now() - 20 * 60_000)))).toBe(IAM_DENIED.expired);
    expect(await denied({ ...signed, headers: { ...signed.headers, authorization: 'AWS4-HMAC-SHA256 garbage' } })).toBe(IAM_DENIED.mismatch);
    expect(await denied({ ...signed, headers: { ...signed.headers, authorization: (signed.headers.authorization ?? '').replace(LOCAL_CREDENTIALS.accessKeyId, 'AKIAOTHER') } })).toBe(IAM_DENIED.unknownKey);
  });
});
