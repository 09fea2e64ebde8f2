import { parseDlqRecord, redriveDeadLetters, type DlqEntry, type RedriveReport } from '../../../functions/core/dead-letter.js';
import { InvalidTransitionError } from '../../../functions/core/errors.js';
import { STACK_OUTPUTS } from '../../../functions/core/facts.js';
import type { CommandContext } from '../context.js';
import { errorMessage, UsageError } from '../errors.js';
import { retryConflict } from './retry.js';

export { parseDlqRecord, type DlqEntry, type RedriveReport };

export interface RedriveOptions {
  readonly dlq?: boolean;
  readonly function?: string;
}

/** `stask redrive --dlq [--function F]`: redrives the dead-letter queue (functions/core/dead-letter.ts) and prints the report. */
export async function redrive(ctx: CommandContext, options: RedriveOptions): Promise<void> {
  if (!options.dlq) throw new UsageError('redrive needs a source: --dlq (the failure destination queue)');
  const services = await ctx.services();
  const report = await redriveDeadLetters({
    sqs: services.sqs(),
    queueUrl: services.output(STACK_OUTPUTS.failureQueueUrl),
    retry: (taskId) => services.client.retry(taskId),
    ...(options.function !== undefined ? { function: options.function } : {}),
    startedAt: ctx.io.now().getTime(),
    explain: (taskId, error) => errorMessage(error instanceof InvalidTransitionError ? retryConflict(taskId, error) : error),
  });

  if (ctx.options.json) return ctx.printJson(report);
  const lines = [
    `redriven ${report.redriven.length}, skipped ${report.skipped.length}`,
    ...report.redriven.map((taskId) => `  redriven ${taskId}`),
    ...report.skipped.map((s) => `  skipped ${s.taskId ?? '(unknown task)'}: ${s.reason}`),
  ];
  ctx.print(`${lines.join('\n')}\n`);
}
