// End to end through the stask CLI binary against a spawned `stask dev`: every command, its JSON shapes and
// exit codes. The stack's tasks: analyze-slow-queries ({ log }) and always-fails (throws; 2 retries).
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../functions/core/task-record.js';
import { eventually, ROOT, startDev, stask, staskJson, type DevProcess } from './stask-process.js';

const SLOW_LOG = readFileSync(join(ROOT, 'examples', 'mysql-slow.log'), 'utf8');
const ANALYZE = { log: SLOW_LOG, top: 5 };

interface Submitted {
  task: TaskRecord;
  deduplicated: boolean;
}
interface Page {
  tasks: TaskRecord[];
  nextToken: string | null;
}

let dev: DevProcess;
let dir: string;
/** stask ARGS against the platform under test. */
const run = (...args: string[]) => stask([...args, '--data-dir', dir]);
const runJson = <T>(...args: string[]) => staskJson<T>([...args, '--data-dir', dir]);
const getTask = async (id: string): Promise<TaskRecord> => (await runJson<TaskRecord>('get', id)).json;
const untilStatus = (id: string, statuses: readonly string[]): Promise<TaskRecord> =>
  eventually(async () => {
    const task = await getTask(id);
    return statuses.includes(task.status) ? task : undefined;
  }, `task ${id} to be ${statuses.join(' or ')}`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stask-e2e-'));
  dev = await startDev(dir, '0.001');
}, 300_000);

afterAll(async () => {
  await dev?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('stask dev', () => {
  it('refuses to start a second platform on a data directory in use: exit 1', async () => {
    const { code, stderr } = await run('dev');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^stask: an embedded platform is already running in .* \(pid \d+, .*endpoints\.json\)\n$/);
  });
});

describe('stask outputs', () => {
  it('--json prints the stack outputs, TaskTableName and TaskFunctions included', async () => {
    const { code, json } = await runJson<Record<string, string>>('outputs');

    expect(code).toBe(0);
    expect(json.TaskTableName).toMatch(/\S/);
    expect(json.FailureQueueUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(Object.keys(JSON.parse(json.TaskFunctions ?? '{}') as object).sort()).toEqual(['always-fails', 'analyze-slow-queries', 'cross-region-rollup', 'detect-query-regressions', 'transcode']);
  });

  it('prints a key/value table without --json', async () => {
    const { code, stdout } = await run('outputs');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^KEY +VALUE\n/);
    expect(stdout).toMatch(/\nTaskTableName +\S+\n/);
  });
});

describe('stask invoke', () => {
  it('submits with --id and --payload: { task, deduplicated: false }', async () => {
    // Act
    const { code, json } = await runJson<Submitted>('invoke', 'analyze-slow-queries', '--id', 'e2e_inline', '--payload', JSON.stringify(ANALYZE));
    // Assess
    expect(code).toBe(0);
    expect(Object.keys(json).sort()).toEqual(['deduplicated', 'task']);
    expect(json.deduplicated).toBe(false);
    expect(json.task).toMatchObject({ taskId: 'e2e_inline', function: 'analyze-slow-queries', payload: ANALYZE });
    const done = await untilStatus('e2e_inline', ['SUCCEEDED', 'FAILED']);
    expect(done.status).toBe('SUCCEEDED');
  });

  it('--payload-file --wait waits for the end, draws progress on stderr and exits 0 on SUCCEEDED', async () => {
    // Prepare
    const file = join(dir, 'analyze.json');
    await writeFile(file, JSON.stringify(ANALYZE));
    // Act
    const { code, json, stderr } = await runJson<Submitted>('invoke', 'analyze-slow-queries', '--id', 'e2e_file', '--payload-file', file, '--wait');
    // Assess
    expect(code).toBe(0);
    expect(json.task.status).toBe('SUCCEEDED');
    expect(json.task.progress?.percent).toBe(100);
    const result = json.task.result as { fingerprints: { count: number }[] };
    expect(result.fingerprints.length).toBeGreaterThan(0);
    expect(stderr).toMatch(/\[#{30}\] 100% SUCCEEDED/);
  });

  it('the same ID and payload again is deduplicated: the existing task, nothing new runs', async () => {
    // Prepare
    const before = await getTask('e2e_file');
    // Act
    const { code, json } = await runJson<Submitted>('invoke', 'analyze-slow-queries', '--id', 'e2e_file', '--payload', JSON.stringify(ANALYZE));
    // Assess
    expect(code).toBe(0);
    expect(json.deduplicated).toBe(true);
    expect(json.task.createdAt).toBe(before.createdAt);
    expect((await getTask('e2e_file')).attempts).toBe(before.attempts);
  });

  it('the same ID with another payload is a conflict: exit 3', async () => {
    const { code, stdout, stderr } = await run('invoke', 'analyze-slow-queries', '--id', 'e2e_file', '--payload', '{"log":"other"}');
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^stask: task 'e2e_file' already exists \(function analyze-slow-queries, status SUCCEEDED, .*\) with a different payload or function\n$/);
  });

  it('an unknown task name is invalid input: exit 2, naming the known tasks', async () => {
    const { code, stderr } = await run('invoke', 'no-such-task', '--payload', '{}');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^stask: unknown task 'no-such-task'; known tasks: /);
    expect(stderr).toContain('analyze-slow-queries');
    expect(stderr).toContain('always-fails');
  });

  it('a payload that does not match the task\'s declared schema: exit 2 naming the path, nothing created', async () => {
    // analyze-slow-queries declares its payload schema (the PayloadSchemaAnalyzeSlowQueries output).
    const bad = await run('invoke', 'analyze-slow-queries', '--id', 'e2e_schema_bad', '--payload', JSON.stringify({ log: SLOW_LOG, top: 0 }));
    const misspelt = await run('invoke', 'analyze-slow-queries', '--id', 'e2e_schema_typo', '--payload', '{"lgo":"x"}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^stask: payload does not match the schema of task 'analyze-slow-queries': top: must be >= 1\n$/);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain('lgo: is not allowed');
    expect((await run('get', 'e2e_schema_bad')).code).toBe(4);
    expect((await run('get', 'e2e_schema_typo')).code).toBe(4);
    // A task without a schema (transcode validates in its worker) takes any JSON payload at submit, as before.
    const free = await runJson<Submitted>('invoke', 'transcode', '--id', 'e2e_schema_free', '--payload', '{"top":0,"anything":[1]}');
    expect(free.code).toBe(0);
    expect(free.json.task.payload).toEqual({ top: 0, anything: [1] });
    expect((await untilStatus('e2e_schema_free', ['FAILED'])).error?.message).toEqual(expect.any(String)); // by its worker, later
  });

  it('a bad ID is invalid input: exit 2', async () => {
    const { code, stderr } = await run('invoke', 'analyze-slow-queries', '--id', '1-starts-with-a-digit', '--payload', '{}');
    expect(code).toBe(2);
    expect(stderr).toBe("stask: task ID '1-starts-with-a-digit' must start with a letter or '_'\n");
  });

  it('--wait exits 1 when the task ends FAILED, and says so on stderr', async () => {
    const { code, json, stderr } = await runJson<Submitted>('invoke', 'always-fails', '--id', 'e2e_fails', '--payload', '{"n":1}', '--wait');
    expect(code).toBe(1);
    expect(json.task).toMatchObject({ taskId: 'e2e_fails', status: 'FAILED', attempts: 3 });
    expect(stderr).toMatch(/stask: task e2e_fails ended FAILED: Error: always-fails: this task fails on purpose/);
  });
});

describe('stask get', () => {
  it('--json prints the task record', async () => {
    const { code, json } = await runJson<TaskRecord>('get', 'e2e_inline');
    expect(code).toBe(0);
    expect(json).toMatchObject({ taskId: 'e2e_inline', function: 'analyze-slow-queries', status: 'SUCCEEDED', attempts: 1 });
    expect(json.events.map((e) => e.status)).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
  });

  it('prints the task and its events table without --json', async () => {
    const { code, stdout } = await run('get', 'e2e_fails');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Task: +e2e_fails$/m);
    expect(stdout).toMatch(/^Status: +FAILED$/m);
    expect(stdout).toMatch(/^Attempts: +3 of 3$/m);
    expect(stdout).toMatch(/^Error: +Error: always-fails/m);
    expect(stdout).toMatch(/^Events:\n +STATUS +AT +DETAIL\n +QUEUED /m);
    expect(stdout.match(/^ +RETRYING /gm)).toHaveLength(2);
  });

  it('an unknown task is not found: exit 4', async () => {
    const { code, stderr } = await run('get', 'e2e_never_submitted');
    expect(code).toBe(4);
    expect(stderr).toBe("stask: task 'e2e_never_submitted' not found\n");
  });

  it('a bad ID is invalid input: exit 2', async () => {
    const { code, stderr } = await run('get', 'no spaces');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^stask: task ID 'no spaces' has a character that is not allowed/);
  });
});

describe('stask ls', () => {
  beforeAll(async () => {
    for (const n of [1, 2, 3]) {
      const { code } = await run('invoke', 'analyze-slow-queries', '--id', `e2e_page_${n}`, '--payload', JSON.stringify({ log: SLOW_LOG, top: n }));
      expect(code).toBe(0);
    }
    await Promise.all([1, 2, 3].map((n) => untilStatus(`e2e_page_${n}`, ['SUCCEEDED'])));
  }, 120_000);

  it('--status (case-insensitive) --json: { tasks, nextToken }', async () => {
    const { code, json } = await runJson<Page>('ls', '--status', 'succeeded');
    expect(code).toBe(0);
    expect(Object.keys(json).sort()).toEqual(['nextToken', 'tasks']);
    expect(json.nextToken).toBeNull();
    expect(json.tasks.every((t) => t.status === 'SUCCEEDED')).toBe(true);
    expect(json.tasks.map((t) => t.taskId)).toEqual(expect.arrayContaining(['e2e_inline', 'e2e_file', 'e2e_page_1']));
    expect(json.tasks.map((t) => t.taskId)).not.toContain('e2e_fails');
  });

  it('--function lists that function only', async () => {
    const { code, json } = await runJson<Page>('ls', '--function', 'always-fails');
    expect(code).toBe(0);
    expect(json.tasks.map((t) => t.taskId)).toContain('e2e_fails');
    expect(json.tasks.every((t) => t.function === 'always-fails')).toBe(true);
  });

  it('--prefix with --since keeps recent tasks; --until 1h (created more than an hour ago) keeps none', async () => {
    const recent = await runJson<Page>('ls', '--prefix', 'e2e_page_', '--since', '1h');
    const old = await runJson<Page>('ls', '--prefix', 'e2e_page_', '--until', '1h');
    expect(recent.code).toBe(0);
    expect(recent.json.tasks.map((t) => t.taskId).sort()).toEqual(['e2e_page_1', 'e2e_page_2', 'e2e_page_3']);
    expect(old.code).toBe(0);
    expect(old.json.tasks).toEqual([]);
  });

  it('pages with --limit 1 and --next-token until the end, each task once', async () => {
    // Act
    const seen: string[] = [];
    let token: string | null = null;
    for (let page = 0; page < 10; page++) {
      const { code, json }: { code: number | null; json: Page } = await runJson<Page>('ls', '--prefix', 'e2e_page_', '--limit', '1', ...(token ? ['--next-token', token] : []));
      expect(code).toBe(0);
      expect(json.tasks.length).toBeLessThanOrEqual(1);
      seen.push(...json.tasks.map((t) => t.taskId));
      token = json.nextToken;
      if (!token) break;
    }
    // Assess
    expect(token).toBeNull();
    expect(seen.sort()).toEqual(['e2e_page_1', 'e2e_page_2', 'e2e_page_3']);
  });

  it('prints a table without --json', async () => {
    const { code, stdout } = await run('ls', '--prefix', 'e2e_page_', '--limit', '2');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^TASK ID +FUNCTION +STATUS +ATTEMPTS +PROGRESS +CREATED +ENDED\n/);
    expect(stdout.match(/^e2e_page_\d +analyze-slow-queries +SUCCEEDED +1\/3 +100% /gm)).toHaveLength(2);
    expect(stdout).toMatch(/More tasks: add --next-token \S+/);
  });

  it('bad options are invalid input: exit 2', async () => {
    expect((await run('ls', '--status', 'finished')).code).toBe(2);
    expect((await run('ls', '--status', 'running', '--since', 'a while')).code).toBe(2);
    expect((await run('ls', '--prefix', 'e2e', '--next-token', 'not-a-token')).code).toBe(2);
    expect((await run('ls', '--since', '2000-01-01T00:00:00Z')).code).toBe(2); // every function: at most 400 days
  });

  it('without filters lists every function and status, newest first, and pages with --next-token', async () => {
    // Act: one page of everything of the last day, then the same in pages of 2.
    const all = await runJson<Page>('ls', '--limit', '1000');
    const paged: string[] = [];
    let token: string | null = null;
    for (let page = 0; page < 100; page++) {
      const { code, json }: { code: number | null; json: Page } = await runJson<Page>('ls', '--limit', '2', ...(token ? ['--next-token', token] : []));
      expect(code).toBe(0);
      paged.push(...json.tasks.map((t) => t.taskId));
      token = json.nextToken;
      if (!token) break;
    }
    const otherListing = await run('ls', '--status', 'succeeded', '--next-token', (await runJson<Page>('ls', '--limit', '1')).json.nextToken ?? '');

    // Assess
    expect(all.code).toBe(0);
    const ids = all.json.tasks.map((t) => t.taskId);
    expect(ids).toEqual(expect.arrayContaining(['e2e_inline', 'e2e_fails', 'e2e_page_1', 'e2e_page_3']));
    expect([...new Set(all.json.tasks.map((t) => t.function))]).toEqual(expect.arrayContaining(['analyze-slow-queries', 'always-fails', 'transcode']));
    expect(new Set(all.json.tasks.map((t) => t.status)).size).toBeGreaterThan(1);
    const created = all.json.tasks.map((t) => t.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    expect(paged).toEqual(ids);
    expect(otherListing.code).toBe(2);
    expect(otherListing.stderr).toMatch(/another listing/);
  });
});

describe('stask logs', () => {
  it("prints the handler's log lines of a finished task", async () => {
    const { code, stdout } = await run('logs', 'e2e_inline');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'task succeeded', taskId: 'e2e_inline' }));
  });

  it('--follow prints the lines of every attempt until the task ends, then exits 0', async () => {
    // Prepare
    const submitted = await run('invoke', 'always-fails', '--id', 'e2e_follow', '--payload', '{}');
    expect(submitted.code).toBe(0);
    // Act
    const { code, stdout } = await run('logs', 'e2e_follow', '--follow');
    // Assess
    expect(code).toBe(0);
    expect((await getTask('e2e_follow')).status).toBe('FAILED');
    const messages = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { message?: string; taskId?: string })
      .filter((line) => line.taskId === 'e2e_follow')
      .map((line) => line.message);
    expect(messages).toEqual(['attempt failed; Lambda will retry', 'attempt failed; Lambda will retry', 'task failed']);
  });

  it('of an unknown task: exit 4', async () => {
    expect((await run('logs', 'e2e_nobody')).code).toBe(4);
  });
});

describe('stask retry', () => {
  it('retries a FAILED task with the same ID: QUEUED with attempts 0, then it runs (and fails) again', async () => {
    // Prepare
    const before = await getTask('e2e_fails');
    expect(before.status).toBe('FAILED');
    // Act
    const { code, json } = await runJson<TaskRecord>('retry', 'e2e_fails');
    // Assess
    expect(code).toBe(0);
    expect(json).toMatchObject({ taskId: 'e2e_fails', status: 'QUEUED', attempts: 0 });
    expect(json.events.at(-1)).toMatchObject({ status: 'QUEUED', detail: 'retry requested after FAILED' });
    const after = await untilStatus('e2e_fails', ['FAILED']);
    expect(after.attempts).toBe(3);
    expect(after.events.length).toBeGreaterThan(before.events.length + 5);
  });

  it('a SUCCEEDED task cannot be retried: exit 3', async () => {
    const { code, stderr } = await run('retry', 'e2e_inline');
    expect(code).toBe(3);
    expect(stderr).toBe("stask: task 'e2e_inline' is SUCCEEDED and cannot be retried (only FAILED, STOPPED and EXPIRED tasks can)\n");
  });
});

describe('stask stop', () => {
  it('a finished task cannot be stopped: exit 3', async () => {
    const { code, stderr } = await run('stop', 'e2e_inline');
    expect(code).toBe(3);
    expect(stderr).toBe("stask: task 'e2e_inline' is SUCCEEDED and cannot be stopped (only QUEUED, RETRYING and RUNNING tasks can)\n");
  });

  it('of an unknown task: exit 4', async () => {
    expect((await run('stop', 'e2e_nobody')).code).toBe(4);
  });
});

describe('stask redrive --dlq', () => {
  it('--function of a task with no failure records redrives nothing', async () => {
    const { code, json } = await runJson<{ redriven: string[]; skipped: unknown[] }>('redrive', '--dlq', '--function', 'analyze-slow-queries');
    expect(code).toBe(0);
    expect(json).toEqual({ redriven: [], skipped: [] });
  });

  it('retries the task of every failure record once, duplicate records of one task included', async () => {
    // Prepare: e2e_fails failed twice (two records), e2e_follow once; both are FAILED now.
    await untilStatus('e2e_follow', ['FAILED']);
    await untilStatus('e2e_fails', ['FAILED']);
    // Act
    const { code, json } = await runJson<{ redriven: string[]; skipped: unknown[] }>('redrive', '--dlq', '--function', 'always-fails');
    // Assess
    expect(code).toBe(0);
    expect([...json.redriven].sort()).toEqual(['e2e_fails', 'e2e_follow']);
    expect(json.skipped).toEqual([]);
    const follow = await getTask('e2e_follow');
    expect(follow.events.filter((e) => e.detail === 'retry requested after FAILED')).toHaveLength(1);
  });

  it('prints a summary without --json; --dlq is required', async () => {
    const summary = await run('redrive', '--dlq', '--function', 'analyze-slow-queries');
    expect(summary.code).toBe(0);
    expect(summary.stdout).toBe('redriven 0, skipped 0\n');
    const missing = await run('redrive');
    expect(missing.code).toBe(2);
  });
});

describe('stask stop on a task that has not run yet (a second platform with real retry delays)', () => {
  let slow: DevProcess;
  let slowDir: string;
  beforeAll(async () => {
    slowDir = await mkdtemp(join(tmpdir(), 'stask-e2e-slow-'));
    // Lambda's real delay before the first retry (1 minute): the task waits RETRYING long enough to be stopped.
    slow = await startDev(slowDir, '1');
  }, 300_000);
  afterAll(async () => {
    await slow?.stop();
    if (slowDir) await rm(slowDir, { recursive: true, force: true });
  });

  it('stops a task waiting for its retry at once: STOPPED, and a second stop is a conflict (exit 3)', async () => {
    // Prepare
    const inSlow = (...args: string[]) => staskJson<TaskRecord>([...args, '--data-dir', slowDir]);
    expect((await stask(['invoke', 'always-fails', '--id', 'e2e_stop', '--payload', '{}', '--data-dir', slowDir])).code).toBe(0);
    await eventually(async () => ((await inSlow('get', 'e2e_stop')).json.status === 'RETRYING' ? true : undefined), 'e2e_stop to be RETRYING');
    // Act
    const stopped = await inSlow('stop', 'e2e_stop');
    // Assess
    expect(stopped.code).toBe(0);
    expect(stopped.json).toMatchObject({ taskId: 'e2e_stop', status: 'STOPPED', error: { type: 'TaskStopped' } });
    expect(stopped.json.events.at(-1)).toMatchObject({ status: 'STOPPED', detail: 'stopped by request before it ran' });
    // Its failed attempt ran on Lambda: what it used is on the record though it never succeeded or failed.
    expect(stopped.json.usage).toMatchObject({ compute: 'lambda', stateTransitions: 0 });
    const again = await stask(['stop', 'e2e_stop', '--data-dir', slowDir]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("task 'e2e_stop' is STOPPED and cannot be stopped");
  });

  it('the first platform does not see the second one', async () => {
    expect((await run('get', 'e2e_stop')).code).toBe(4);
  });
});

describe('stask dev shutdown', () => {
  it('SIGTERM closes the platform (exit 0, endpoints.json removed); commands then say no platform runs (exit 1)', async () => {
    // Act
    const code = await dev.stop();
    // Assess
    expect(code).toBe(0);
    expect(dev.output()).toContain('closing the embedded platform');
    expect(existsSync(join(dir, 'endpoints.json'))).toBe(false);
    const after = await run('get', 'e2e_inline');
    expect(after.code).toBe(1);
    expect(after.stderr).toBe(`stask: no embedded platform is running in ${dir} (start one with: stask dev)\n`);
  });
});
