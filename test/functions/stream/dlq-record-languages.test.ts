// The DLQ record of a record an operator could not process is one shape in both languages: the TypeScript
// operator's buildDlqRecord and the Python operator's dlq_record (python/tests/print_dlq_record.py) build
// identical records from the same input, field by field and in the same order (stack traces aside).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDlqRecord, type FailedKafkaRecord } from '../../../functions/stream/dlq-record.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const PYTHON = join(ROOT, 'python', '.venv', 'bin', 'python');

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const record = (overrides: Partial<FailedKafkaRecord> = {}): FailedKafkaRecord => ({
  topic: 'slow-queries', partition: 3, offset: 1234, timestamp: 1764583200123, key: b64('k1'), value: b64('{"host": "db1", not json'),
  headers: [{ source: [116, 101, 115, 116] }, { 'trace-id': [49] }], ...overrides,
});
const inputs = [
  { record: record(), error: { name: 'InvalidJsonError', message: "the record's value is not JSON: Unexpected token" }, retryable: false, attempts: 1 },
  { record: (({ key: _key, ...rest }) => rest)(record({ value: b64('\u00ff\u0000 bytes'), headers: [] })), error: { name: 'NonRetryableError', message: 'not a slow-query event: sql: Required' }, retryable: false, attempts: 1 },
  { record: record({ topic: 'a.b_c-d', partition: 0, offset: 0 }), error: { name: 'ConnectionError', message: 'database busy — “quoted” ü' }, retryable: true, attempts: 3 },
].map((i, n) => ({ ...i, taskId: `kafka_${i.record.topic.replace(/[^A-Za-z0-9_-]/g, '_')}-${i.record.partition}-${i.record.offset}`, function: 'classify-slow-queries-py', requestId: `req-${n}`, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Operator', timestamp: `2026-12-01T10:00:0${n}.${n}45Z` }));

function withoutStack(record: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(record)) as { responsePayload?: { stackTrace?: unknown } };
  delete copy.responsePayload?.stackTrace;
  return copy;
}

describe('the stream DLQ record in TypeScript and Python', () => {
  it('is identical for the same failed record, key order included', () => {
    // Act
    const python = spawnSync(PYTHON, [join(ROOT, 'python', 'tests', 'print_dlq_record.py')], { input: JSON.stringify(inputs), encoding: 'utf8' });
    expect(python.status, python.stderr).toBe(0);
    const fromPython = (JSON.parse(python.stdout) as unknown[]).map(withoutStack);
    const fromTypeScript = inputs.map((i) =>
      withoutStack(buildDlqRecord({ ...i, error: Object.assign(new Error(i.error.message), { name: i.error.name }), timestamp: new Date(i.timestamp) })),
    );

    // Assess: equal values, and the same key order at every level (JSON text equal).
    expect(fromPython).toEqual(fromTypeScript);
    expect(JSON.stringify(fromPython)).toBe(JSON.stringify(fromTypeScript));
    expect(fromTypeScript[0]).toMatchObject({ requestContext: { condition: 'RetriesExhausted' }, responsePayload: { errorType: 'InvalidJsonError' }, recordKey: 'slow-queries-3-1234' });
  });
});
