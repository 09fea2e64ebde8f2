import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../bin/cli/errors.js';
import { parseLimit, parsePositiveNumber, parseStatusOption, parseTime, readPayload } from '../../bin/cli/parse.js';
import { InvalidPayloadError } from '../../functions/core/errors.js';
import { useTempDirs } from './temp-dirs.js';

const tempDir = useTempDirs();

const NOW = new Date('2026-11-26T12:00:00.000Z');

describe('parseTime (--since / --until)', () => {
  it.each([
    ['30s', '2026-11-26T11:59:30.000Z'],
    ['15m', '2026-11-26T11:45:00.000Z'],
    ['1h', '2026-11-26T11:00:00.000Z'],
    ['1.5h', '2026-11-26T10:30:00.000Z'],
    ['2d', '2026-11-24T12:00:00.000Z'],
    ['1w', '2026-11-19T12:00:00.000Z'],
  ])('reads the duration %s as now minus that', (value, expected) => {
    // Prepare: a fixed clock. Act
    const iso = parseTime(value, NOW);
    // Assess
    expect(iso).toBe(expected);
  });

  it('normalizes ISO times to UTC ISO-8601', () => {
    expect(parseTime('2026-11-26T10:00:00+02:00', NOW)).toBe('2026-11-26T08:00:00.000Z');
    expect(parseTime('2026-11-25', NOW)).toBe('2026-11-25T00:00:00.000Z');
  });

  it.each(['yesterday', '15', '15 minutes', '1M', '-1h', '2026-13-45', ''])('refuses %j with a usage error naming the option', (value) => {
    expect(() => parseTime(value, NOW, '--until')).toThrow(UsageError);
    expect(() => parseTime(value, NOW, '--until')).toThrow(/--until '.*' is neither an ISO time .* nor a duration/);
  });
});

describe('parseStatusOption (--status)', () => {
  it('is case-insensitive', () => {
    expect(parseStatusOption('running')).toBe('RUNNING');
    expect(parseStatusOption('Succeeded')).toBe('SUCCEEDED');
    expect(parseStatusOption('FAILED')).toBe('FAILED');
  });

  it('lists the statuses when the value is not one', () => {
    expect(() => parseStatusOption('done')).toThrow(UsageError);
    expect(() => parseStatusOption('done')).toThrow(/'done' is not a task status; one of queued, running, .*expired/);
  });
});

describe('parseLimit (--limit)', () => {
  it('accepts integers from 1 to 1000', () => {
    expect(parseLimit('1')).toBe(1);
    expect(parseLimit('1000')).toBe(1000);
  });

  it.each(['0', '1001', '2.5', 'ten', '-3', ''])('refuses %j', (value) => {
    expect(() => parseLimit(value)).toThrow(/--limit '.*' must be an integer from 1 to 1000/);
  });
});

describe('parsePositiveNumber', () => {
  it('accepts positive numbers and refuses the rest', () => {
    expect(parsePositiveNumber('0.001', '--retry-delay-scale')).toBe(0.001);
    expect(() => parsePositiveNumber('0', '--retry-delay-scale')).toThrow(/--retry-delay-scale '0' must be a positive number/);
    expect(() => parsePositiveNumber('fast', '--retry-delay-scale')).toThrow(UsageError);
  });
});

describe('readPayload (--payload / --payload-file)', () => {
  it('parses --payload as JSON', async () => {
    await expect(readPayload({ payload: '{"log":"x","top":3}' })).resolves.toEqual({ log: 'x', top: 3 });
  });

  it('defaults to an empty object', async () => {
    await expect(readPayload({})).resolves.toEqual({});
  });

  it('reads --payload-file, and standard input for -', async () => {
    // Prepare
    const dir = await tempDir('stask-payload-');
    const file = join(dir, 'payload.json');
    await writeFile(file, '{"n": [1, 2]}');
    // Act
    const fromFile = await readPayload({ payloadFile: file });
    const fromStdin = await readPayload({ payloadFile: '-' }, async () => '"text"');
    // Assess
    expect(fromFile).toEqual({ n: [1, 2] });
    expect(fromStdin).toBe('text');
  });

  it('refuses both at once, a missing file and text that is not JSON', async () => {
    const dir = await tempDir('stask-payload-');
    const notJson = join(dir, 'slow.log');
    await writeFile(notJson, '# Query_time: 1.0');

    await expect(readPayload({ payload: '{}', payloadFile: notJson })).rejects.toThrow('give --payload or --payload-file, not both');
    await expect(readPayload({ payloadFile: join(dir, 'missing.json') })).rejects.toThrow(/cannot read payload file .*missing\.json': no such file/);
    await expect(readPayload({ payloadFile: notJson })).rejects.toThrow(InvalidPayloadError);
    await expect(readPayload({ payloadFile: notJson })).rejects.toThrow(/payload file .*slow\.log' is not valid JSON/);
    await expect(readPayload({ payload: '{log:' })).rejects.toThrow(InvalidPayloadError);
  });
});
