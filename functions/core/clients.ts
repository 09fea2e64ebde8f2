// The module-scope SDK clients of the Lambda handlers, each built once per execution environment (reused across
// warm invocations) and traced by Powertools Tracer (a subsegment per AWS call when active tracing is on; a
// no-op elsewhere). Plain functions, not an object: a bundle carries only the clients its handler uses.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** The handlers' tracer (service name from POWERTOOLS_SERVICE_NAME, set by the TaskFunction construct). */
export const tracer = new Tracer();

let dynamo: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let sqs: SQSClient | undefined;
let sfn: SFNClient | undefined;
let lambda: LambdaClient | undefined;

/** DynamoDB through the document client (undefined attributes removed, as the registry writes them). */
export function dynamoDocument(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}

export function s3Client(): S3Client {
  s3 ??= tracer.captureAWSv3Client(new S3Client({}));
  return s3;
}

export function sqsClient(): SQSClient {
  sqs ??= tracer.captureAWSv3Client(new SQSClient({}));
  return sqs;
}

export function sfnClient(): SFNClient {
  sfn ??= tracer.captureAWSv3Client(new SFNClient({}));
  return sfn;
}

export function lambdaClient(): LambdaClient {
  lambda ??= tracer.captureAWSv3Client(new LambdaClient({}));
  return lambda;
}
