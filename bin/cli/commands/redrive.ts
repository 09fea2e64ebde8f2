import { parseDlqRecord, redriveDeadLetters, type DlqEntry, type RedriveReport } from '../../../functions/core/dead-letter.js';
import { InvalidTransitionError } from '../../../functions/core/errors.js';
import { STACK_OUTPUTS } from '../../../functions/core/facts.js';
import type { CommandContext } from '../context.js';
import { errorMessage, UsageError } from '../errors.js';
import { retryConflict } from './retry.js';
import { streamRecordOf } from '../../../functions/stream/dlq-record.js';
import { replayToTopic } from './redrive-stream.js';
import { streamsTarget } from '../streams-target.js';
import type { Services, TargetOptions } from '../target.js';

export { parseDlqRecord, type DlqEntry, type RedriveReport };

export interface RedriveOptions {
  readonly dlq?: boolean;
  readonly function?: string;
}

/**
 * Redrives the dead-letter queue of the target (functions/core/dead-letter.ts): `stask redrive --dlq` and the
 * console. A stream operator's record goes back to its source topic, where the fixed operator gets it anew.
 */
export function redriveDlq(services: Services, target: TargetOptions, options: { readonly function?: string; readonly startedAt: number }): Promise<RedriveReport> {
  return redriveDeadLetters({
    sqs: services.sqs(),
    queueUrl: services.output(STACK_OUTPUTS.failureQueueUrl),
    retry: (taskId) => services.client.retry(taskId),
    ...(options.function !== undefined ? { function: options.function } : {}),
    startedAt: options.startedAt,
    foreign: (body) => {
      const record = streamRecordOf(body);
      if (!record) return undefined;
      return {
        key: record.recordKey,
        ...(record.function !== undefined ? { function: record.function } : {}),
        redrive: async () => replayToTopic((await streamsTarget(target)).bootstrap, record),
      };
    },
    explain: (taskId, error) => errorMessage(error instanceof InvalidTransitionError ? retryConflict(taskId, error) : error),
  });
}

/** `stask redrive --dlq [--function F]`: redrives the dead-letter queue and prints the report. */
export async function redrive(ctx: CommandContext, options: RedriveOptions): Promise<void> {
  if (!options.dlq) throw new UsageError('redrive needs a source: --dlq (the failure destination queue)');
  const services = await ctx.services();
  const report = await redriveDlq(services, ctx.options, {
    ...(options.function !== undefined ? { function: options.function } : {}),
    startedAt: ctx.io.now().getTime(),
  });

  if (ctx.options.json) return ctx.printJson(report);
  const lines = [
    `redriven ${report.redriven.length}, skipped ${report.skipped.length}`,
    ...report.redriven.map((taskId) => `  redriven ${taskId}`),
    ...report.skipped.map((s) => `  skipped ${s.taskId ?? '(unknown task)'}: ${s.reason}`),
  ];
  ctx.print(`${lines.join('\n')}\n`);
}
