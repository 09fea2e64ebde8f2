// AWS::Logs::LogGroup → a log group of the local log store (served by FilterLogEvents).
import type { ResourceProvisioner } from './provisioner.js';

export const logGroup: ResourceProvisioner = {
  create: (id, resource, ctx) => {
    const name = typeof resource.Properties?.LogGroupName === 'string' ? resource.Properties.LogGroupName : id;
    ctx.out.logGroups.push(name);
    return { ref: name, attributes: { Arn: `arn:aws:logs:${ctx.resolve.region}:${ctx.resolve.accountId}:log-group:${name}:*` } };
  },
  provision: () => 'local log store (FilterLogEvents)',
};
