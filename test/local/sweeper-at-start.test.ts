import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskRegistry } from '../../functions/core/registry.js';
import { startPlatform, type Platform } from '../../local/platform.js';
import { synthMisbehavingStack } from './fixtures/misbehaving-stack.js';
import { waitFor } from './support.js';

// A restart does not push the sweeper's next run a whole interval away: its rule fires soon after start,
// so tasks cut by a crash are resolved at once even when the platform restarts more often than the rate.
let cdkOut: string;
let dataDir: string;
let platform: Platform | undefined;

beforeAll(() => {
  cdkOut = mkdtempSync(join(tmpdir(), 'cdk-out-sweep-start-'));
  dataDir = mkdtempSync(join(tmpdir(), 'stask-sweep-start-'));
  synthMisbehavingStack(cdkOut);
});
afterAll(async () => {
  await platform?.close();
  rmSync(cdkOut, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const start = (): Promise<Platform> =>
  startPlatform({ root: process.cwd(), cdkOut, dataDir, stackName: 'Misbehaving', synth: false, functionEnv: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' } });

describe('the sweeper after a restart', () => {
  it('resolves a task whose attempt died with the previous run within seconds, not after the rule’s minute', async () => {
    // Prepare: a task left RUNNING by a previous run, its last heartbeat two minutes ago.
    platform = await start();
    const table = platform.outputs.TaskTableName ?? '';
    const past = new Date(Date.now() - 120_000);
    const registry = new TaskRegistry(platform.servers.dynamo.doc, table, { now: () => past });
    await registry.create({ taskId: 'cut_by_crash', function: 'misbehave', payload: {}, payloadHash: 'h', payloadSizeBytes: 2, maxAttempts: 1 });
    await registry.start('cut_by_crash', { executionRef: 'request-of-the-dead-run' });
    await platform.close();

    // Act: the same data directory, the schedule at its real rate (1 minute).
    platform = await start();
    const client = platform.taskClient();

    // Assess: well before the rule's first interval ends.
    const task = await waitFor(client, 'cut_by_crash', (t) => t.status === 'FAILED', 30_000);
    expect(task.error?.type).toBe('HeartbeatLapsed');
  });
});
