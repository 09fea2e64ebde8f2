import { describe, expect, it } from 'vitest';
import { INERT_TYPES, PROVISIONERS } from '../../../local/provision/by-type.js';
import { provisionStack } from '../../../local/provisioner.js';
import type { CfnTemplate } from '../../../local/template.js';

// Resources that need no server: the provisioners run without clients.
const noServers = { dynamodb: undefined, sqs: undefined, s3: undefined } as never;

describe('the table of resource types', () => {
  it('names one provisioner per type, the inert ones among them', () => {
    expect(PROVISIONERS.get('AWS::DynamoDB::Table')?.inert).toBeUndefined();
    expect(INERT_TYPES.has('AWS::IAM::Role')).toBe(true);
    expect([...INERT_TYPES].every((type) => PROVISIONERS.get(type)?.inert === true)).toBe(true);
  });

  it('lists every resource in template order with what serves it, a disabled Kafka mapping included (not run)', async () => {
    const template: CfnTemplate = {
      Resources: {
        Cluster: { Type: 'AWS::MSK::ServerlessCluster' },
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { FunctionName: 'Operator', EventSourceArn: { 'Fn::GetAtt': ['Cluster', 'Arn'] }, Topics: ['t'], Enabled: false },
        },
        Role: { Type: 'AWS::IAM::Role' },
        Nightly: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 day)', State: 'DISABLED', Targets: [] } },
      },
      Outputs: { RoleArn: { Value: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
    };

    const provisioned = await provisionStack({ template, cdkOut: '', clients: noServers });

    expect(provisioned.resources).toEqual([
      { logicalId: 'Cluster', type: 'AWS::MSK::ServerlessCluster', servedBy: 'Apache Kafka broker (KRaft, one node) on loopback' },
      { logicalId: 'Mapping', type: 'AWS::Lambda::EventSourceMapping', servedBy: 'disabled (Enabled: false): not run' },
      { logicalId: 'Role', type: 'AWS::IAM::Role', servedBy: 'inert locally' },
      { logicalId: 'Nightly', type: 'AWS::Events::Rule', servedBy: 'timer: rate(1 day) → ' },
    ]);
    expect(provisioned.kafkaMappings).toEqual([]);
    expect(provisioned.schedules).toEqual([]);
    expect(provisioned.outputs.RoleArn).toBe('arn:aws:iam:us-east-1:000000000000:Role');
  });
});
