// The Python runtime emits the TypeScript runtime's metric names (functions/core/facts.ts METRICS owns them):
// the dashboard and the alarms read one set of names for tasks of both languages.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../../functions/core/facts.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('Python task metrics', () => {
  it('are named as facts.ts METRICS names the task runtime’s', () => {
    const out = execFileSync(join(ROOT, 'python', '.venv', 'bin', 'python'), ['-c', 'import json; from stask_runtime.metrics import NAMES; print(json.dumps(NAMES))'], {
      cwd: join(ROOT, 'python'),
      encoding: 'utf8',
    });
    const python = JSON.parse(out) as Record<string, string>;
    const { sweeperResolvedTasks: _resolved, sweeperRedispatchedTasks: _redispatched, ...taskRuntime } = METRICS;
    expect(python).toEqual(taskRuntime);
  });
});
