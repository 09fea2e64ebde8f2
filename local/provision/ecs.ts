// AWS::ECS::Cluster → child processes on this machine; AWS::ECS::TaskDefinition → the containers' environment
// and the local command (LOCAL_COMMAND_METADATA) the local RunTask starts.
import { LOCAL_COMMAND_METADATA, parseLocalCommand } from '../../functions/core/facts.js';
import { describeLocalCommand } from '../ecs/local-command.js';
import { resolve } from '../template.js';
import type { ResourceProvisioner } from './provisioner.js';

export const ecsCluster: ResourceProvisioner = {
  create: (id, _resource, ctx) => ({ ref: id, attributes: { Arn: `arn:aws:ecs:${ctx.resolve.region}:${ctx.resolve.accountId}:cluster/${id}` } }),
  provision: () => 'child processes on this machine',
};

export const ecsTaskDefinition: ResourceProvisioner = {
  create: (id, resource, ctx) => {
    const family = typeof resource.Properties?.Family === 'string' ? resource.Properties.Family : id;
    const arn = `arn:aws:ecs:${ctx.resolve.region}:${ctx.resolve.accountId}:task-definition/${family}:1`;
    return { ref: arn, attributes: { TaskDefinitionArn: arn } };
  },
  provision: (id, resource, ctx) => {
    const props = resolve({ ContainerDefinitions: resource.Properties?.ContainerDefinitions }, ctx.resolve) as {
      ContainerDefinitions?: { Name: string; Environment?: { Name: string; Value: string }[]; LogConfiguration?: { Options?: Record<string, string> } }[];
    };
    const command = parseLocalCommand(resource.Metadata?.[LOCAL_COMMAND_METADATA], `task definition ${id}`);
    const ref = ctx.resolve.resources.get(id)?.ref;
    ctx.out.taskDefinitions.push({
      arn: ref ?? id,
      family: ref?.split('/').pop()?.replace(/:\d+$/, '') ?? id,
      containers: (props.ContainerDefinitions ?? []).map((c) => ({
        name: c.Name,
        environment: Object.fromEntries((c.Environment ?? []).map((kv) => [kv.Name, kv.Value])),
        localCommand: command,
        ...(c.LogConfiguration?.Options?.['awslogs-group'] ? { logGroupName: c.LogConfiguration.Options['awslogs-group'] } : {}),
        ...(c.LogConfiguration?.Options?.['awslogs-stream-prefix'] ? { streamPrefix: c.LogConfiguration.Options['awslogs-stream-prefix'] } : {}),
      })),
    });
    return describeLocalCommand(command);
  },
};
