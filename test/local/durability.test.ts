import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationRecord } from '../../functions/core/destination-record.js';
import { TaskRegistry } from '../../functions/core/registry.js';
import { LambdaEventInvoker, TaskClient } from '../../functions/core/task-client.js';
import type { EndpointsFile } from '../../local/dev-platform.js';
import { synthMisbehavingStack } from './fixtures/misbehaving-stack.js';
import { waitFor, waitForTerminal } from './support.js';

// The platform as its own process, killed with SIGKILL mid-run and started again on the same data
// directory: tasks, queued invocations and queue messages survive, and the task that was RUNNING is
// retried (the platform counts the killed attempt as failed, as Lambda does for a crashed sandbox).
let cdkOut: string;
let dataDir: string;
let child: ChildProcess | undefined;

function startDev(): Promise<EndpointsFile> {
  // One process (node with tsx's loader), so SIGKILL hits the platform itself, not a wrapper.
  const proc = spawn(join('node_modules', '.bin', 'node'), ['--import', 'tsx', 'test/local/fixtures/run-dev.ts', dataDir, cdkOut, 'Misbehaving'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/ready in \d+ ms/.test(output)) {
        proc.stdout?.off('data', onData);
        resolve(JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as EndpointsFile);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.once('exit', (code) => reject(new Error(`platform exited with ${code}:\n${output}`)));
  });
}

function clientFor(endpoints: EndpointsFile): { client: TaskClient; sqs: SQSClient } {
  const common = { region: endpoints.region, credentials: endpoints.credentials };
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ ...common, endpoint: endpoints.endpoints.dynamodb }));
  const tasks = JSON.parse(endpoints.outputs.TaskFunctions ?? '{}') as Record<string, { functionName: string; maxAttempts: number }>;
  const client = new TaskClient({
    registry: new TaskRegistry(doc, endpoints.outputs.TaskTableName ?? ''),
    invoker: new LambdaEventInvoker(new LambdaClient({ ...common, endpoint: endpoints.endpoints.lambda })),
    tasks,
  });
  return { client, sqs: new SQSClient({ ...common, endpoint: endpoints.endpoints.sqs }) };
}

beforeAll(() => {
  cdkOut = mkdtempSync(join(tmpdir(), 'cdk-out-durable-'));
  dataDir = mkdtempSync(join(tmpdir(), 'stask-durable-'));
  synthMisbehavingStack(cdkOut);
});
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(cdkOut, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('durability', () => {
  it('loses nothing across kill -9, and the task that was RUNNING is retried to completion', async () => {
    // Prepare: one finished task (its success record waits in the queue), one running 2 s of work (the function's timeout is 3 s).
    const first = clientFor(await startDev());
    await first.client.submit({ task: 'misbehave', id: 'done_before', payload: { mode: 'ok' } });
    await waitForTerminal(first.client, 'done_before');
    await first.client.submit({ task: 'misbehave', id: 'running_at_kill', payload: { mode: 'sleep', ms: 2000 } });
    await waitFor(first.client, 'running_at_kill', (t) => t.status === 'RUNNING' && (t.progress?.percent ?? 0) > 0);

    // Act
    child?.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
    const endpoints = await startDev();
    const second = clientFor(endpoints);

    // Assess
    expect((await second.client.get('done_before')).status).toBe('SUCCEEDED');
    const resumed = await waitForTerminal(second.client, 'running_at_kill');
    expect(resumed, JSON.stringify(resumed.events, null, 1)).toMatchObject({ status: "SUCCEEDED", attempts: 2 });
    // After the restart either the platform's retry of the cut invocation takes the task over directly, or
    // the sweeper sees the lapsed heartbeat first and marks it RETRYING: both are one retry of one attempt.
    const statuses = resumed.events.map((e) => e.status).join(' ');
    expect(['QUEUED RUNNING RUNNING SUCCEEDED', 'QUEUED RUNNING RETRYING RUNNING SUCCEEDED']).toContain(statuses);
    // The success record is sent after the task's terminal write: receive until both arrived (bounded) or
    // the queue stays empty for a while, then compare (a duplicate or a missing record fails the test).
    const records: DestinationRecord[] = [];
    for (let emptyPolls = 0; records.length < 2 || emptyPolls < 1; ) {
      const out = await second.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: endpoints.outputs.SuccessQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      const batch = (out.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as DestinationRecord);
      records.push(...batch);
      emptyPolls = batch.length ? 0 : emptyPolls + 1;
      if (emptyPolls > 20) break;
    }
    expect(records.map((r) => r.taskId).sort()).toEqual(['done_before', 'running_at_kill']);
  });
});
