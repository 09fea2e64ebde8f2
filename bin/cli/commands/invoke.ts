import { validateTaskId } from '../../../functions/core/task-id.js';
import type { TaskRecord } from '../../../functions/core/task-record.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../errors.js';
import { formatTask } from '../format.js';
import { readPayload } from '../parse.js';
import { progressDisplay, waitForTerminal } from '../wait.js';

export interface InvokeOptions {
  readonly id?: string;
  readonly payload?: string;
  readonly payloadFile?: string;
  readonly wait?: boolean;
}

/** `stask invoke FUNCTION [--id ID] [--payload JSON | --payload-file F] [--wait]` */
export async function invoke(ctx: CommandContext, taskName: string, options: InvokeOptions): Promise<void> {
  // Input errors (exit 2) come before the target is looked for.
  if (options.id !== undefined) validateTaskId(options.id);
  const payload = await readPayload(options);
  const { client } = await ctx.services();

  const submitted = await client.submit({ task: taskName, payload, ...(options.id !== undefined ? { id: options.id } : {}) });
  let task: TaskRecord = submitted.task;
  if (options.wait) {
    const display = progressDisplay(ctx.io.stderr);
    try {
      task = await waitForTerminal(() => client.get(task.taskId), {
        sleep: ctx.io.sleep,
        onUpdate: (t) => display.update(t),
      });
    } finally {
      display.done();
    }
    if (task.status !== 'SUCCEEDED') {
      ctx.exitCode = EXIT.failure;
      ctx.io.stderr.write(`stask: task ${task.taskId} ended ${task.status}${task.error ? `: ${task.error.type}: ${task.error.message}` : ''}\n`);
    }
  }

  if (ctx.options.json) return ctx.printJson({ task, deduplicated: submitted.deduplicated, ...(submitted.redispatched ? { redispatched: true } : {}) });
  const head = submitted.redispatched
    ? `Deduplicated: task ${task.taskId} already exists with the same payload, but its submission had stopped before starting it; started it now.`
    : submitted.deduplicated
      ? `Deduplicated: task ${task.taskId} already exists with the same payload; nothing new was started.`
      : `Submitted task ${task.taskId}.`;
  ctx.print(`${head}\n\n${formatTask(task)}`);
}
