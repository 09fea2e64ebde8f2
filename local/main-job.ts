// `npm start`: synthesizes the stack, starts the embedded platform on .stask/ (as `stask dev` does) and
// walks a newcomer through it with the real `stask` CLI: an analysis with a chosen ID, the same
// invocation again (deduplicated), a task that fails into the dead-letter queue, `stask ls`, the records
// in both destination queues, then video: an upload that starts transcodes (Step Functions + the ECS
// task as a local process with the host's ffmpeg) and the seed's `stask invoke transcode`. Then it keeps
// serving until Ctrl-C, so every command can be tried against it. `-- --exit-after-tour` stops after it.
// The tour's stack has the Kafka lane (context kafkaLane=true, synthesized into cdk.out.tour; the default
// cdk.out, which `stask dev` and the tests use, leaves it out): slow-query events through the stream lane.
// Last, a long Python job rolls two regions' summaries up, and `stask cost` prices the tour's tasks.
import { STACK_OUTPUTS } from '../functions/core/facts.js';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { DestinationRecord } from '../functions/core/destination-record.js';
import { KAFKA_CONTEXT } from '../lib/constructs/kafka-lane.js';
import { startDevPlatform } from './dev-platform.js';
import { kafkaTourStep } from './tour-kafka.js';
import { rollupAndCostTourSteps } from './tour-rollup-cost.js';
import { taskApiTourStep } from './tour-task-api.js';
import { requireOutput } from './platform.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, '.stask');
const say = (line = ''): void => console.log(line);
const heading = (title: string): void => say(`\n== ${title} ${'='.repeat(Math.max(0, 72 - title.length))}`);

/**
 * Runs the real CLI (as a user would) against the platform in .stask and shows what it prints.
 * Asynchronously: the platform serving it runs in this very process.
 */
async function stask(...args: string[]): Promise<number> {
  say(`$ stask ${args.map((a) => (/[\s"{]/.test(a) ? `'${a}'` : a)).join(' ')}`);
  const child = spawn(process.execPath, [join(root, 'bin', 'stask.mjs'), ...args, '--data-dir', dataDir], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? 1)));
  const text = `${stderr}${stdout}`;
  // The progress bar redraws with carriage returns: keep its last state only.
  const shown = text.split('\n').map((line) => line.split('\r').pop() ?? '').join('\n').trimEnd();
  if (shown) say(shown.replace(/^/gm, '  '));
  return code;
}

const dev = await startDevPlatform({
  dataDir,
  root,
  log: say,
  cdkOut: join(root, 'cdk.out.tour'),
  synthContext: { [KAFKA_CONTEXT.enabled]: 'true' },
  // Lambda waits about 1 and 2 minutes between retries; the tour waits 1/1000 of that.
  retryDelayScale: 0.001,
  functionEnv: { POWERTOOLS_METRICS_DISABLED: 'true' },
});
try {
  // IDs carry the time of this run, so that a second `npm start` on the same .stask shows the same tour.
  const run = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const tourStarted = new Date().toISOString();
  const slowlogId = `slowlog-${run}`;

  heading('1. analyze-slow-queries on a MySQL slow log, with a caller-chosen ID');
  await stask('invoke', 'analyze-slow-queries', '--id', slowlogId, '--payload-file', 'examples/slow-query-payload.json', '--wait');

  heading('2. The same ID and payload again: deduplicated, nothing runs twice');
  await stask('invoke', 'analyze-slow-queries', '--id', slowlogId, '--payload-file', 'examples/slow-query-payload.json');

  heading('2b. A Python task (pandas, run by awslambdaric): the summary against a copy whose slowest p95 tripled');
  const summary = (await dev.platform.taskClient().get(slowlogId)).result as { fingerprints: { p95QueryTime: number }[] };
  const regressed = { fingerprints: summary.fingerprints.map((f, i) => (i === 0 ? { ...f, p95QueryTime: f.p95QueryTime * 3 } : f)) };
  const regressionsFile = join(dataDir, `regressions-${run}.json`);
  writeFileSync(regressionsFile, JSON.stringify({ baseline: summary, current: regressed }));
  await stask('invoke', 'detect-query-regressions', '--id', `regressions-${run}`, '--payload-file', regressionsFile, '--wait');

  heading('3. A task that fails: retried twice, then FAILED, with a RetriesExhausted record in the DLQ');
  await stask('invoke', 'always-fails', '--id', `always-fails-${run}`, '--payload', '{"why":"show the dead-letter queue"}', '--wait');

  heading('4. The task list (a DynamoDB query on the status index, never a scan)');
  await stask('ls', '--status', 'succeeded', '--since', '1h');
  await stask('ls', '--status', 'failed', '--since', '1h');

  for (const [name, key] of [['success queue', STACK_OUTPUTS.successQueueUrl], ['dead-letter queue', STACK_OUTPUTS.failureQueueUrl]] as const) {
    heading(`5. The records in the ${name} (AWS Lambda's destination record format)`);
    const out = await dev.platform.servers.sqs.client.send(
      // Hidden for a second only: they stay in the queue for `stask redrive --dlq` and other readers.
      new ReceiveMessageCommand({ QueueUrl: requireOutput(dev.platform.outputs, key), MaxNumberOfMessages: 10, VisibilityTimeout: 1 }),
    );
    const records = (out.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as DestinationRecord).filter((r) => r.taskId.endsWith(run));
    for (const record of records) {
      const response = JSON.stringify(record.responsePayload);
      say(
        JSON.stringify(
          { ...record, requestPayload: '(the invocation event: taskId, task, payload)', responsePayload: response.length > 160 ? `${response.slice(0, 160)}…` : record.responsePayload },
          null,
          2,
        ),
      );
    }
  }

  heading('6. Video: an upload to uploads/ starts one transcode per output format (FFmpeg, on this machine)');
  const media = requireOutput(dev.platform.outputs, STACK_OUTPUTS.mediaBucketName);
  const clip = join(dataDir, `480P-${run}.mp4`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip]);
  const uploadKey = `uploads/tour-${run}/480P.mp4`;
  say(`  uploading a generated 4 s 854x480 clip to s3://${media}/${uploadKey}`);
  await dev.platform.servers.s3.client.send(new PutObjectCommand({ Bucket: media, Key: uploadKey, Body: readFileSync(clip) }));
  const client = dev.platform.taskClient();
  for (let i = 0; i < 600; i++) {
    const { tasks } = await client.list({ function: 'transcode', prefix: 'up_480P_', since: tourStarted });
    if (tasks.length && tasks.every((t) => ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(t.status))) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stask('ls', '--function', 'transcode', '--prefix', 'up_480P_', '--since', '1h');
  const outputs = await dev.platform.servers.s3.client.send(new ListObjectsV2Command({ Bucket: media, Prefix: `transcoded/tour-${run}/` }));
  say('  outputs:');
  for (const o of outputs.Contents ?? []) say(`    s3://${media}/${o.Key ?? ''}  (${o.Size ?? 0} bytes)`);

  heading("7. The seed's invocation by hand: stask invoke transcode --wait");
  await dev.platform.servers.s3.client.send(new PutObjectCommand({ Bucket: media, Key: '480P.mp4', Body: readFileSync(clip) }));
  await stask('invoke', 'transcode', '--id', `my1-480P-mp4-${run}`, '--payload', JSON.stringify({ bucket: media, object: '480P.mp4', output_dir: `seed-${run}`, dst_format: 'mov' }), '--wait');

  const operator = await kafkaTourStep(dev, { say, heading, stask });
  await rollupAndCostTourSteps(dev, { say, heading, stask }, { run, summary, regressed });
  await taskApiTourStep(dev, { say, heading, stask }, run, root);

  heading('The platform keeps serving: try, in another terminal');
  say(`  npx stask ls --function analyze-slow-queries
  npx stask get ${slowlogId}
  npx stask logs ${slowlogId}
  npx stask invoke analyze-slow-queries --payload-file examples/slow-query-payload.json --wait
  npx stask redrive --dlq
  npx stask produce slow-queries --value '{"host":"db1","db":"shop","user":"app","query_time":3.2,"rows_examined":90000,"sql":"SELECT * FROM orders WHERE customer_id = 7","ts":"2026-01-01T00:00:00Z"}'
  npx stask cost --since 1h
  npx stask console
  npx stask streams${operator ? `\n  npx stask ls --function ${operator}` : ''}
  npx stask invoke transcode --payload '{"bucket":"${media}","object":"480P.mp4","output_dir":"mine","dst_format":"m3u8"}' --wait
Ctrl-C stops it; its state stays in .stask/.`);
} catch (error) {
  await dev.close();
  throw error;
}

if (process.argv.includes('--exit-after-tour')) {
  await dev.close();
} else {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void dev.close().then(() => process.exit(0)));
  }
}
