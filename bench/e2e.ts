// No-op tasks per second end to end on the embedded platform — invoke through the Lambda Invoke API,
// the runtime in a worker thread marks RUNNING then SUCCEEDED, Lambda's success record lands in SQS —
// against the same bundled handler called directly in-process on the same registry (create + handler
// call). Same run, same machine; the ratio is the platform's overhead.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { TaskRegistry } from '../functions/core/registry.js';
import { LambdaEventInvoker, TaskClient } from '../functions/core/task-client.js';
import { startPlatform } from '../local/platform.js';
import { synthMisbehavingStack } from '../test/local/fixtures/misbehaving-stack.js';

const TASKS = Number(process.env.BENCH_TASKS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

async function runConcurrently(count: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await fn(next++);
  }));
}

const cdkOut = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
synthMisbehavingStack(cdkOut);
const quiet = { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' };
const platform = await startPlatform({ root: process.cwd(), cdkOut, stackName: 'Misbehaving', synth: false, functionEnv: quiet });
try {
  const outputs = platform.outputs;
  const tasks = JSON.parse(outputs.TaskFunctions ?? '{}') as Record<string, { functionName: string; maxAttempts: number }>;
  const registry = new TaskRegistry(platform.servers.dynamo.doc, outputs.TaskTableName ?? '');
  const lambda = new LambdaClient({ endpoint: platform.endpoints.lambda, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const client = new TaskClient({ registry, invoker: new LambdaEventInvoker(lambda), tasks });
  const successQueue = outputs.SuccessQueueUrl ?? '';
  const sqs = platform.servers.sqs.client;

  const drainRecords = async (expected: number): Promise<void> => {
    let seen = 0;
    while (seen < expected) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: successQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const messages = out.Messages ?? [];
      seen += messages.length;
      if (messages.length) {
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: successQueue, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
      }
    }
  };

  // Warm-up: execution environments loaded, connections open.
  await runConcurrently(CONCURRENCY * 2, (i) => client.submit({ task: 'misbehave', id: `warm_${i}`, payload: { mode: 'ok' } }));
  await drainRecords(CONCURRENCY * 2);

  let started = process.hrtime.bigint();
  await runConcurrently(TASKS, (i) => client.submit({ task: 'misbehave', id: `e2e_${i}`, payload: { mode: 'ok' } }));
  await drainRecords(TASKS);
  const platformSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  // Baseline: the same bundle, imported here, called directly on the same registry.
  const spec = Object.entries(readFunctions()).find(([id]) => id.startsWith('Misbehave'))?.[1];
  process.env.TASK_TABLE_NAME = outputs.TaskTableName;
  process.env.PAYLOAD_BUCKET_NAME = outputs.PayloadBucketName;
  Object.assign(process.env, platform.env, quiet);
  const bundle = (await import(pathToFileURL(spec ?? '').href)) as { handler: (e: unknown, c: Context) => Promise<unknown> };
  const context = (id: string): Context => ({ awsRequestId: id, functionName: 'direct', getRemainingTimeInMillis: () => 60_000 }) as Context;
  const direct = async (taskId: string): Promise<void> => {
    await registry.create({ taskId, function: 'misbehave', payload: { mode: 'ok' }, payloadHash: taskId, payloadSizeBytes: 13, maxAttempts: 2 });
    await bundle.handler({ taskId, task: 'misbehave', payload: { mode: 'ok' } }, context(`req-${taskId}`));
  };
  // The handler's console output goes to the log store on the platform; here it is discarded.
  const log = console.log;
  console.log = () => undefined;
  await runConcurrently(CONCURRENCY * 2, (i) => direct(`dwarm_${i}`));
  started = process.hrtime.bigint();
  await runConcurrently(TASKS, (i) => direct(`direct_${i}`));
  const directSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log = log;

  const platformRate = TASKS / platformSeconds;
  const directRate = TASKS / directSeconds;
  console.log(`${TASKS} no-op tasks, concurrency ${CONCURRENCY}, one machine (${availableParallelism()} cores)`);
  console.log(`platform end to end (Invoke API → worker → SUCCEEDED → success record): ${platformRate.toFixed(1)} tasks/s`);
  console.log(`same handler called directly in-process (registry create + handler):   ${directRate.toFixed(1)} tasks/s`);
  console.log(`ratio platform/direct: ${(platformRate / directRate).toFixed(3)}`);

  function readFunctions(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(platform.template.Resources)
        .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
        .map(([id, r]) => [id, join(cdkOut, String(r.Metadata?.['aws:asset:path'] ?? `asset.${String((r.Properties?.Code as { S3Key: string }).S3Key).replace('.zip', '')}`), 'index.mjs')]),
    );
  }
} finally {
  await platform.close();
  rmSync(cdkOut, { recursive: true, force: true });
}
