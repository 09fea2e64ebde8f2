// Where a task's payload schema is published: the stack output `PayloadSchema<Task>` (STACK_OUTPUTS.payloadSchema),
// the JSON Schema as its value. Why an output: the submitting client reads the stack's outputs already (the CLI
// with DescribeStacks on AWS; the embedded platform resolves the same outputs from cdk.out into endpoints.json),
// so the schema reaches it with no other call, permission or service — an SSM parameter would need a local SSM
// and ssm:GetParameter for every submitter; a registry item would need a deploy-time custom resource that the
// embedded platform would have to emulate. The cost is size: an output value is a string in the stack's
// description, so a schema is kept to MAX_PAYLOAD_SCHEMA_CHARS (the 4 KB CloudFormation allows a parameter value
// or a custom resource's data) and a larger one is refused at synth; a task needing more validates in its handler.
import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { STACK_OUTPUTS } from '../../functions/core/facts.js';
import { PayloadSchemas, type PayloadJsonSchema } from '../../functions/core/payload-schema.js';

/** The largest published schema, minified JSON. */
export const MAX_PAYLOAD_SCHEMA_CHARS = 4096;

/** Publishes `schema` as the stack output PayloadSchema<Task>; throws at synth when it is invalid or too large. */
export function publishPayloadSchema(scope: Construct, taskName: string, schema: PayloadJsonSchema): CfnOutput {
  const value = JSON.stringify(schema);
  if (value.length > MAX_PAYLOAD_SCHEMA_CHARS) {
    throw new Error(
      `the payload schema of task '${taskName}' is ${value.length} characters of JSON; a stack output carries at most ${MAX_PAYLOAD_SCHEMA_CHARS}: ` +
        'simplify it (descriptions, examples) or leave the rest to the handler',
    );
  }
  new PayloadSchemas({ [taskName]: schema }); // compiles it: an invalid JSON Schema fails the synth, not a submit
  const output = new CfnOutput(scope, 'PayloadSchema', {
    value,
    description: `JSON Schema of the ${taskName} task's payload, checked at submit by the TaskClient (stask invoke)`,
  });
  output.overrideLogicalId(STACK_OUTPUTS.payloadSchema(taskName));
  return output;
}
