// AWS::StepFunctions::StateMachine → its definition, resolved to local ARNs, on the local Step Functions engine.
import { resolve } from '../template.js';
import type { ResourceProvisioner } from './provisioner.js';

export const stateMachine: ResourceProvisioner = {
  create: (id, resource, ctx) => {
    const name = typeof resource.Properties?.StateMachineName === 'string' ? resource.Properties.StateMachineName : id;
    const arn = `arn:aws:states:${ctx.resolve.region}:${ctx.resolve.accountId}:stateMachine:${name}`;
    return { ref: arn, attributes: { Arn: arn, Name: name } };
  },
  provision: (id, resource, ctx) => {
    const props = resolve({ DefinitionString: resource.Properties?.DefinitionString, Definition: resource.Properties?.Definition }, ctx.resolve) as {
      DefinitionString?: string;
      Definition?: unknown;
    };
    const definition = props.DefinitionString ?? (props.Definition ? JSON.stringify(props.Definition) : undefined);
    if (!definition) throw new Error(`state machine ${id} has no definition (DefinitionS3Location is not served locally)`);
    ctx.out.stateMachines.push({ name: ctx.resolve.resources.get(id)?.attributes.Name ?? id, definition });
    return 'local Step Functions (aws-local-stepfunctions)';
  },
};
