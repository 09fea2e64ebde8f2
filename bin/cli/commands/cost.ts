import { alwaysOnCost, costPerFunctionDay, sizedIntervals, taskCost, type TaskCost } from '../../../functions/core/cost-model.js';
import { DEFAULTS } from '../../../functions/core/facts.js';
import { PRICES } from '../../../functions/core/prices.js';
import type { TaskClient } from '../../../functions/core/task-client.js';
import type { TaskRecord, TaskStatus } from '../../../functions/core/task-record.js';
import type { CommandContext } from '../context.js';
import { renderTable } from '../format.js';
import { parseTime } from '../parse.js';

export interface CostOptions {
  readonly since?: string;
  readonly function?: string;
}

/** The statuses of tasks that ran and ended (EXPIRED never ran). */
const FINISHED: readonly TaskStatus[] = ['SUCCEEDED', 'FAILED', 'STOPPED'];

/** Every finished task created since `since`: the registry's status index, page by page (never a scan). */
async function finishedTasks(client: TaskClient, since: string, fn: string | undefined): Promise<TaskRecord[]> {
  const tasks: TaskRecord[] = [];
  for (const status of FINISHED) {
    let nextToken: string | undefined;
    do {
      const page = await client.list({ status, since, limit: 1000, ...(fn !== undefined ? { function: fn } : {}), ...(nextToken ? { nextToken } : {}) });
      tasks.push(...page.tasks);
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return tasks;
}

const usd = (n: number): string => `$${n < 0.01 ? n.toPrecision(3) : n.toFixed(2)}`;

/** `stask cost [--since 7d] [--function F]`: cost per task and per function per day, and an always-on cluster beside it. */
export async function cost(ctx: CommandContext, options: CostOptions): Promise<void> {
  const now = ctx.io.now();
  const since = parseTime(options.since ?? '7d', now, '--since');
  const { client } = await ctx.services();
  const tasks = await finishedTasks(client, since, options.function);
  const costs = tasks.map((t) => taskCost(t, PRICES, { heartbeatSeconds: DEFAULTS.heartbeatSeconds })).filter((c): c is TaskCost => c !== undefined);
  const unrecorded = tasks.filter((t) => !t.usage).map((t) => t.taskId);
  const hours = (now.getTime() - Date.parse(since)) / 3_600_000;
  const alwaysOn = alwaysOnCost(tasks.flatMap(sizedIntervals), hours, PRICES);
  const total = costs.reduce((sum, c) => sum + c.cost.total, 0);
  const report = {
    window: { since, until: now.toISOString(), hours },
    prices: { region: PRICES.region, asOf: PRICES.asOf },
    tasks: costs,
    perFunctionDay: costPerFunctionDay(costs),
    total,
    alwaysOn,
    ratio: total > 0 ? alwaysOn.cost / total : null,
    unrecorded,
  };
  if (ctx.options.json) return ctx.printJson(report);
  const rows = costs.map((c) => [c.taskId, c.function, c.status, String(c.attempts), `${c.durationSeconds.toFixed(1)} s`, `${c.usage.compute} ${c.usage.vcpu} vCPU ${c.usage.memoryMb} MB`, usd(c.cost.total)]);
  ctx.print(renderTable(['TASK', 'FUNCTION', 'STATUS', 'ATTEMPTS', 'DURATION', 'RAN ON', 'COST'], rows));
  ctx.print('\n' + renderTable(['DAY', 'FUNCTION', 'TASKS', 'COST'], report.perFunctionDay.map((d) => [d.day, d.function, String(d.tasks), usd(d.total)])));
  ctx.print(
    `\nTotal ${usd(total)} for ${costs.length} tasks since ${since} (prices: ${PRICES.region}, as of ${PRICES.asOf}).\n` +
      `Always-on: ${usd(alwaysOn.cost)} for ${hours.toFixed(1)} h at the peak of ${alwaysOn.peak.concurrency} concurrent tasks ` +
      `(${alwaysOn.peak.vcpu} vCPU, ${alwaysOn.peak.memoryGb} GB)${report.ratio !== null ? `, ${report.ratio.toFixed(1)}× this stack` : ''}.\n` +
      `  Assumes ${alwaysOn.assumption}.\n` +
      (unrecorded.length ? `${unrecorded.length} finished tasks recorded no usage (they never started, or ended before usage was recorded): not counted.\n` : ''),
  );
}
