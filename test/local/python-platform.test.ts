import { describe, expect, it } from 'vitest';
import type { TaskClient } from '../../functions/core/task-client.js';
import type { Platform } from '../../local/platform.js';
import { synthPythonStack } from './fixtures/python-stack.js';
import { waitFor, waitForTerminal } from './support.js';
import { failureRecordFor, usePlatform } from '../support/embedded-platform.js';

// Python short tasks from cdk.out, through the local Runtime API and awslambdaric: each misbehaviour ends
// with Lambda's error type and a failure record, and the platform keeps serving.
let platform: Platform;
let client: TaskClient;
const platformLog: string[] = [];
usePlatform(
  {
    synth: synthPythonStack,
    tempPrefix: 'cdk-out-python-',
    platform: {
      stackName: 'PythonTasks',
      retryDelayScale: 0.001,
      scheduleScale: 0.02,
      functionEnv: { TASK_HEARTBEAT_SECONDS: '1', POWERTOOLS_METRICS_DISABLED: 'true' },
      log: (line) => platformLog.push(line),
    },
    startTimeoutMs: 180_000,
  },
  (started) => {
    platform = started.platform;
    client = platform.taskClient();
  },
);

describe('Python short tasks on the embedded platform', () => {
  it('names the interpreter it chose and runs a task to SUCCEEDED with its log lines in the task log', async () => {
    expect(platformLog.some((l) => /^python3\.14: (matching|closest available) interpreter .+ \(Python 3\.\d+\.\d+\)$/.test(l))).toBe(true);
    await client.submit({ task: 'py-misbehave', id: 'py_ok', payload: { mode: 'ok' } });
    const task = await waitForTerminal(client, 'py_ok');
    expect(task).toMatchObject({ status: 'SUCCEEDED', attempts: 1, result: { mode: 'ok', attempt: 1 } });
    const group = JSON.parse(platform.outputs.TaskFunctions ?? '{}')['py-misbehave'].logGroupName as string;
    const lines = platform.logs.read(group).map((e) => e.message).filter((m) => m.includes(task.executionRef ?? '?'));
    expect(lines.some((m) => (JSON.parse(m) as { message?: string; taskId?: string }).taskId === 'py_ok' && m.includes('misbehaving'))).toBe(true);
  });

  it('a task that raises: FAILED after its retry with the Python error type, and a RetriesExhausted record', async () => {
    await client.submit({ task: 'py-misbehave', id: 'py_raise', payload: { mode: 'raise' } });
    const record = await failureRecordFor(platform, 'py_raise', 60_000);
    const task = await waitForTerminal(client, 'py_raise');
    expect(task).toMatchObject({ status: 'FAILED', attempts: 2, error: { type: 'ValueError', message: 'py-misbehave: raised on purpose' } });
    expect(record.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 2 });
    expect(record.responsePayload).toMatchObject({ errorType: 'ValueError', errorMessage: 'py-misbehave: raised on purpose' });
  });

  it('a task that exits: Runtime.ExitError record; FAILED once its heartbeat lapses', async () => {
    await client.submit({ task: 'py-misbehave', id: 'py_exit', payload: { mode: 'exit' } });
    const record = await failureRecordFor(platform, 'py_exit', 60_000);
    const task = await waitForTerminal(client, 'py_exit');
    expect(record.responsePayload).toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/exit status 3/) });
    expect(task).toMatchObject({ status: 'FAILED', error: { type: 'HeartbeatLapsed' } });
  });

  it('a task that ignores its signal past the timeout: FAILED with Timeout', async () => {
    await client.submit({ task: 'py-misbehave', id: 'py_hang', payload: { mode: 'hang' } });
    const record = await failureRecordFor(platform, 'py_hang', 60_000);
    const task = await waitForTerminal(client, 'py_hang');
    expect(task).toMatchObject({ status: 'FAILED', error: { type: 'Timeout' } });
    expect(['Timeout', 'Sandbox.Timedout']).toContain((record.responsePayload as { errorType: string }).errorType);
  });

  it('a task that allocates past its memory size: Runtime.OutOfMemory record', async () => {
    await client.submit({ task: 'py-misbehave', id: 'py_oom', payload: { mode: 'oom' } });
    const record = await failureRecordFor(platform, 'py_oom', 60_000);
    expect(record.responsePayload).toMatchObject({ errorType: 'Runtime.OutOfMemory' });
    expect((await waitForTerminal(client, 'py_oom')).status).toBe('FAILED');
  });

  it('a module that fails to import: Runtime.ImportModuleError record; the task never ran', async () => {
    await client.submit({ task: 'py-broken', id: 'py_import', payload: {} });
    const record = await failureRecordFor(platform, 'py_import', 60_000);
    expect(record.requestContext).toMatchObject({ condition: 'RetriesExhausted' });
    expect(record.responsePayload).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringMatching(/a_module_that_does_not_exist/) });
    // as on AWS: init failed before the runtime could claim the task, so no attempt is recorded
    expect(await client.get('py_import')).toMatchObject({ status: 'QUEUED', attempts: 0 });
  });

  it('stops a RUNNING Python task: progress seen, STOPPED, a TaskStopped record', async () => {
    await client.submit({ task: 'py-misbehave', id: 'py_stop', payload: { mode: 'sleep', seconds: 20 } });
    await waitFor(client, 'py_stop', (t) => t.status === 'RUNNING' && t.progress?.percent === 50);
    await client.stop('py_stop');
    const record = await failureRecordFor(platform, 'py_stop', 60_000);
    const task = await waitForTerminal(client, 'py_stop');
    expect(task).toMatchObject({ status: 'STOPPED', error: { type: 'TaskStopped' } });
    expect(task.events.map((e) => e.status)).toEqual(['QUEUED', 'RUNNING', 'STOPPING', 'STOPPED']);
    expect(record.responsePayload).toMatchObject({ errorType: 'TaskStopped' });
  });

  it('keeps serving after all of that', async () => {
    await client.submit({ task: 'py-misbehave', id: 'py_ok_after', payload: { mode: 'ok' } });
    expect(await waitForTerminal(client, 'py_ok_after')).toMatchObject({ status: 'SUCCEEDED' });
  });
});
