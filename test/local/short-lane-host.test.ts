import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PayloadStore } from '../../functions/core/payload.js';
import { TaskRegistry } from '../../functions/core/registry.js';
import { TaskClient } from '../../functions/core/task-client.js';
import { ServerlessTaskStack } from '../../lib/serverless-task-stack.js';
import { startEmbeddedServers, type EmbeddedServers } from '../../local/servers.js';
import { hostShortLane, type ShortLaneHost } from '../../local/short-lane-host.js';
import { readTemplate, type CfnTemplate } from '../../local/template.js';
import { readFileSync } from 'node:fs';

// The real stack, synthesized and bundled into a temporary cdk.out, provisioned on the embedded servers:
// the functions that run here are the esbuild bundles that deploy.
let cdkOut: string;
let template: CfnTemplate;
let servers: EmbeddedServers;
let host: ShortLaneHost;
let client: TaskClient;

beforeAll(async () => {
  cdkOut = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  const app = new App({ outdir: cdkOut });
  new ServerlessTaskStack(app, 'ServerlessTask');
  app.synth();
  template = readTemplate(cdkOut, 'ServerlessTask');
  servers = await startEmbeddedServers();
  host = await hostShortLane({
    template,
    cdkOut,
    clients: { dynamodb: servers.dynamo.client, sqs: servers.sqs.client, s3: servers.s3.client },
    baseEnv: { ...servers.env, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
    retryDelayScale: 0,
  });
  client = new TaskClient({
    registry: new TaskRegistry(servers.dynamo.doc, host.outputs.TaskTableName ?? ''),
    payloadStore: new PayloadStore(servers.s3.client, host.outputs.PayloadBucketName ?? ''),
    invoker: host.invoker,
    tasks: host.tasks,
  });
});
afterAll(async () => {
  await servers.close();
  rmSync(cdkOut, { recursive: true, force: true });
});

describe('short lane hosted from cdk.out', () => {
  it('provisions every resource the template declares and names what serves it', () => {
    const declared = Object.keys(template.Resources).sort();
    expect(host.resources.map((r) => r.logicalId).sort()).toEqual(declared);
    expect(Object.keys(host.tasks).sort()).toEqual(['always-fails', 'analyze-slow-queries']);
    expect(host.tasks['always-fails']?.maxAttempts).toBe(3);
    expect(host.outputs.SuccessQueueUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\d+\/TaskDestinationsSuccessQueue/);
  });

  it('runs the bundled analyze-slow-queries end to end with the known summary of the fixture', async () => {
    const log = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'mysql-slow.log'), 'utf8');

    await client.submit({ task: 'analyze-slow-queries', id: 'fixture_run', payload: { log } });
    await host.invoker.drain();

    const task = await client.get('fixture_run');
    expect(task.status).toBe('SUCCEEDED');
    const result = task.result as { totals: { entries: number; fingerprints: number; totalQueryTime: number; skipped: number } };
    // Worked out by hand in test/functions/tasks/analyze-slow-queries.test.ts.
    expect(result.totals).toMatchObject({ entries: 20, fingerprints: 5, totalQueryTime: 56.116429, skipped: 1 });
  });

  it('sends a bundled task that always fails through its retries to the dead-letter queue', async () => {
    await client.submit({ task: 'always-fails', id: 'fails_bundled', payload: {} });
    await host.invoker.drain();

    const task = await client.get('fails_bundled');
    expect(task).toMatchObject({ status: 'FAILED', attempts: 3 });
    expect(task.error?.message).toMatch(/fails on purpose/);
  });

  it('refuses a template with a resource type it does not know, naming it', async () => {
    const withUnknown: CfnTemplate = { Resources: { ...template.Resources, Mystery: { Type: 'AWS::Foo::Bar' } } };
    await expect(
      hostShortLane({ template: withUnknown, cdkOut, clients: { dynamodb: servers.dynamo.client, sqs: servers.sqs.client, s3: servers.s3.client }, baseEnv: servers.env, retryDelayScale: 0 }),
    ).rejects.toThrow('the template declares resource types the embedded platform does not know: AWS::Foo::Bar (Mystery)');
  });
});
