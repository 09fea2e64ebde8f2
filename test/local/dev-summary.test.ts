import { describe, expect, it } from 'vitest';
import { resourceSummary } from '../../local/dev-platform.js';

describe('stask dev start-up output', () => {
  it('sums up the resources in one line: served by service, inert by service', () => {
    // Prepare
    const resources = [
      { logicalId: 'T', type: 'AWS::DynamoDB::Table', servedBy: 'dynalite table' },
      { logicalId: 'Q1', type: 'AWS::SQS::Queue', servedBy: 'local-aws-sqs queue (journaled)' },
      { logicalId: 'Q2', type: 'AWS::SQS::Queue', servedBy: 'local-aws-sqs queue (journaled)' },
      { logicalId: 'R', type: 'AWS::IAM::Role', servedBy: 'inert locally' },
      { logicalId: 'P', type: 'AWS::IAM::Policy', servedBy: 'inert locally' },
      { logicalId: 'V', type: 'AWS::EC2::VPC', servedBy: 'inert locally' },
    ];

    // Act
    const line = resourceSummary({ resources });

    // Assess
    expect(line).toBe('6 resources from the template: 3 served here (SQS 2, DynamoDB 1), 3 inert (IAM 2, EC2 1); --verbose lists each');
    expect(line).not.toContain('\n');
  });
});
