import { lagOf } from '../../../local/kafka/lag.js';
import type { CommandContext } from '../context.js';
import { streamsTarget, type StreamsTarget } from '../streams-target.js';
import type { TaskRegistry } from '../../../functions/core/registry.js';

interface BatchResult { recordsIn?: number; recordsOut?: number; recordsFailed?: number; duplicatesSkipped?: number }

/** Each mapping's topic, group, lag per partition, last batch and failed records (`stask streams` and the console). */
export async function streamRows(target: StreamsTarget, registry: TaskRegistry) {
  const rows = [];
  for (const s of target.streams) {
    const lag = await lagOf(target.bootstrap, s.groupId, s.topic);
    const recent = await registry.list({ function: s.functionName, limit: 100 });
    const last = recent.tasks[0];
    const failedRecords = recent.tasks.reduce((n, t) => n + ((t.result as BatchResult | undefined)?.recordsFailed ?? 0), 0);
    rows.push({
      mapping: s.id,
      function: s.functionName,
      topic: s.topic,
      group: s.groupId,
      lag,
      lastBatch: last ? { taskId: last.taskId, status: last.status, at: last.updatedAt, ...(last.result as BatchResult | undefined) } : null,
      failedRecords,
      batches: recent.tasks.length,
    });
  }
  return rows;
}

/** `stask streams`: each mapping's topic, group, lag per partition, last batch and failed records. */
export async function streams(ctx: CommandContext): Promise<void> {
  const target = await streamsTarget(ctx.options);
  const { registry } = await ctx.services();
  const rows = await streamRows(target, registry);
  if (ctx.options.json) return ctx.printJson({ streams: rows });
  for (const r of rows) {
    const lag = Object.entries(r.lag).map(([tp, n]) => `${tp}=${n}`).join(' ');
    ctx.print(`${r.function}  topic ${r.topic}  group ${r.group}\n`);
    ctx.print(`  lag        ${lag || '(no partitions)'}\n`);
    ctx.print(`  last batch ${r.lastBatch ? `${r.lastBatch.taskId} ${r.lastBatch.status} in=${r.lastBatch.recordsIn ?? 0} out=${r.lastBatch.recordsOut ?? 0} failed=${r.lastBatch.recordsFailed ?? 0} skipped=${r.lastBatch.duplicatesSkipped ?? 0}` : '(none yet)'}\n`);
    ctx.print(`  failed records in the last ${r.batches} batch(es): ${r.failedRecords}\n`);
  }
}
