// A short task whose module fails to load (Node and Python) ends FAILED with Lambda's init error, through the
// stask CLI against the embedded platform, with exactly one failure record: Lambda's RetriesExhausted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationRecord } from '../../functions/core/destination-record.js';
import type { TaskRecord } from '../../functions/core/task-record.js';
import { startDevPlatform, type DevPlatform } from '../../local/dev-platform.js';
import { synthInitErrorStack } from './fixtures/init-error-stack.js';
import { stask, staskJson } from './stask-process.js';

let cdkOut: string;
let dataDir: string;
let dev: DevPlatform;

beforeAll(async () => {
  cdkOut = mkdtempSync(join(tmpdir(), 'cdk-out-init-error-'));
  dataDir = mkdtempSync(join(tmpdir(), 'stask-init-error-'));
  synthInitErrorStack(cdkOut);
  dev = await startDevPlatform({
    dataDir,
    root: process.cwd(),
    cdkOut,
    stackName: 'InitErrors',
    synth: false,
    retryDelayScale: 0.001,
    scheduleScale: 0.02, // the sweeper's rate(1 minute) every 1.2 s
    functionEnv: { TASK_HEARTBEAT_SECONDS: '1', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
    log: () => undefined,
  });
}, 300_000);
afterAll(async () => {
  await dev?.close();
  rmSync(cdkOut, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every failure record in the queue (read and deleted until it is empty). */
async function drainFailureRecords(): Promise<DestinationRecord[]> {
  const { sqs } = dev.platform.servers;
  const url = dev.platform.outputs.FailureQueueUrl ?? '';
  const records: DestinationRecord[] = [];
  for (;;) {
    const out = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
    if (!out.Messages?.length) return records;
    for (const m of out.Messages) {
      records.push(JSON.parse(m.Body ?? '{}') as DestinationRecord);
      await sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

const cases = [
  { task: 'node-broken', id: 'init_node', message: /a-package-that-is-not-in-the-bundle/ },
  { task: 'py-broken', id: 'init_python', message: /a_module_that_does_not_exist/ },
] as const;

describe('a task whose function fails to initialize', () => {
  it.each(cases)('$task: `stask invoke --wait` exits 1 with Runtime.ImportModuleError; `stask get` shows it FAILED', async ({ task, id, message }) => {
    // Act: submit and wait, as a user does.
    const invoked = await stask(['invoke', task, '--id', id, '--payload', '{}', '--wait', '--data-dir', dataDir], { timeoutMs: 120_000 });

    // Assess: the CLI's verdict, then the record.
    expect(invoked.code, invoked.stderr).toBe(1);
    expect(invoked.stderr).toContain(`task ${id} ended FAILED: Runtime.ImportModuleError`);
    const got = await staskJson<TaskRecord>(['get', id, '--data-dir', dataDir]);
    expect(got.code).toBe(0);
    expect(got.json).toMatchObject({ status: 'FAILED', attempts: 0, error: { type: 'Runtime.ImportModuleError', message: expect.stringMatching(message) } });
    expect(got.json.events.map((e) => e.status)).toEqual(['QUEUED', 'FAILED']);
  });

  it('each has exactly one failure record: Lambda’s RetriesExhausted after its retries, with the init error', async () => {
    const records = await drainFailureRecords();
    for (const { id, message } of cases) {
      const mine = records.filter((r) => r.taskId === id);
      expect(mine).toHaveLength(1);
      expect(mine[0]?.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 3 });
      expect(mine[0]?.responsePayload).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringMatching(message) });
    }
  });
});
