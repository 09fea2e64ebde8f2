// The embedded platform on a stack synthesized for the test file: synthesized into a temporary cdk.out and
// started before the file's tests, stopped and removed after them; and the failure records tests wait for.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll } from 'vitest';
import type { DestinationRecord } from '../../functions/core/destination-record.js';
import { ServerlessTaskStack } from '../../lib/serverless-task-stack.js';
import { startPlatform, type Platform, type PlatformOptions } from '../../local/platform.js';

export interface PlatformFixtureOptions {
  /** Synthesizes the stack into `outdir` (an App with that outdir, then `app.synth()`). */
  readonly synth: (outdir: string) => void;
  /** Name prefix of the temporary cdk.out. */
  readonly tempPrefix: string;
  /** Everything else the platform takes (stack name, scales, function environment, log). */
  readonly platform?: Omit<PlatformOptions, 'root' | 'cdkOut' | 'synth'>;
  /** beforeAll's limit (synthesis and start). @default vitest's hookTimeout */
  readonly startTimeoutMs?: number;
}

export interface StartedPlatform {
  readonly platform: Platform;
  readonly cdkOut: string;
}

/** Registers the file's beforeAll (synthesize, start, then `onStart`) and afterAll (close, remove cdk.out). */
export function usePlatform(options: PlatformFixtureOptions, onStart: (started: StartedPlatform) => void): void {
  let cdkOut: string | undefined;
  let platform: Platform | undefined;
  beforeAll(async () => {
    cdkOut = mkdtempSync(join(tmpdir(), options.tempPrefix));
    options.synth(cdkOut);
    platform = await startPlatform({ root: process.cwd(), cdkOut, synth: false, ...options.platform });
    onStart({ platform, cdkOut });
  }, options.startTimeoutMs);
  afterAll(async () => {
    await platform?.close();
    if (cdkOut) rmSync(cdkOut, { recursive: true, force: true });
  });
}

/** The shipped stack (`ServerlessTask`), bundled as it deploys. */
export function synthServerlessTaskStack(outdir: string): void {
  const app = new App({ outdir });
  new ServerlessTaskStack(app, 'ServerlessTask');
  app.synth();
}

/** Receives (and deletes) the task's record from the stack's failure queue, polling up to `limitMs`. */
export async function failureRecordFor(platform: Platform, taskId: string, limitMs = 30_000): Promise<DestinationRecord> {
  const url = platform.outputs.FailureQueueUrl ?? '';
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const out = await platform.servers.sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 1 }));
    for (const m of out.Messages ?? []) {
      const record = JSON.parse(m.Body ?? '{}') as DestinationRecord;
      if (record.taskId === taskId) {
        await platform.servers.sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
        return record;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no failure record for ${taskId}`);
}
