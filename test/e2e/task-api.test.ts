// The task API on the embedded platform, from the same template as on AWS, over real SigV4-signed HTTP: every route,
// its errors in the one error shape (with the CLI's exit code), and IAM authorization (unsigned / wrong secret → 403).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../functions/api/api-errors.js';
import { EXIT } from '../../functions/core/error-table.js';
import { STACK_OUTPUTS } from '../../functions/core/facts.js';
import type { TaskRecord } from '../../functions/core/task-record.js';
import type { Platform } from '../../local/platform.js';
import { LOCAL_CREDENTIALS } from '../../local/servers.js';
import { synthServerlessTaskStack, usePlatform } from '../support/embedded-platform.js';
import { signedFetch, type ApiAnswer, type SignedRequestOptions } from '../support/signed-fetch.js';
import { eventually, ROOT } from './stask-process.js';

const ANALYZE = { log: readFileSync(join(ROOT, 'examples', 'mysql-slow.log'), 'utf8'), top: 3 };
const JSON_HEADERS = { 'content-type': 'application/json' };

let platform: Platform;
// Lambda's real retry delays halved: always-fails waits 30 s RETRYING between its attempts (time to stop it).
usePlatform(
  { synth: synthServerlessTaskStack, tempPrefix: 'cdk-out-api-', platform: { retryDelayScale: 0.5, functionEnv: { POWERTOOLS_METRICS_DISABLED: 'true' } } },
  (started) => (platform = started.platform),
);

const api = <T = unknown>(path: string, options?: SignedRequestOptions): Promise<ApiAnswer<T>> => signedFetch<T>(platform.endpoints.apigateway ?? '', path, options);
const submit = (fn: string, payload: unknown, id?: string): Promise<ApiAnswer<{ task: TaskRecord; deduplicated: boolean }>> =>
  api(`/tasks/${fn}`, { method: 'POST', body: JSON.stringify(payload), headers: { ...JSON_HEADERS, ...(id ? { 'idempotency-key': id } : {}) } });
const getTask = async (id: string): Promise<TaskRecord> => (await api<{ task: TaskRecord }>(`/tasks/${id}`)).json.task;
const untilStatus = (id: string, statuses: readonly string[]): Promise<TaskRecord> =>
  eventually(async () => {
    const task = await getTask(id);
    return statuses.includes(task.status) ? task : undefined;
  }, `task ${id} to be ${statuses.join(' or ')}`);

function expectError(answer: ApiAnswer, status: number, code: string, exitCode: number): ErrorBody['error'] {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/json');
  const body = answer.json as ErrorBody;
  expect(body.error).toMatchObject({ code, exitCode });
  expect(body.error.message).toMatch(/\S/);
  return body.error;
}

describe('task API on the embedded platform', () => {
  it('puts its local URL into the stack outputs', () => {
    expect(platform.outputs[STACK_OUTPUTS.taskApiUrl]).toBe(`${platform.endpoints.apigateway ?? ''}/`);
    expect(platform.endpoints.apigateway).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('POST /tasks/{function}: 201 new, 200 deduplicated with the existing task, 409 naming the existing task', async () => {
    const created = await submit('analyze-slow-queries', ANALYZE, 'api-dedup-1');
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ deduplicated: false, task: { taskId: 'api-dedup-1', function: 'analyze-slow-queries' } });
    expect(created.headers.get('location')).toBe('/tasks/api-dedup-1');

    const again = await submit('analyze-slow-queries', ANALYZE, 'api-dedup-1');
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ deduplicated: true, task: { taskId: 'api-dedup-1' } });

    // The `id` query parameter is the same key.
    const byQuery = await api('/tasks/analyze-slow-queries?id=api-dedup-1', { method: 'POST', body: JSON.stringify({ ...ANALYZE, top: 4 }), headers: JSON_HEADERS });
    const conflict = expectError(byQuery, 409, 'TaskConflict', EXIT.conflict);
    expect(conflict).toMatchObject({ taskId: 'api-dedup-1', existing: { function: 'analyze-slow-queries' } });

    const done = await untilStatus('api-dedup-1', ['SUCCEEDED']);
    expect(done.result).toBeDefined();
  });

  it('GET /tasks/{id} and GET /tasks/{id}/logs', async () => {
    const { json } = await submit('analyze-slow-queries', ANALYZE);
    const id = json.task.taskId;
    await untilStatus(id, ['SUCCEEDED']);
    const logs = await eventually(async () => {
      const answer = await api<{ taskId: string; events: { timestamp: string; message: string }[] }>(`/tasks/${id}/logs`);
      return answer.json.events.length ? answer : undefined;
    }, `log lines of ${id}`);
    expect(logs.status).toBe(200);
    expect(logs.json.taskId).toBe(id);
    expect(logs.json.events.every((e) => !Number.isNaN(Date.parse(e.timestamp)) && typeof e.message === 'string')).toBe(true);
  });

  it('GET /tasks with filters, a page at a time with nextToken', async () => {
    for (const n of [1, 2, 3]) expect((await submit('analyze-slow-queries', ANALYZE, `api-list-${n}`)).status).toBe(201);
    const first = await api<{ tasks: TaskRecord[]; nextToken: string | null }>('/tasks?function=analyze-slow-queries&prefix=api-list-&limit=2');
    expect(first.status, first.text).toBe(200);
    expect(first.json.tasks).toHaveLength(2);
    expect(first.json.nextToken).toEqual(expect.any(String));
    const second = await api<{ tasks: TaskRecord[]; nextToken: string | null }>(`/tasks?function=analyze-slow-queries&prefix=api-list-&limit=2&nextToken=${encodeURIComponent(first.json.nextToken ?? '')}`);
    expect(second.status, second.text).toBe(200);
    const ids = [...first.json.tasks, ...second.json.tasks].map((t) => t.taskId);
    expect(new Set(ids)).toEqual(new Set(['api-list-1', 'api-list-2', 'api-list-3']));
    await untilStatus('api-list-3', ['SUCCEEDED']);
    const succeeded = await api<{ tasks: TaskRecord[] }>(`/tasks?status=succeeded&since=${new Date(Date.now() - 3_600_000).toISOString()}&limit=1000`);
    expect(succeeded.json.tasks.map((t) => t.taskId)).toContain('api-list-3');
    expect(succeeded.json.tasks.every((t) => t.status === 'SUCCEEDED')).toBe(true);
  });

  it('POST /tasks/{id}/stop and /retry; 409 when the status does not allow it', async () => {
    const { json } = await submit('always-fails', { n: 1 });
    const id = json.task.taskId;
    await untilStatus(id, ['RETRYING']);
    const stopped = await api<{ task: TaskRecord }>(`/tasks/${id}/stop`, { method: 'POST' });
    expect(stopped.status, stopped.text).toBe(200);
    expect(stopped.json.task.status).toBe('STOPPED');
    expectError(await api(`/tasks/${id}/stop`, { method: 'POST' }), 409, 'InvalidTransition', EXIT.conflict);

    const retried = await api<{ task: TaskRecord }>(`/tasks/${id}/retry`, { method: 'POST' });
    expect(retried.status, retried.text).toBe(200);
    expect(['QUEUED', 'RUNNING']).toContain(retried.json.task.status);
    await untilStatus(id, ['RETRYING', 'FAILED']);
    expectError(await api(`/tasks/${id}/retry`, { method: 'POST' }), 409, 'InvalidTransition', EXIT.conflict);
  });

  it('400 for malformed JSON, bad IDs and bad query values; 415 for another content type', async () => {
    expectError(await api('/tasks/analyze-slow-queries', { method: 'POST', body: '{"log": ', headers: JSON_HEADERS }), 400, 'InvalidPayload', EXIT.usage);
    expectError(await submit('analyze-slow-queries', { top: 3 }), 400, 'InvalidPayload', EXIT.usage); // its payload schema
    expectError(await submit('analyze-slow-queries', ANALYZE, 'not a valid id!'), 400, 'InvalidTaskId', EXIT.usage);
    expectError(await api('/tasks/bad%20id'), 400, 'InvalidTaskId', EXIT.usage);
    expectError(await api('/tasks?limit=abc'), 400, 'InvalidListQuery', EXIT.usage);
    expectError(await api('/tasks?status=sleeping'), 400, 'InvalidListQuery', EXIT.usage);
    expectError(await api('/tasks?since=yesterday'), 400, 'InvalidListQuery', EXIT.usage);
    // A bare listing over more day buckets than the registry queries: the registry's own refusal.
    expectError(await api(`/tasks?since=${new Date(Date.now() - 500 * 86_400_000).toISOString()}`), 400, 'InvalidListQuery', EXIT.usage);
    expectError(await api('/tasks?prefix=api-&nextToken=garbage'), 400, 'InvalidListQuery', EXIT.usage);
    expectError(await api('/tasks?colour=red'), 400, 'BadRequest', EXIT.usage);
    const media = expectError(await api('/tasks/analyze-slow-queries', { method: 'POST', body: 'log=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UnsupportedMediaType', EXIT.usage);
    expect(media.message).toMatch(/application\/json/);
  });

  it('404 for an unknown task, function or route; 413 above API Gateway’s 10 MB', async () => {
    expectError(await api('/tasks/no-such-task'), 404, 'TaskNotFound', EXIT.notFound);
    expectError(await submit('no-such-function', {}), 404, 'UnknownTask', EXIT.usage);
    const route = await api('/jobs');
    expect(route.status).toBe(404);
    expect(route.json).toEqual({ message: 'Not Found' });
    const large = await api('/tasks/always-fails', { method: 'POST', body: JSON.stringify({ blob: 'x'.repeat(10 * 1024 * 1024) }), headers: JSON_HEADERS });
    expect(large.status).toBe(413);
    expect(large.json).toEqual({ message: 'Request Entity Too Large' });
  });

  it('403 with API Gateway’s body without a signature or with a wrong secret; nothing is submitted', async () => {
    const unsigned = await api('/tasks/always-fails?id=api-unsigned', { method: 'POST', body: '{}', headers: JSON_HEADERS, credentials: null });
    expect(unsigned.status).toBe(403);
    expect(unsigned.json).toEqual({ message: 'Forbidden' });
    const wrong = await api('/tasks/always-fails?id=api-unsigned', { method: 'POST', body: '{}', headers: JSON_HEADERS, credentials: { ...LOCAL_CREDENTIALS, secretAccessKey: 'not-the-secret' } });
    expect(wrong.status).toBe(403);
    expect((wrong.json as { message: string }).message).toMatch(/^The request signature we calculated does not match/);
    const otherKey = await api('/tasks', { credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey } });
    expect(otherKey.status).toBe(403);
    expectError(await api('/tasks/api-unsigned'), 404, 'TaskNotFound', EXIT.notFound);
  });
});
