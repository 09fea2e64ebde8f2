// `invoke --wait`: poll the task until it ends, drawing its progress on stderr.
import { isTerminal, type TaskRecord } from '../../functions/core/task-record.js';
import type { OutputStream } from './context.js';
import { progressLine } from './format.js';

export interface WaitOptions {
  /** @default 500 */
  readonly intervalMs?: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onUpdate?: (task: TaskRecord) => void;
}

/** Reads the task until its status is terminal (SUCCEEDED, FAILED, STOPPED, EXPIRED); returns the last read. */
export async function waitForTerminal(get: () => Promise<TaskRecord>, options: WaitOptions): Promise<TaskRecord> {
  for (;;) {
    const task = await get();
    options.onUpdate?.(task);
    if (isTerminal(task.status)) return task;
    await options.sleep(options.intervalMs ?? 500);
  }
}

export interface ProgressDisplay {
  update(task: Pick<TaskRecord, 'status' | 'progress'>): void;
  /** Ends the display (the line a terminal redraws gets its newline). */
  done(): void;
}

/**
 * On a terminal, one line redrawn in place; otherwise (a pipe, a log file) a new line each time the
 * status, percent or message changes, so that logs are not flooded with carriage returns.
 */
export function progressDisplay(stream: OutputStream): ProgressDisplay {
  let last: string | undefined;
  return {
    update(task) {
      const line = progressLine(task);
      if (line === last) return;
      last = line;
      stream.write(stream.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    done() {
      if (stream.isTTY && last !== undefined) stream.write('\n');
    },
  };
}
