// Parsing of option values: times, statuses, limits, payloads. Errors are UsageError / InvalidPayloadError (exit 2).
import { readFile } from 'node:fs/promises';
import { InvalidPayloadError } from '../../functions/core/errors.js';
import { parseLosslessJson } from '../../functions/core/lossless-json.js';
import { parsePayloadJson } from '../../functions/core/payload.js';
import { TASK_STATUSES, type TaskStatus } from '../../functions/core/task-record.js';
import { UsageError } from './errors.js';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/;
const ISO_START = /^\d{4}-\d{2}-\d{2}/;

/**
 * A point in time given as an ISO-8601 time (`2026-11-26T10:00:00Z`, `2026-11-26`) or as a duration
 * back from now (`30s`, `15m`, `1h`, `2d`, `1w`). Returns the ISO time.
 */
export function parseTime(value: string, now: Date, option = '--since'): string {
  const text = value.trim();
  const duration = DURATION.exec(text);
  if (duration) {
    const amount = Number(duration[1]);
    const unit = duration[2] as keyof typeof UNIT_MS;
    const at = new Date(now.getTime() - amount * UNIT_MS[unit]);
    // A Date holds ±100,000,000 days around 1970: `99999999w` back is not a time.
    if (Number.isNaN(at.getTime()) || at.getUTCFullYear() < 1970) {
      throw new UsageError(`${option} '${value}' reaches back before 1970: give a shorter duration or an ISO time`);
    }
    return at.toISOString();
  }
  if (ISO_START.test(text)) {
    const parsed = new Date(text);
    if (!Number.isNaN(parsed.getTime())) return parsed.toISOString();
  }
  throw new UsageError(
    `${option} '${value}' is neither an ISO time (e.g. 2026-11-26T10:00:00Z) nor a duration back from now (e.g. 30s, 15m, 1h, 2d, 1w)`,
  );
}

/** A task status, case-insensitive: `running` → RUNNING. */
export function parseStatusOption(value: string): TaskStatus {
  const upper = value.trim().toUpperCase();
  const found = TASK_STATUSES.find((status) => status === upper);
  if (!found) throw new UsageError(`--status '${value}' is not a task status; one of ${TASK_STATUSES.map((s) => s.toLowerCase()).join(', ')}`);
  return found;
}

/** A page size for `ls`: an integer from 1 to 1000. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1 || n > 1000) {
    throw new UsageError(`--limit '${value}' must be an integer from 1 to 1000`);
  }
  return n;
}

/** A positive finite number (e.g. --retry-delay-scale). */
export function parsePositiveNumber(value: string, option: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${option} '${value}' must be a positive number`);
  return n;
}

export interface PayloadOptions {
  readonly payload?: string;
  readonly payloadFile?: string;
}

/**
 * The payload of `invoke`: `--payload JSON`, `--payload-file FILE` (a JSON file; `-` reads standard input),
 * or `{}` when neither is given.
 */
export async function readPayload(options: PayloadOptions, readStdin: () => Promise<string | Buffer> = readAllStdin): Promise<unknown> {
  if (options.payload !== undefined && options.payloadFile !== undefined) {
    throw new UsageError('give --payload or --payload-file, not both');
  }
  if (options.payload !== undefined) return parsePayloadJson(options.payload);
  if (options.payloadFile === undefined) return {};
  const file = options.payloadFile;
  let bytes: string | Buffer;
  try {
    bytes = file === '-' ? await readStdin() : await readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new UsageError(`cannot read payload file '${file}': ${why}`);
  }
  let text: string;
  try {
    // Invalid UTF-8 is an error, not U+FFFD in the payload.
    text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidPayloadError(`payload file '${file}' is not valid UTF-8`);
  }
  try {
    return parseLosslessJson(text);
  } catch (error) {
    throw new InvalidPayloadError(`payload file '${file}' is not valid JSON: ${(error as Error).message}`);
  }
}

async function readAllStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}
