import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLocalCommand, type PythonLocalCommand } from '../../functions/core/facts.js';
import { describeLocalCommand } from '../../local/ecs/local-command.js';
import { ProcessTaskRunner } from '../../local/ecs/process-task-runner.js';

// A task definition whose stask:local-command names a Python module: it runs in a venv of its pinned
// requirements (host wheels, cached), its whole process tree goes with a stop.
const COMMAND: PythonLocalCommand = {
  python: {
    runtime: 'python3.14',
    module: 'python_sleeper',
    args: ['--flag'],
    requirements: ['test/local/fixtures/python-container/requirements.txt', 'python/stask_runtime/requirements.txt'],
    path: ['test/local/fixtures/python-container'],
  },
};

function runningWith(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function runner(lines: string[], platformLines: string[] = []): ProcessTaskRunner {
  return new ProcessTaskRunner({
    taskDefinitions: [{ arn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/pyjob:1', family: 'pyjob', containers: [{ name: 'job', environment: {}, localCommand: COMMAND, logGroupName: 'g' }] }],
    root: process.cwd(),
    scratchDir: join(tmpdir(), `ecs-py-runner-test-${process.pid}`),
    env: () => ({ AWS_REGION: 'us-east-1' }),
    onLine: (_group, _stream, line) => lines.push(line),
    region: 'us-east-1',
    accountId: '000000000000',
    stopTimeoutSeconds: 1,
    log: (line) => platformLines.push(line),
  });
}

describe('local ECS RunTask of a Python module', { timeout: 120_000 }, () => {
  it('runs it in the cached venv with its arguments, says which interpreter, and reports the exit code', async () => {
    const lines: string[] = [];
    const platformLines: string[] = [];
    const marker = `py-exit-${process.pid}-${Date.now()}`;

    const outcome = await runner(lines, platformLines).run(
      { TaskDefinition: 'pyjob', Overrides: { ContainerOverrides: [{ Environment: [{ Name: 'TASK_ID', Value: 'job_8' }, { Name: 'EXIT_CODE', Value: '4' }, { Name: 'SLEEPER_MARKER', Value: marker }] }] } },
      new AbortController().signal,
    );

    expect(outcome.exitCode).toBe(4);
    expect(lines.join('\n')).toMatch(/python container started with TASK_ID=job_8 args=\['--flag'\] prefix=.*\.cache\/python\/venv-py3\.\d+-[0-9a-f]{16}/);
    expect(platformLines.join('\n')).toMatch(/python3\.14: (matching|closest available) interpreter .* \(Python 3\.\d+\.\d+\)/);
    expect(runningWith(marker)).toEqual([]);
  });

  it('stops the whole process tree when the execution is stopped', async () => {
    const marker = `py-stop-${process.pid}-${Date.now()}`;
    const controller = new AbortController();
    const run = runner([]).run({ TaskDefinition: 'pyjob', Overrides: { ContainerOverrides: [{ Environment: [{ Name: 'SLEEPER_MARKER', Value: marker }] }] } }, controller.signal);
    for (let i = 0; i < 300 && runningWith(marker).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runningWith(marker).length).toBeGreaterThan(0);

    controller.abort();
    const outcome = await run;

    expect(outcome.stoppedReason).toBe('Task stopped by user');
    expect([143, 137]).toContain(outcome.exitCode);
    expect(runningWith(marker)).toEqual([]);
  });
});

describe('the stask:local-command metadata', () => {
  it('keeps node commands, reads Python modules, and says how each runs', () => {
    expect(parseLocalCommand(['functions/long/transcoder/worker.ts'], 'td')).toEqual(['functions/long/transcoder/worker.ts']);
    expect(parseLocalCommand(undefined, 'td')).toEqual([]);
    expect(parseLocalCommand(COMMAND, 'td')).toEqual(COMMAND);
    expect(describeLocalCommand(COMMAND)).toBe(
      'child process: python -m python_sleeper --flag in a venv of test/local/fixtures/python-container/requirements.txt + python/stask_runtime/requirements.txt',
    );
    expect(describeLocalCommand(['w.ts'])).toBe('child process: node w.ts');
  });

  it('refuses malformed metadata, naming the task definition', () => {
    expect(() => parseLocalCommand({ python: { module: 'm' } }, 'task definition TD')).toThrow(/^task definition TD: stask:local-command metadata is malformed/);
    expect(() => parseLocalCommand('worker.ts', 'task definition TD')).toThrow(/malformed/);
  });
});
