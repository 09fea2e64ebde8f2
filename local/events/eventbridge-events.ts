import { randomUUID } from 'node:crypto';
import type { S3ObjectEvent } from '../servers.js';
import type { ExecutionRecord } from '../stepfunctions/store.js';

/** EventBridge's envelope, as every event a rule delivers to a target carries it. */
function envelope(source: string, detailType: string, resources: string[], detail: unknown, account: string, region: string): Record<string, unknown> {
  return { version: '0', id: randomUUID(), 'detail-type': detailType, source, account, time: new Date().toISOString(), region, resources, detail };
}

/** The event a schedule rule (`rate(...)`) delivers. */
export function scheduledEvent(ruleArn: string, account: string, region: string): Record<string, unknown> {
  return envelope('aws.events', 'Scheduled Event', [ruleArn], {}, account, region);
}

/** S3's "Object Created" event as EventBridge delivers it (the object key is not URL-encoded there). */
export function s3ObjectCreatedEvent(record: S3ObjectEvent, account: string, region: string): Record<string, unknown> {
  const { bucket, object } = record.s3;
  return envelope('aws.s3', 'Object Created', [`arn:aws:s3:::${bucket.name}`], {
    version: '0',
    bucket: { name: bucket.name },
    object: {
      key: object.key,
      size: object.size ?? 0,
      ...(object.eTag ? { etag: object.eTag } : {}),
      sequencer: object.sequencer ?? Date.now().toString(16).toUpperCase(),
    },
    'request-id': randomUUID(),
    requester: account,
    'source-ip-address': '127.0.0.1',
    reason: 'PutObject',
  }, account, region);
}

/** Step Functions' "Execution Status Change" event of an execution (dates in epoch milliseconds, as AWS's). */
export function executionStatusChangeEvent(record: ExecutionRecord, account: string, region: string): Record<string, unknown> {
  return envelope('aws.states', 'Step Functions Execution Status Change', [record.executionArn], {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: record.startDate,
    stopDate: record.stopDate ?? null,
    input: record.input,
    inputDetails: { included: true },
    output: record.output ?? null,
    outputDetails: record.output === undefined ? null : { included: true },
    error: record.error ?? null,
    cause: record.cause ?? null,
    redriveCount: record.redriveCount,
  }, account, region);
}
