// `npm start`: synthesizes the stack, provisions it on the embedded servers and walks through the
// short-task lane end to end: a real analysis, a deduplicated repeat, a failing task that ends in the
// dead-letter queue after its retries, the task list and the records in both destination queues.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { DestinationRecord } from '../functions/core/destination-record.js';
import type { TaskRecord } from '../functions/core/task-record.js';
import { requireOutput, startPlatform } from './platform.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line = ''): void => console.log(line);
const heading = (title: string): void => say(`\n== ${title} ${'='.repeat(Math.max(0, 72 - title.length))}`);

function table(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) return say('  (none)');
  const columns = Object.keys(rows[0] ?? {});
  const text = rows.map((r) => columns.map((c) => String(r[c] ?? '')));
  const widths = columns.map((c, i) => Math.min(80, Math.max(c.length, ...text.map((t) => (t[i] ?? '').length))));
  const line = (cells: string[]): string => `  ${cells.map((cell, i) => cell.slice(0, widths[i]).padEnd(widths[i] ?? 0)).join('  ')}`;
  say(line(columns));
  say(line(widths.map((w) => '-'.repeat(w))));
  text.forEach((t) => say(line(t)));
}

const platform = await startPlatform({
  root,
  log: say,
  // Lambda waits about 1 and 2 minutes between retries; the tour waits 1/1000 of that.
  retryDelayScale: 0.001,
  functionEnv: { POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true' },
});
try {
  heading('The stack on the embedded platform (from cdk.out/ServerlessTask.template.json)');
  table(platform.resources.map((r) => ({ type: r.type, 'logical ID': r.logicalId, 'served locally by': r.servedBy })));
  const output = (key: string): string => requireOutput(platform.outputs, key);
  const client = platform.taskClient();
  const show = (t: TaskRecord): void =>
    table([{ taskId: t.taskId, function: t.function, status: t.status, attempts: t.attempts, events: t.events.map((e) => e.status).join(' > ') }]);

  heading('1. analyze-slow-queries on a MySQL slow log, with a caller-chosen ID');
  const log = readFileSync(join(root, 'examples', 'mysql-slow.log'), 'utf8');
  say(`$ stask invoke analyze-slow-queries --id slowlog-2026-11-26 --payload-file examples/mysql-slow.log`);
  await client.submit({ task: 'analyze-slow-queries', id: 'slowlog-2026-11-26', payload: { log, top: 5 } });
  await platform.lambda.drain();
  const analyzed = await client.get('slowlog-2026-11-26');
  show(analyzed);
  const summary = analyzed.result as { fingerprints: { fingerprint: string; count: number; totalQueryTime: number; p95QueryTime: number; rowsExamined: number }[] };
  table(summary.fingerprints.map((f) => ({ count: f.count, 'total s': f.totalQueryTime, 'p95 s': f.p95QueryTime, 'rows examined': f.rowsExamined, fingerprint: f.fingerprint })));

  heading('2. The same ID and payload again: deduplicated, nothing runs twice');
  const again = await client.submit({ task: 'analyze-slow-queries', id: 'slowlog-2026-11-26', payload: { log, top: 5 } });
  await platform.lambda.drain();
  say(`  deduplicated: ${again.deduplicated}; status ${again.task.status}; attempts ${(await client.get('slowlog-2026-11-26')).attempts}`);

  heading('3. A task that fails: retried twice, then FAILED and a RetriesExhausted record in the DLQ');
  await client.submit({ task: 'always-fails', id: 'always-fails-demo', payload: { reason: 'show the dead-letter queue' } });
  await platform.lambda.drain();
  show(await client.get('always-fails-demo'));

  heading('4. stask ls (by function; listing is a DynamoDB query, never a scan)');
  const listed = [...(await client.list({ function: 'analyze-slow-queries' })).tasks, ...(await client.list({ function: 'always-fails' })).tasks];
  table(listed.map((t) => ({ taskId: t.taskId, function: t.function, status: t.status, attempts: t.attempts, created: t.createdAt })));

  for (const [name, key] of [['success queue', 'SuccessQueueUrl'], ['dead-letter queue', 'FailureQueueUrl']] as const) {
    heading(`5. Records in the ${name} (AWS Lambda's destination record format)`);
    const out = await platform.servers.sqs.client.send(new ReceiveMessageCommand({ QueueUrl: output(key), MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    for (const message of out.Messages ?? []) {
      const record = JSON.parse(message.Body ?? '{}') as DestinationRecord;
      const response = JSON.stringify(record.responsePayload);
      say(JSON.stringify({ ...record, requestPayload: '(the invocation event: taskId, task, payload)', responsePayload: response.length > 160 ? `${response.slice(0, 160)}…` : record.responsePayload }, null, 2));
    }
  }
  say('\nDone. Next: `npm test` runs the suite; `npx cdk deploy` deploys the same stack to AWS.');
} finally {
  await platform.close();
}
