import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidPayloadError, TaskConflictError } from '../../../functions/core/errors.js';
import { encodePayload, parsePayloadJson } from '../../../functions/core/payload.js';
import { TaskClient } from '../../../functions/core/task-client.js';
import { readPayload } from '../../../bin/cli/parse.js';
import { waitForTerminal } from '../../local/support.js';
import { createLane, startServers, type Lane, type Servers } from '../../support/short-lane.js';

// What a payload holds is what is stored, whatever its size: integers beyond ±2^53, `__proto__` keys,
// nesting deeper than DynamoDB's 32 levels; and bytes that are not UTF-8 are refused, not replaced.
let servers: Servers;
let lane: Lane;
let tmp: string;
const seen: unknown[] = [];

beforeAll(async () => {
  servers = await startServers();
  lane = await createLane(servers, { tasks: { echo: { work: async (payload) => void seen.push(payload) } } });
  tmp = mkdtempSync(join(tmpdir(), 'payload-fidelity-'));
});
afterAll(async () => {
  await lane.invoker.close();
  await servers.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function storedText(taskId: string): Promise<string> {
  const task = await lane.registry.get(taskId);
  if (!task.payloadRef) throw new Error(`${taskId} has no payloadRef`);
  const out = await servers.s3.client.send(new GetObjectCommand({ Bucket: task.payloadRef.bucket, Key: task.payloadRef.key }));
  return (await out.Body?.transformToString()) ?? '';
}

const BIG = '12345678901234567891';
const NEGATIVE = '-98765432109876543210';

describe('payload fidelity', () => {
  it('stores integers beyond ±2^53 exactly, below and above 32 KiB alike', async () => {
    // Prepare: the same numbers in a small payload and in one padded past the inline limit.
    const small = parsePayloadJson(`{"id":${BIG},"n":[${NEGATIVE},1]}`);
    const large = parsePayloadJson(`{"id":${BIG},"n":[${NEGATIVE},1],"pad":"${'x'.repeat(40 * 1024)}"}`);

    // Act
    const a = await lane.client.submit({ task: 'echo', id: 'big_small', payload: small });
    const b = await lane.client.submit({ task: 'echo', id: 'big_large', payload: large });
    const done = [await waitForTerminal(lane.client, 'big_small'), await waitForTerminal(lane.client, 'big_large')];

    // Assess: both accepted, both through the claim check, the digits exact in what is stored.
    expect([a.deduplicated, b.deduplicated]).toEqual([false, false]);
    expect(done.map((t) => t.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    for (const id of ['big_small', 'big_large']) {
      const text = await storedText(id);
      expect(text).toContain(`"id":${BIG}`);
      expect(text).toContain(`"n":[${NEGATIVE},1]`);
    }
  });

  it('refuses such integers clearly where no claim check exists (long lane), instead of the SDK’s message', async () => {
    // Prepare: a long-lane target; the refusal comes before anything is written or started.
    const client = new TaskClient({ registry: lane.registry, invoker: lane.invoker, invokers: { stepfunctions: lane.invoker }, tasks: { long: { kind: 'stepfunctions', stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:x' } } });

    // Act / Assess
    await expect(client.submit({ task: 'long', id: 'big_long', payload: parsePayloadJson(`{"id":${BIG}}`) })).rejects.toThrow(InvalidPayloadError);
    await expect(client.submit({ task: 'long', id: 'big_long', payload: parsePayloadJson(`{"id":${BIG}}`) })).rejects.toThrow(/beyond ±2\^53/);
    expect(await lane.registry.find('big_long')).toBeUndefined();
  });

  it('keeps a __proto__ key: a payload without it is a different payload', async () => {
    // Prepare
    const withProto = parsePayloadJson('{"__proto__":{"admin":true},"b":2}');
    const without = parsePayloadJson('{"b":2}');

    // Act
    await lane.client.submit({ task: 'echo', id: 'proto_key', payload: withProto });
    const conflict = await lane.client.submit({ task: 'echo', id: 'proto_key', payload: without }).catch((error: unknown) => error);

    // Assess
    expect(conflict).toBeInstanceOf(TaskConflictError);
    expect(encodePayload(withProto).json).toBe('{"__proto__":{"admin":true},"b":2}');
    expect(await storedText('proto_key')).toBe('{"__proto__":{"admin":true},"b":2}');
    expect(({} as { admin?: boolean }).admin).toBeUndefined(); // no prototype was touched
  });

  it('takes nesting deeper than DynamoDB’s 32 levels through the claim check', async () => {
    // Prepare
    const deep = parsePayloadJson(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`);

    // Act
    await lane.client.submit({ task: 'echo', id: 'deep', payload: deep });
    const task = await waitForTerminal(lane.client, 'deep');

    // Assess
    expect(task.status).toBe('SUCCEEDED');
    expect(await storedText('deep')).toBe(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`);
  });

  it('refuses a payload file that is not UTF-8 (exit 2), instead of storing U+FFFD', async () => {
    // Prepare
    const file = join(tmp, 'latin1.json');
    writeFileSync(file, Buffer.from([0x7b, 0x22, 0x6b, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d])); // {"k":"é"} in Latin-1

    // Act / Assess
    await expect(readPayload({ payloadFile: file })).rejects.toThrow(InvalidPayloadError);
    await expect(readPayload({ payloadFile: file })).rejects.toThrow(/not valid UTF-8/);
    await expect(readPayload({ payloadFile: '-' }, async () => Buffer.from([0xff, 0xfe]))).rejects.toThrow(/not valid UTF-8/);
  });
});

describe('a conflicting submission above 32 KiB', () => {
  it('leaves nothing in the payload bucket; the existing task’s payload stays', async () => {
    // Prepare
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    await lane.client.submit({ task: 'echo', id: 'conflict_large', payload: { pad: 'a'.repeat(40 * 1024) } });
    const existing = await storedText('conflict_large');

    // Act
    const error = await lane.client.submit({ task: 'echo', id: 'conflict_large', payload: { pad: 'b'.repeat(40 * 1024) } }).catch((caught: unknown) => caught);
    const bucket = (await lane.registry.get('conflict_large')).payloadRef?.bucket ?? '';
    const listed = await servers.s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'payloads/conflict_large/' }));

    // Assess
    expect(error).toBeInstanceOf(TaskConflictError);
    expect(listed.Contents?.map((o) => o.Key)).toEqual([(await lane.registry.get('conflict_large')).payloadRef?.key]);
    expect(await storedText('conflict_large')).toBe(existing);
  });
});
