import type { TaskClient } from '../../functions/core/task-client.js';
import type { TaskRecord } from '../../functions/core/task-record.js';
import { isTerminal } from '../../functions/core/task-record.js';

/** Polls the task until it reaches a terminal status (bounded: the work, not the clock, decides the outcome). */
export async function waitForTerminal(client: TaskClient, taskId: string, limitMs = 60_000): Promise<TaskRecord> {
  return waitFor(client, taskId, (t) => isTerminal(t.status), limitMs);
}

export async function waitFor(client: TaskClient, taskId: string, done: (t: TaskRecord) => boolean, limitMs = 60_000): Promise<TaskRecord> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const task = await client.get(taskId).catch(() => undefined);
    if (task && done(task)) return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId} did not reach the expected state in ${limitMs} ms (last: ${task?.status ?? 'missing'})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
