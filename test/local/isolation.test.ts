import { describe, expect, it } from 'vitest';
import type { TaskClient } from '../../functions/core/task-client.js';
import type { Platform } from '../../local/platform.js';
import { LOCAL_TRACING_ENV } from '../../local/tracing-env.js';
import { synthMisbehavingStack } from './fixtures/misbehaving-stack.js';
import { waitFor, waitForTerminal } from './support.js';
import { failureRecordFor, usePlatform } from '../support/embedded-platform.js';

// Each invocation runs in its own worker thread: a task that throws, exits the process, outlives its
// timeout or its memory size ends FAILED with a failure record, and the platform keeps serving.
let platform: Platform;
let client: TaskClient;
usePlatform(
  {
    synth: synthMisbehavingStack,
    tempPrefix: 'cdk-out-misbehaving-',
    platform: {
      stackName: 'Misbehaving',
      retryDelayScale: 0.001,
      scheduleScale: 0.02, // the sweeper's rate(1 minute) every 1.2 s
      functionEnv: { TASK_HEARTBEAT_SECONDS: '1', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
    },
  },
  (started) => {
    platform = started.platform;
    client = platform.taskClient();
  },
);

describe('isolation of misbehaving tasks', () => {
  it('gives its execution environments tracing off (no X-Ray daemon here; see test/local/tracing-env.test.ts)', () => {
    expect(platform.env).toMatchObject(LOCAL_TRACING_ENV);
  });

  it('a task that throws: FAILED with its error after the retry, and a RetriesExhausted record', async () => {
    await client.submit({ task: 'misbehave', id: 'iso_throw', payload: { mode: 'throw' } });

    const task = await waitForTerminal(client, 'iso_throw');
    const record = await failureRecordFor(platform, 'iso_throw');

    expect(task).toMatchObject({ status: 'FAILED', attempts: 2, error: { type: 'Error', message: 'misbehave: thrown on purpose' } });
    expect(record.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 2 });
    expect(record.responsePayload).toMatchObject({ errorType: 'Error', errorMessage: 'misbehave: thrown on purpose' });
  });

  it('a task that calls process.exit(1): only its worker dies; FAILED once its heartbeat lapses, with a Runtime.ExitError record', async () => {
    await client.submit({ task: 'misbehave', id: 'iso_exit', payload: { mode: 'exit' } });

    const task = await waitForTerminal(client, 'iso_exit');
    const record = await failureRecordFor(platform, 'iso_exit');

    expect(task.status).toBe('FAILED');
    expect(task.error?.type).toBe('HeartbeatLapsed');
    expect(task.error?.message).toMatch(/crash, out of memory, timeout or platform restart/);
    expect(record.responsePayload).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect((record.responsePayload as { errorMessage: string }).errorMessage).toMatch(/exit status 1/);
  });

  it('a task that ignores its signal past the timeout: FAILED with Timeout', async () => {
    await client.submit({ task: 'misbehave', id: 'iso_hang', payload: { mode: 'hang' } });

    const task = await waitForTerminal(client, 'iso_hang');
    const record = await failureRecordFor(platform, 'iso_hang');

    expect(task).toMatchObject({ status: 'FAILED', error: { type: 'Timeout' } });
    expect(['Timeout', 'Sandbox.Timedout']).toContain((record.responsePayload as { errorType: string }).errorType);
  });

  it('a task that allocates past its memory size: FAILED, with a Runtime.OutOfMemory record', async () => {
    await client.submit({ task: 'misbehave', id: 'iso_oom', payload: { mode: 'oom' } });

    const task = await waitForTerminal(client, 'iso_oom');
    const record = await failureRecordFor(platform, 'iso_oom');

    expect(task.status).toBe('FAILED');
    expect(task.error?.type).toBe('HeartbeatLapsed');
    expect(record.responsePayload).toMatchObject({ errorType: 'Runtime.OutOfMemory', errorMessage: 'function exceeded its memory size (128 MB)' });
  });

  it('stops a RUNNING task for real: its work sees the abort, STOPPED, and a TaskStopped failure record', async () => {
    await client.submit({ task: 'misbehave', id: 'iso_stop', payload: { mode: 'sleep', ms: 2500 } });
    await waitFor(client, 'iso_stop', (t) => t.status === 'RUNNING');

    const stopping = await client.stop('iso_stop');
    const task = await waitForTerminal(client, 'iso_stop');
    const record = await failureRecordFor(platform, 'iso_stop');

    expect(stopping.status).toBe('STOPPING');
    expect(task).toMatchObject({ status: 'STOPPED', error: { type: 'TaskStopped' } });
    expect(task.events.map((e) => e.status)).toEqual(['QUEUED', 'RUNNING', 'STOPPING', 'STOPPED']);
    expect(record.responsePayload).toMatchObject({ errorType: 'TaskStopped' });
    expect(task.result).toBeUndefined();
  });

  it('keeps serving after all of that', async () => {
    await client.submit({ task: 'misbehave', id: 'iso_ok', payload: { mode: 'ok' } });
    const task = await waitForTerminal(client, 'iso_ok');
    expect(task).toMatchObject({ status: 'SUCCEEDED', result: { mode: 'ok', attempt: 1 } });
  });

  it('runs 200 concurrent invokes carrying 50 distinct IDs as exactly 50 tasks and 50 executions', async () => {
    // Prepare: the steady task (the handler of misbehave, a 60-s timeout): dedup is the subject, not the timeout.
    const ids = Array.from({ length: 50 }, (_, i) => `burst_${String(i).padStart(2, '0')}`);

    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.submit({ task: 'steady', id: ids[i % 50], payload: { mode: 'ok' } })),
    );
    const tasks = await Promise.all(ids.map((id) => waitForTerminal(client, id)));

    expect(results.filter((r) => !r.deduplicated)).toHaveLength(50);
    const listed = await client.list({ prefix: 'burst_', limit: 1000 });
    expect(listed.tasks.map((t) => t.taskId)).toEqual(ids);
    expect(tasks.every((t) => t.status === 'SUCCEEDED' && t.attempts === 1 && t.attemptRefs?.length === 1)).toBe(true);
    const logGroup = (JSON.parse(platform.outputs.TaskFunctions ?? '{}') as Record<string, { logGroupName: string }>).steady?.logGroupName ?? '';
    const starts = platform.logs.read(logGroup).filter((e) => e.message.includes('misbehave: mode ok for task burst_'));
    expect(starts).toHaveLength(50);
  });
});
