import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../bin/cli/errors.js';
import { useTempDirs } from './temp-dirs.js';
import { connect, embeddedTarget, isProcessAlive, parseTaskFunctions, readEndpointsFile, type Target } from '../../bin/cli/target.js';

const tempDir = useTempDirs();

const ENDPOINTS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  endpoints: { dynamodb: 'http://127.0.0.1:4001', s3: 'http://127.0.0.1:4003' },
  outputs: {
    TaskTableName: 'Tasks',
    PayloadBucketName: 'payloads',
    TaskFunctions: JSON.stringify({ 'analyze-slow-queries': { functionName: 'AnalyzeFn', logGroupName: '/aws/lambda/AnalyzeFn', maxAttempts: 3 } }),
  },
  pid: process.pid,
};

async function dataDirWith(content: unknown): Promise<string> {
  const dir = await tempDir('stask-target-');
  await writeFile(join(dir, 'endpoints.json'), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

describe('readEndpointsFile', () => {
  it('is undefined when the data directory has none', async () => {
    const dir = await tempDir('stask-target-');
    await expect(readEndpointsFile(dir)).resolves.toBeUndefined();
  });

  it('reads what stask dev writes', async () => {
    const dir = await dataDirWith(ENDPOINTS);
    const file = await readEndpointsFile(dir);
    expect(file?.endpoints.dynamodb).toBe('http://127.0.0.1:4001');
    expect(file?.pid).toBe(process.pid);
  });

  it('refuses a file that is not JSON', async () => {
    const dir = await dataDirWith('{"region":');
    await expect(readEndpointsFile(dir)).rejects.toThrow(/endpoints\.json is not valid JSON; restart the embedded platform/);
  });
});

describe('isProcessAlive', () => {
  it('is true for this process and false for a pid that cannot exist', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(2 ** 30)).toBe(false);
  });
});

describe('embeddedTarget', () => {
  it('gives every client the platform endpoint, region and credentials; S3 by path', async () => {
    // Prepare
    const dir = await dataDirWith(ENDPOINTS);
    // Act
    const target = await embeddedTarget(dir);
    // Assess
    expect(target.outputs.TaskTableName).toBe('Tasks');
    expect(target.clientConfig('dynamodb')).toEqual({
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      endpoint: 'http://127.0.0.1:4001',
    });
    expect(target.clientConfig('s3')).toMatchObject({ endpoint: 'http://127.0.0.1:4003', forcePathStyle: true });
  });

  it('never falls back to AWS for a service the platform does not serve', async () => {
    const target = await embeddedTarget(await dataDirWith(ENDPOINTS));
    expect(() => target.clientConfig('logs')).toThrow(CliError);
    expect(() => target.clientConfig('logs')).toThrow(/serves no logs endpoint/);
  });
});

describe('parseTaskFunctions', () => {
  it('reads the TaskFunctions output', () => {
    expect(parseTaskFunctions(ENDPOINTS.outputs.TaskFunctions, 'x')).toEqual({
      'analyze-slow-queries': { functionName: 'AnalyzeFn', logGroupName: '/aws/lambda/AnalyzeFn', maxAttempts: 3 },
    });
  });

  it('says what is wrong with a missing or malformed output', () => {
    expect(() => parseTaskFunctions(undefined, 'stack S')).toThrow('stack S has no stack output TaskFunctions');
    expect(() => parseTaskFunctions('nope', 'stack S')).toThrow('the TaskFunctions output of stack S is not JSON');
    expect(() => parseTaskFunctions('{"a":{"maxAttempts":3}}', 'stack S')).toThrow(/TaskFunctions output of stack S is malformed/);
  });
});

describe('connect', () => {
  it('builds the task client from the outputs, and names a missing output', async () => {
    // Prepare
    const target: Target = { ...(await embeddedTarget(await dataDirWith(ENDPOINTS))) };
    const noTable: Target = { ...target, outputs: { ...target.outputs, TaskTableName: '' } };
    // Act
    const services = connect(target);
    // Assess
    expect(services.registry.tableName).toBe('Tasks');
    expect(Object.keys(services.tasks)).toEqual(['analyze-slow-queries']);
    expect(() => services.output('FailureQueueUrl')).toThrow(/has no stack output FailureQueueUrl/);
    expect(() => connect(noTable)).toThrow(/has no stack output TaskTableName/);
    services.close();
  });
});
