// Submissions per second through TaskClient.submit (validation, canonical JSON, create-with-dedup) against
// raw conditional PutItem calls, on the same embedded DynamoDB (dynalite), same run, same concurrency.
// Rounds alternate between the two so that drift (GC, JIT, dynalite's LevelDB) hits both alike.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { TaskRegistry } from '../functions/core/registry.js';
import { TaskClient } from '../functions/core/task-client.js';
import { createTaskTable, startDynalite } from '../test/support/embedded-servers.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

process.env.AWS_REGION ??= 'us-east-1';

async function runConcurrently(count: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await fn(next++);
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const dynamo = await startDynalite();
try {
  const table = await createTaskTable(dynamo);
  const registry = new TaskRegistry(dynamo.doc, table);
  const client = new TaskClient({
    registry,
    invoker: { invoke: async () => ({}) }, // measure the registry path only, not a function start
    tasks: { 'analyze-slow-queries': { functionName: 'noop' } },
  });
  const payload = { log: '# Query_time: 1.5  Lock_time: 0 Rows_sent: 1  Rows_examined: 10\nSELECT 1;', top: 10 };
  const payloadText = JSON.stringify(payload);
  const now = new Date().toISOString();

  // Warm both paths (connections, JIT) before measuring.
  await runConcurrently(200, (i) => client.submit({ task: 'analyze-slow-queries', id: `warm_${i}`, payload }));

  let platformSeconds = 0;
  let rawSeconds = 0;
  for (let round = 0; round < ROUNDS; round++) {
    platformSeconds += await runConcurrently(PER_ROUND, (i) =>
      client.submit({ task: 'analyze-slow-queries', id: `p${round}_${i}`, payload }),
    );
    rawSeconds += await runConcurrently(PER_ROUND, (i) =>
      dynamo.client.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            taskId: { S: `r${round}_${i}` },
            function: { S: 'analyze-slow-queries' },
            status: { S: 'QUEUED' },
            createdAt: { S: now },
            idHead: { S: 'r' },
            payload: { S: payloadText },
          },
          ConditionExpression: 'attribute_not_exists(taskId)',
        }),
      ),
    );
  }
  const total = ROUNDS * PER_ROUND;
  const platform = total / platformSeconds;
  const raw = total / rawSeconds;
  console.log(`submissions: ${total} each, concurrency ${CONCURRENCY}, ${ROUNDS} alternating rounds, dynalite on loopback`);
  console.log(`platform submit (validate + canonical JSON + create-with-dedup): ${platform.toFixed(0)}/s`);
  console.log(`raw conditional PutItem:                                     ${raw.toFixed(0)}/s`);
  console.log(`ratio platform/raw: ${(platform / raw).toFixed(3)} (target >= 0.8)`);
} finally {
  await dynamo.close();
}
