// Payload schemas at submit: a task that declares one refuses a payload that does not match before anything
// is written or started (InvalidPayloadError, exit 2 in the CLI); a task without one behaves as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../../../functions/core/errors.js';
import { PayloadSchemas } from '../../../functions/core/payload-schema.js';
import { analyzeSlowQueriesJsonSchema, parseAnalyzeSlowQueriesPayload } from '../../../functions/short/analyze-slow-queries/payload.js';
import { createLane, startServers, type Servers } from '../../support/short-lane.js';

const messageOf = (check: () => void): string => {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPayloadError);
    return (error as Error).message;
  }
  return '';
};

describe('PayloadSchemas', () => {
  const schemas = new PayloadSchemas({ 'analyze-slow-queries': analyzeSlowQueriesJsonSchema() });

  it.each([
    [{ log: '# Time: x\nSELECT 1;' }],
    [{ log: 'x', top: 10 }],
    [{ s3: { bucket: 'logs', key: 'slow.log' } }],
  ])('accepts what the handler accepts: %j', (payload) => {
    expect(() => schemas.check('analyze-slow-queries', payload)).not.toThrow();
    expect(() => parseAnalyzeSlowQueriesPayload(payload)).not.toThrow();
  });

  it.each([
    [{ log: 'x', top: 0 }, 'top: must be >= 1'],
    [{ log: 5 }, 'log: must be string'],
    [{ lgo: 'x' }, 'lgo: is not allowed'],
    [{ s3: { bucket: '', key: 'k' } }, 's3.bucket: must NOT have fewer than 1 characters'],
    [{ log: 'x', s3: { bucket: 'b', key: 'k' } }, 'payload: must match exactly one schema in oneOf'],
    [[1, 2], 'payload: must be object'],
  ])('refuses %j naming the path: %s', (payload, problem) => {
    const message = messageOf(() => schemas.check('analyze-slow-queries', payload));
    expect(message).toMatch(/^payload does not match the schema of task 'analyze-slow-queries': /);
    expect(message).toContain(problem);
    expect(() => parseAnalyzeSlowQueriesPayload(payload)).toThrow(); // the handler would have failed it later
  });

  it('leaves tasks without a schema alone, and refuses an invalid schema when it is compiled', () => {
    expect(schemas.has('always-fails')).toBe(false);
    expect(() => schemas.check('always-fails', { anything: [1, 'x'] })).not.toThrow();
    expect(() => new PayloadSchemas({ broken: { type: 'no-such-type' } })).toThrow(/payload schema of task 'broken' is not a valid JSON Schema/);
  });
});

describe('TaskClient.submit with a payload schema', () => {
  let servers: Servers;
  beforeAll(async () => {
    servers = await startServers();
  });
  afterAll(async () => {
    await servers.close();
  });

  it('refuses a payload that does not match: nothing created, nothing dispatched; a valid one runs; a task without a schema is unchanged', async () => {
    // Prepare
    let runs = 0;
    const work = async (payload: unknown): Promise<unknown> => {
      runs++;
      return { echoed: payload };
    };
    const lane = await createLane(servers, {
      tasks: { 'analyze-slow-queries': { work }, echo: { work } },
      payloadSchemas: { 'analyze-slow-queries': analyzeSlowQueriesJsonSchema() },
    });

    // Act
    const refused = await lane.client.submit({ task: 'analyze-slow-queries', id: 'bad_top', payload: { log: 'x', top: 0 } }).catch((error: unknown) => error);
    const accepted = await lane.client.submit({ task: 'analyze-slow-queries', id: 'good', payload: { log: 'x' } });
    const unschemed = await lane.client.submit({ task: 'echo', id: 'free_form', payload: { top: 0, anything: true } });
    await lane.invoker.drain();

    // Assess
    expect(refused).toBeInstanceOf(InvalidPayloadError);
    expect((refused as Error).message).toContain('top: must be >= 1');
    expect(await lane.registry.find('bad_top')).toBeUndefined();
    expect(accepted.deduplicated).toBe(false);
    expect((await lane.client.get('good')).status).toBe('SUCCEEDED');
    expect((await lane.client.get('free_form')).status).toBe('SUCCEEDED');
    expect(unschemed.task.payload).toEqual({ top: 0, anything: true });
    expect(runs).toBe(2);
    const records = await lane.drainQueue(lane.successQueueUrl);
    expect(records.map((r) => r.taskId).sort()).toEqual(['free_form', 'good']);
  });
});
