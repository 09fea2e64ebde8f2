import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationRecord } from '../../functions/core/destination-record.js';
import type { TaskClient } from '../../functions/core/task-client.js';
import { ROLLUP_TASK_NAME } from '../../lib/serverless-task-stack.js';
import { startPlatform, type Platform } from '../../local/platform.js';
import { waitFor, waitForTerminal } from '../local/support.js';

// The long-lane Python job end to end on the embedded platform: the real stack's cross-region-rollup state
// machine (Step Functions engine), its ECS task run as `python -m stask_runtime.long_job` in a venv of the job's
// pinned requirements, summaries made by analyze-slow-queries, S3 on s3rver, stop, and the destination records.
interface Summary {
  fingerprints: { fingerprint: string; count: number; p95QueryTime: number; rowsExamined: number }[];
}
interface Report {
  totals: { regions: number; fingerprints: number; inAllRegions: number };
  fingerprints: { fingerprint: string; regions: string[]; count: number; rowsExamined: number; p95QueryTime: { weighted: number; max: number; maxRegion: string } }[];
}

const JOB_MARKER = 'stask_runtime.long_job rollup_job:run';
let platform: Platform;
let client: TaskClient;
let media: string;
let summary: Summary;
const platformLines: string[] = [];

async function put(key: string, body: unknown): Promise<void> {
  await platform.servers.s3.client.send(new PutObjectCommand({ Bucket: media, Key: key, Body: typeof body === 'string' ? body : JSON.stringify(body) }));
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await platform.servers.s3.client.send(new ListObjectsV2Command({ Bucket: media, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

/** The region's copy of the summary: counts and rows scaled, p95 times multiplied by `slower`. */
function regional(scale: number, slower: number): Summary {
  return { ...summary, fingerprints: summary.fingerprints.map((f) => ({ ...f, count: f.count * scale, rowsExamined: f.rowsExamined * scale, p95QueryTime: f.p95QueryTime * slower })) };
}

async function recordsFor(queueKey: 'SuccessQueueUrl' | 'FailureQueueUrl', taskId: string): Promise<DestinationRecord[]> {
  const url = platform.outputs[queueKey] ?? '';
  const found: DestinationRecord[] = [];
  for (let i = 0; i < 20 && found.length === 0; i++) {
    const out = await platform.servers.sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 2 }));
    for (const m of out.Messages ?? []) {
      const record = JSON.parse(m.Body ?? '{}') as DestinationRecord;
      if (record.taskId !== taskId) continue;
      found.push(record);
      await platform.servers.sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
    if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return found;
}

function jobProcesses(): string[] {
  try {
    return execFileSync('pgrep', ['-af', JOB_MARKER], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(JOB_MARKER) && !line.includes('pgrep'));
  } catch {
    return [];
  }
}

/** The job containers' lines (the rollup's log group). */
function jobLines(): string[] {
  const logGroup = (JSON.parse(platform.outputs.TaskFunctions ?? '{}') as Record<string, { logGroupName: string }>)[ROLLUP_TASK_NAME]?.logGroupName ?? '';
  return platform.logs.read(logGroup).map((e) => e.message);
}

beforeAll(async () => {
  platform = await startPlatform({
    root: process.cwd(),
    retryDelayScale: 0.001,
    functionEnv: { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'true', TASK_HEARTBEAT_SECONDS: '1' },
    log: (line) => platformLines.push(line),
  });
  client = platform.taskClient();
  media = platform.outputs.MediaBucketName ?? '';
  const log = readFileSync(join(process.cwd(), 'examples', 'mysql-slow.log'), 'utf8');
  await client.submit({ task: 'analyze-slow-queries', id: 'rollup_source', payload: { log } });
  summary = (await waitForTerminal(client, 'rollup_source', 60_000)).result as Summary;
}, 300_000);
afterAll(async () => {
  await platform?.close();
});

describe('cross-region-rollup (Python) on the long lane', { timeout: 300_000 }, () => {
  it('rolls three regions up into one report in S3, with progress, a success record and task-stamped logs', async () => {
    await put('slow-queries/day1/eu-west-1.json', regional(1, 1));
    await put('slow-queries/day1/us-east-1.json', regional(2, 3));
    await put('slow-queries/day1/ap-south-1.json', { ...regional(1, 2), region: 'ap-south-1' });

    await client.submit({ task: ROLLUP_TASK_NAME, id: 'rollup_day1', payload: { prefix: 'slow-queries/day1/', output_key: 'reports/day1.json' } });
    const task = await waitForTerminal(client, 'rollup_day1', 240_000);

    expect(task.error, jobLines().join('\n')).toBeUndefined();
    expect(task).toMatchObject({ status: 'SUCCEEDED', progress: { percent: 100 } });
    expect(task.result).toMatchObject({ regions: ['ap-south-1', 'eu-west-1', 'us-east-1'], fingerprints: summary.fingerprints.length, report: { bucket: media, key: 'reports/day1.json' } });
    const body = await (await platform.servers.s3.client.send(new GetObjectCommand({ Bucket: media, Key: 'reports/day1.json' }))).Body?.transformToString();
    const report = JSON.parse(body ?? '{}') as Report;
    const first = summary.fingerprints[0];
    const rolled = report.fingerprints.find((f) => f.fingerprint === first?.fingerprint);
    expect(report.totals).toMatchObject({ regions: 3, fingerprints: summary.fingerprints.length, inAllRegions: summary.fingerprints.length });
    expect(rolled).toMatchObject({ regions: ['ap-south-1', 'eu-west-1', 'us-east-1'], count: (first?.count ?? 0) * 4, rowsExamined: (first?.rowsExamined ?? 0) * 4 });
    expect(rolled?.p95QueryTime.maxRegion).toBe('us-east-1');
    // (1×1 + 2×3 + 1×2) / 4 of the source p95
    expect(rolled?.p95QueryTime.weighted).toBeCloseTo(((first?.p95QueryTime ?? 0) * 9) / 4, 5);

    const [success] = await recordsFor('SuccessQueueUrl', 'rollup_day1');
    expect(success?.requestContext.condition).toBe('Success');
    expect(success?.requestPayload).toMatchObject({ taskId: 'rollup_day1', task: ROLLUP_TASK_NAME });
    const lines = jobLines();
    expect(lines.some((line) => line.includes('"taskId":"rollup_day1"') && line.includes('report written')), lines.slice(0, 3).join('\n')).toBe(true);
    expect(platformLines.join('\n')).toMatch(/python3\.14: (matching|closest available) interpreter/);
  });

  it.each([
    ['no files', 'empty/', {}, 'InvalidInput', /no summaries under/],
    ['a non-JSON file', 'text/', { 'text/eu.json': 'this is not JSON' }, 'InvalidInput', /text\/eu\.json is not JSON/],
    ['the wrong shape', 'shape/', { 'shape/eu.json': { rows: [] } }, 'InvalidInput', /not an analyze-slow-queries summary/],
    ['an output under the input prefix', 'slow-queries/day1/', {}, 'InvalidPayload', /under the input prefix/],
  ])('fails on %s with a clear reason and a failure record', async (name, prefix, files, type, reason) => {
    for (const [key, body] of Object.entries(files)) await put(key, body);
    const id = `rollup_bad_${name.replace(/[^a-z]+/gi, '_')}`;
    const outputKey = prefix === 'slow-queries/day1/' ? 'slow-queries/day1/report.json' : 'reports/bad.json';

    await client.submit({ task: ROLLUP_TASK_NAME, id, payload: { prefix, output_key: outputKey } });
    const task = await waitForTerminal(client, id, 120_000);
    const [record] = await recordsFor('FailureQueueUrl', id);

    expect(task.status).toBe('FAILED');
    expect(task.error?.type).toBe(type);
    expect(task.error?.message).toMatch(reason);
    expect(record?.requestContext.condition).toBe('RetriesExhausted');
    expect(await keysUnder(outputKey)).toEqual([]);
  });

  it('stops a running rollup between files: STOPPED, a Stopped record, no job process left, no report', async () => {
    for (const region of ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']) await put(`slow-queries/many/${region}.json`, regional(1, 1));
    await client.submit({ task: ROLLUP_TASK_NAME, id: 'rollup_stop', payload: { prefix: 'slow-queries/many/', output_key: 'reports/many.json', pause_seconds: 3 } });
    await waitFor(client, 'rollup_stop', (t) => t.status === 'RUNNING' && (t.progress?.percent ?? 0) > 0, 120_000);
    expect(jobProcesses().length).toBeGreaterThan(0);

    const stopped = await client.stop('rollup_stop');

    expect(stopped.status).toBe('STOPPED');
    const [record] = await recordsFor('FailureQueueUrl', 'rollup_stop');
    expect(record?.requestContext.condition).toBe('Stopped');
    for (let i = 0; i < 50 && jobProcesses().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(jobProcesses()).toEqual([]);
    expect((await client.get('rollup_stop')).status).toBe('STOPPED');
    expect(await keysUnder('reports/many.json')).toEqual([]);
  });
});
