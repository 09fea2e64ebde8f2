// The embedded servers for the Python runtime's pytest suite (python/tests/conftest.py): dynalite and
// s3rver (and local-aws-sqs, for the stream operator's sink and DLQ) on ephemeral loopback ports, a task table with the deployed schema and a payload bucket.
// Prints one JSON line with the endpoints, then serves until stdin closes (the test session ends).
import { startDynalite, startS3, startSqs, createTaskTable } from './embedded-servers.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/servers.js';

const [dynamo, s3, sqs] = await Promise.all([startDynalite(), startS3(), startSqs()]);
const table = await createTaskTable(dynamo);
const bucket = await s3.createBucket('payloads');
process.stdout.write(
  `${JSON.stringify({
    table,
    bucket,
    env: {
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    },
  })}\n`,
);
let stopping: Promise<void> | undefined;
const stop = (): Promise<void> =>
  (stopping ??= Promise.all([dynamo.close(), s3.close(), sqs.close()]).then(() => process.exit(0)));
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
