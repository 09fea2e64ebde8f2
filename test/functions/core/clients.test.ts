import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Clients from '../../../functions/core/clients.js';

// functions/core/clients.ts builds its Tracer when it is loaded: each case loads it afresh in its environment.
const XRAY_MIDDLEWARE = 'XRaySDKInstrumentation';

async function loadClients(env: Record<string, string>): Promise<typeof Clients> {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  return import('../../../functions/core/clients.js');
}

function middlewareNames(client: { middlewareStack: { identify(): string[] } }): string[] {
  return client.middlewareStack.identify().map((entry) => entry.split(' ')[0] ?? entry);
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('the module-scope SDK clients', () => {
  it('are captured by Powertools Tracer where tracing is on (a Lambda environment): the X-Ray middleware is on every client', async () => {
    const clients = await loadClients({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', POWERTOOLS_TRACE_ENABLED: '' });

    const all = [clients.dynamoClient(), clients.dynamoDocument(), clients.s3Client(), clients.sqsClient(), clients.sfnClient(), clients.lambdaClient()];

    expect(clients.tracer.isTracingEnabled()).toBe(true);
    for (const client of all) expect(middlewareNames(client)).toContain(XRAY_MIDDLEWARE);
  });

  it('are plain where POWERTOOLS_TRACE_ENABLED=false (as the embedded platform sets), even in a Lambda environment', async () => {
    const clients = await loadClients({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', POWERTOOLS_TRACE_ENABLED: 'false' });

    expect(clients.tracer.isTracingEnabled()).toBe(false);
    for (const client of [clients.dynamoClient(), clients.s3Client(), clients.sqsClient(), clients.sfnClient(), clients.lambdaClient()]) {
      expect(middlewareNames(client)).not.toContain(XRAY_MIDDLEWARE);
    }
  });

  it('are built once per execution environment', async () => {
    const clients = await loadClients({});

    expect(clients.dynamoClient()).toBe(clients.dynamoClient());
    expect(clients.dynamoDocument()).toBe(clients.dynamoDocument());
    expect(clients.s3Client()).toBe(clients.s3Client());
  });
});
