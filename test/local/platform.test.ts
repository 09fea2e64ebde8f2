import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskClient } from '../../functions/core/task-client.js';
import type { Platform } from '../../local/platform.js';
import { provisionStack } from '../../local/provisioner.js';
import type { CfnTemplate } from '../../local/template.js';
import { synthServerlessTaskStack, usePlatform } from '../support/embedded-platform.js';

// The real stack, synthesized and bundled into a temporary cdk.out, provisioned on the embedded servers:
// the functions that run here are the esbuild bundles that deploy.
let cdkOut: string;
let platform: Platform;
let client: TaskClient;
usePlatform(
  { synth: synthServerlessTaskStack, tempPrefix: 'cdk-out-', platform: { retryDelayScale: 0, functionEnv: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' } } },
  (started) => {
    ({ platform, cdkOut } = started);
    client = platform.taskClient();
  },
);

describe('the stack hosted from cdk.out', () => {
  it('provisions every resource the template declares and names what serves it', () => {
    const declared = Object.keys(platform.template.Resources).sort();
    expect(platform.resources.map((r) => r.logicalId).sort()).toEqual(declared);
    const tasks = JSON.parse(platform.outputs.TaskFunctions ?? '{}') as Record<string, { maxAttempts: number }>;
    expect(Object.keys(tasks).sort()).toEqual(['always-fails', 'analyze-slow-queries', 'cross-region-rollup', 'detect-query-regressions', 'transcode']);
    expect(tasks['always-fails']?.maxAttempts).toBe(3);
    expect(platform.outputs.SuccessQueueUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\d+\/TaskDestinationsSuccessQueue/);
  });

  it('runs the bundled analyze-slow-queries end to end with the known summary of the fixture', async () => {
    const log = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'mysql-slow.log'), 'utf8');

    await client.submit({ task: 'analyze-slow-queries', id: 'fixture_run', payload: { log } });
    await platform.lambda.drain();

    const task = await client.get('fixture_run');
    expect(task.status).toBe('SUCCEEDED');
    const result = task.result as { totals: { entries: number; fingerprints: number; totalQueryTime: number; skipped: number } };
    // Worked out by hand in test/functions/short/analyze-slow-queries.test.ts.
    expect(result.totals).toMatchObject({ entries: 20, fingerprints: 5, totalQueryTime: 56.116429, skipped: 1 });
  });

  it('sends a bundled task that always fails through its retries to the dead-letter queue', async () => {
    await client.submit({ task: 'always-fails', id: 'fails_bundled', payload: {} });
    await platform.lambda.drain();

    const task = await client.get('fails_bundled');
    expect(task).toMatchObject({ status: 'FAILED', attempts: 3 });
    expect(task.error?.message).toMatch(/fails on purpose/);
  });

  it('refuses a template with a resource type it does not know, naming it', async () => {
    const withUnknown: CfnTemplate = { Resources: { ...platform.template.Resources, Mystery: { Type: 'AWS::Foo::Bar' } } };
    const clients = { dynamodb: platform.servers.dynamo.client, sqs: platform.servers.sqs.client, s3: platform.servers.s3.client };
    await expect(provisionStack({ template: withUnknown, cdkOut, clients })).rejects.toThrow(
      'the template declares resource types the embedded platform does not know: AWS::Foo::Bar (Mystery)',
    );
  });
});
