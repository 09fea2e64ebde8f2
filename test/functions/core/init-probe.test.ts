// The sweeper's init probe through the embedded Lambda Invoke API: a function whose task runtime runs answers
// "initializes" (the runtime refuses the probe as InvalidPayload, touching no task); a function whose init
// fails answers with Lambda's init error; a function the probe cannot reach is "unknown".
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INIT_PROBE_EVENT, probeInit } from '../../../functions/core/init-probe.js';
import { taskHandler } from '../../../functions/core/task-runtime.js';
import { startInvokeApi } from '../../../local/lambda/invoke-api.js';
import { LocalLambdaService } from '../../../local/lambda/lambda-service.js';
import { FunctionError } from '../../../local/lambda/worker-function.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/servers.js';
import { createLane, startServers, type Lane, type Servers } from '../../support/short-lane.js';

let servers: Servers;
let lane: Lane;
let api: { endpoint: string; close(): Promise<void> };
let lambda: LambdaClient;
let healthyRuns = 0;

beforeAll(async () => {
  servers = await startServers();
  lane = await createLane(servers, { tasks: {} });
  const service = new LocalLambdaService({
    sqs: servers.sqs.client,
    functions: [
      { name: 'fn-healthy', handler: taskHandler({ parsePayload: (raw) => raw }, async () => ({ ran: ++healthyRuns }), lane.runtimeDeps(2)) },
      // an environment whose init fails, as the worker and Python runtimes report it
      { name: 'fn-broken', handler: () => Promise.reject(new FunctionError('Runtime.ImportModuleError', "Error: Cannot find module 'left-pad'")) },
    ],
  });
  api = await startInvokeApi(service);
  lambda = new LambdaClient({ endpoint: api.endpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } });
});
afterAll(async () => {
  await api?.close();
  await servers?.close();
});

describe('probeInit', () => {
  it('a function whose runtime runs initializes: undefined, and no task work ran', async () => {
    expect(await probeInit(lambda, 'fn-healthy')).toBeUndefined();
    expect(healthyRuns).toBe(0);
    expect(INIT_PROBE_EVENT).not.toHaveProperty('taskId');
  });

  it('a function whose init fails: Lambda’s error type and message', async () => {
    expect(await probeInit(lambda, 'fn-broken')).toEqual({ type: 'Runtime.ImportModuleError', message: "Error: Cannot find module 'left-pad'" });
  });

  it('a function the probe cannot invoke: unknown (undefined), the task is left alone', async () => {
    expect(await probeInit(lambda, 'fn-missing')).toBeUndefined();
  });
});
