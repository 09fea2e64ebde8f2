// The sweeper's Lambda handler against dynalite: it reports the tasks it had to resolve as a CloudWatch metric
// (Powertools Metrics, namespace ServerlessTask), the figure the "tasks the sweeper had to resolve" alarm watches.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ENV, METRICS, METRICS_NAMESPACE, SWEEPER_SERVICE_NAME } from '../../../functions/core/facts.js';
import { TaskRegistry } from '../../../functions/core/registry.js';
import { createTaskTable, startDynalite, type EmbeddedDynamo } from '../../support/embedded-servers.js';

let dynamo: EmbeddedDynamo;
let table: string;
const saved = { ...process.env };
beforeAll(async () => {
  dynamo = await startDynalite();
  table = await createTaskTable(dynamo);
  Object.assign(process.env, {
    [ENV.taskTableName]: table,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
});
afterAll(async () => {
  process.env = saved;
  await dynamo.close();
});

/** The EMF documents the handler publishes while `act` runs (Powertools' own serialization, kept instead of printed). */
async function metricsDuring(act: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const documents: Record<string, unknown>[] = [];
  const publish = vi.spyOn(Metrics.prototype, 'publishStoredMetrics').mockImplementation(function (this: Metrics) {
    documents.push(this.serializeMetrics() as unknown as Record<string, unknown>);
    this.clearMetrics();
    return this;
  });
  try {
    await act();
  } finally {
    publish.mockRestore();
  }
  return documents;
}

describe('the sweeper handler', () => {
  it('emits SweeperResolvedTasks: the count of tasks it resolved, zero when there were none', async () => {
    // Prepare: two RUNNING tasks whose last heartbeat was an hour ago.
    const past = new Date(Date.now() - 3_600_000);
    const registry = new TaskRegistry(dynamo.doc, table, { now: () => past });
    for (const taskId of ['lapsed_a', 'lapsed_b']) {
      await registry.create({ taskId, function: 'analyze-slow-queries', payload: {}, payloadHash: taskId, payloadSizeBytes: 2, maxAttempts: 1 });
      await registry.start(taskId, { executionRef: `request-${taskId}` });
    }
    const { handler } = await import('../../../functions/maintenance/sweeper-handler.js');

    // Act
    const first = await metricsDuring(() => handler());
    const second = await metricsDuring(() => handler());

    // Assess
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['service']], Metrics: expect.arrayContaining([{ Name: METRICS.sweeperResolvedTasks, Unit: 'Count' }]) }] },
      service: SWEEPER_SERVICE_NAME,
      [METRICS.sweeperResolvedTasks]: 2,
      [METRICS.sweeperRedispatchedTasks]: 0,
    });
    expect(second[0]).toMatchObject({ [METRICS.sweeperResolvedTasks]: 0 });
    expect((await registry.get('lapsed_a'))?.status).toBe('FAILED');
  });
});
