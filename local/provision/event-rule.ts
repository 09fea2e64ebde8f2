// AWS::Events::Rule → a timer (rate schedules) or an event pattern matched against the platform's events
// (S3 object events); either way its Lambda targets are invoked.
import { resolve } from '../template.js';
import type { ResourceProvisioner } from './provisioner.js';

export const eventRule: ResourceProvisioner = {
  provision: (id, resource, ctx) => {
    const props = resolve(resource.Properties, ctx.resolve) as { ScheduleExpression?: string; EventPattern?: unknown; State?: string; Targets?: { Arn: string }[] };
    const functionNames = (props.Targets ?? []).map((t) => {
      const name = /:function:([^:]+)/.exec(t.Arn)?.[1];
      if (!name) throw new Error(`rule ${id}: target ${t.Arn} is not a Lambda function; only Lambda targets are served locally`);
      return name;
    });
    if (!props.ScheduleExpression) {
      if (props.State !== 'DISABLED') ctx.out.eventRules.push({ ruleName: id, pattern: props.EventPattern, functionNames });
      return `event pattern → ${functionNames.join(', ')}`;
    }
    const everyMs = rateToMs(id, props.ScheduleExpression);
    if (props.State !== 'DISABLED') {
      ctx.out.schedules.push({ ruleName: id, ruleArn: `arn:aws:events:${ctx.resolve.region}:${ctx.resolve.accountId}:rule/${id}`, everyMs, functionNames });
    }
    return `timer: ${props.ScheduleExpression} → ${functionNames.join(', ')}`;
  },
};

/** `rate(5 minutes)` → 300000. cron() schedules are refused with a clear error: no local cron yet. */
function rateToMs(ruleId: string, expression: string): number {
  const match = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) throw new Error(`rule ${ruleId}: schedule ${expression} is not served locally (only rate(N minutes|hours|days))`);
  const unit = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 }[match[2] as 'minute'];
  return Number(match[1]) * unit;
}
