import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Helpers for cdk-nag v3 acknowledgements (`Validations.of(construct).acknowledge`).
 *
 * cdk-nag v3 reports each IAM5 wildcard as its own finding, `AwsSolutions-IAM5[Resource::<...>]` or
 * `AwsSolutions-IAM5[Action::...]`, and only an acknowledgement with exactly that ID silences it.
 * The resource part is the CloudFormation reference flattened the way cdk-nag flattens it
 * (`{"Fn::GetAtt":["Id","Arn"]}` -> `<Id.Arn>`, `{"Ref":"Id"}` -> `<Id>`, `Fn::Join` -> joined parts),
 * so the IDs are computed from the granted resource's token instead of being hard-coded logical IDs.
 */

/** Acknowledge one cdk-nag rule (or one finding of it) on `scope` and everything below it. */
export function acknowledgeNag(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** `AwsSolutions-IAM5[Resource::<flattened arn><suffix>]` for a grant on `arn` (a token or a literal). */
export function iam5ResourceFinding(scope: IConstruct, arn: string, suffix = ''): string {
  return `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(arn))}${suffix}]`;
}

/** `AwsSolutions-IAM5[Action::<action>]` for a wildcard action a grant*() method adds. */
export function iam5ActionFinding(action: string): string {
  return `AwsSolutions-IAM5[Action::${action}]`;
}

function flattenReference(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object') {
    const record = node as Record<string, unknown>;
    const join = record['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, parts] = join as [string, unknown[]];
      return parts.map(flattenReference).join(delimiter);
    }
    if ('Fn::Sub' in record) return flattenReference(record['Fn::Sub']);
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flattenReference(getAtt[0])}.${flattenReference(getAtt[1])}>`;
    if ('Fn::ImportValue' in record) return flattenReference(record['Fn::ImportValue']);
    if ('Ref' in record) return `<${flattenReference(record['Ref'])}>`;
  }
  return JSON.stringify(node);
}
