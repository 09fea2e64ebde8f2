import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { TaskDestinations } from '../../lib/constructs/task-destinations.js';
import { arnOf, logicalIdOf, newTestStack } from './support.js';

const FOURTEEN_DAYS_SECONDS = 14 * 24 * 60 * 60;

describe('TaskDestinations', () => {
  let template: Template;
  let ids: { success: string; successDlq: string; failure: string };

  beforeAll(() => {
    // Prepare
    const stack = newTestStack();
    // Act
    const destinations = new TaskDestinations(stack, 'Destinations');
    template = Template.fromStack(stack);
    ids = {
      success: logicalIdOf(destinations.successQueue),
      successDlq: logicalIdOf(destinations.successDeadLetterQueue),
      failure: logicalIdOf(destinations.failureQueue),
    };
  });

  it('creates the success queue, its redrive DLQ and the failure queue, without physical names', () => {
    // Assess
    template.resourceCountIs('AWS::SQS::Queue', 3);
    expect(Object.keys(template.findResources('AWS::SQS::Queue')).sort()).toEqual(
      [ids.success, ids.successDlq, ids.failure].sort(),
    );
    for (const queue of Object.values(template.findResources('AWS::SQS::Queue'))) {
      expect(queue['Properties'].QueueName).toBeUndefined();
    }
  });

  it('encrypts every queue with SQS-managed SSE and keeps messages 14 days', () => {
    // Assess
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(3);
    for (const queue of queues) {
      expect(queue['Properties']).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: FOURTEEN_DAYS_SECONDS,
      });
    }
  });

  it('denies non-TLS access to every queue (enforceSSL)', () => {
    // Assess
    for (const queueId of [ids.success, ids.successDlq, ids.failure]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: arnOf(queueId),
            }),
          ]),
        },
      });
    }
  });

  it('redrives unprocessable success records to the success DLQ, not to the failure queue', () => {
    // Assess
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: arnOf(ids.successDlq), maxReceiveCount: 5 },
    });
    const failureQueue = template.findResources('AWS::SQS::Queue')[ids.failure];
    expect(failureQueue?.['Properties'].RedrivePolicy).toBeUndefined();
  });

  it('alarms when at least one failure record is visible in the failure queue', () => {
    // Assess
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.failure, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('honours failureAlarmThreshold, failureAlarmActions, successMaxReceiveCount and retentionPeriod', () => {
    // Prepare
    const stack = newTestStack();
    const topic = new sns.Topic(stack, 'Topic');
    // Act
    new TaskDestinations(stack, 'Destinations', {
      failureAlarmThreshold: 5,
      failureAlarmActions: [new SnsAction(topic)],
      successMaxReceiveCount: 3,
      retentionPeriod: Duration.days(4),
    });
    // Assess
    const custom = Template.fromStack(stack);
    custom.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 5,
      AlarmActions: [{ Ref: logicalIdOf(topic) }],
    });
    custom.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }) });
    for (const queue of Object.values(custom.findResources('AWS::SQS::Queue'))) {
      expect(queue['Properties'].MessageRetentionPeriod).toBe(4 * 24 * 60 * 60);
    }
  });

  it.each([0, -1, 1.5])('rejects failureAlarmThreshold %s', (threshold) => {
    // Prepare
    const stack = newTestStack();
    // Act
    const act = () => new TaskDestinations(stack, 'Destinations', { failureAlarmThreshold: threshold });
    // Assess
    expect(act).toThrow(new RegExp(`failureAlarmThreshold must be an integer >= 1, got ${threshold}`));
  });

  it.each([0, 1001, 2.5])('rejects successMaxReceiveCount %s', (count) => {
    // Prepare
    const stack = newTestStack();
    // Act
    const act = () => new TaskDestinations(stack, 'Destinations', { successMaxReceiveCount: count });
    // Assess
    expect(act).toThrow(new RegExp(`successMaxReceiveCount must be an integer from 1 to 1000, got ${count}`));
  });
});
