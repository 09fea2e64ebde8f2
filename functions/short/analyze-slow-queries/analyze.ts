import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AnalyzeSlowQueriesPayload } from './payload.js';
import { forEachLine, SlowLogParser } from './slow-log.js';
import type { SlowLogEntry } from './slow-log.js';
import { SlowQuerySummarizer } from './summarize.js';
import type { SlowQuerySummary } from './summarize.js';

export interface AnalyzeSlowQueriesDeps {
  /** Needed when the payload points at S3. */
  readonly s3?: S3Client;
  /** Aborts the analysis (checked between chunks of work). */
  readonly signal?: AbortSignal;
  /** Progress reporter (percent 0..100). */
  readonly progress?: (percent: number, message?: string) => Promise<void>;
}

/** Lines parsed between two abort checks / event-loop yields. */
export const LINES_PER_CHUNK = 5_000;

const NEVER_ABORTED = new AbortController().signal;

/** Lets timers and I/O (an abort, a timeout) run between two chunks of synchronous work. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof Error && error.name === 'AbortError');
}

async function readFromS3(s3: S3Client | undefined, bucket: string, key: string, signal: AbortSignal): Promise<string> {
  const where = `s3://${bucket}/${key}`;
  if (s3 === undefined) throw new Error(`analyze-slow-queries: no S3 client to read ${where}`);
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    if (response.Body === undefined) throw new Error(`the object has no body`);
    return await response.Body.transformToString('utf-8');
  } catch (error) {
    if (isAbort(error, signal)) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    if (name === 'NoSuchKey' || name === 'NotFound') {
      throw new Error(`SlowLogNotFound: no object ${where} (bucket "${bucket}", key "${key}")`, { cause: error });
    }
    if (name === 'NoSuchBucket') {
      throw new Error(`SlowLogNotFound: bucket "${bucket}" does not exist (reading ${where})`, { cause: error });
    }
    throw new Error(`SlowLogUnreadable: cannot read ${where}: ${name}: ${message}`, { cause: error });
  }
}

/**
 * Reads the slow log (inline or from S3), parses it and summarizes it by fingerprint.
 *
 * Progress: 10 % once the log is read, up to 90 % while parsing (in steps of at least 10 %),
 * 100 % when done. The signal is checked before starting, after reading and after every
 * `LINES_PER_CHUNK` lines; an aborted analysis rejects with the signal's reason (an
 * `AbortError` DOMException unless the aborter gave another reason).
 */
export async function analyzeSlowQueries(
  payload: AnalyzeSlowQueriesPayload,
  deps: AnalyzeSlowQueriesDeps = {},
): Promise<SlowQuerySummary> {
  const signal = deps.signal ?? NEVER_ABORTED;
  const progress = deps.progress ?? (async () => {});
  signal.throwIfAborted();

  const text = payload.s3 !== undefined ? await readFromS3(deps.s3, payload.s3.bucket, payload.s3.key, signal) : payload.log;
  signal.throwIfAborted();
  await progress(10, `read ${text.length} characters`);

  const summarizer = new SlowQuerySummarizer();
  const parser = new SlowLogParser((entry: SlowLogEntry) => summarizer.add(entry));
  let lastReported = 10;
  let cursor = 0;
  while (cursor < text.length) {
    const chunkEnd = nextChunkEnd(text, cursor);
    forEachLine(text.slice(cursor, chunkEnd), (line) => parser.push(line));
    cursor = chunkEnd;
    await yieldToEventLoop();
    signal.throwIfAborted();
    const percent = 10 + Math.floor((80 * cursor) / text.length);
    if (percent - lastReported >= 10) {
      lastReported = percent;
      await progress(percent, `parsed ${parser.lines} lines`);
    }
  }
  const rest = parser.end();
  const summary = summarizer.result(rest, { top: payload.top });
  await progress(100, `${summary.totals.entries} entries, ${summary.totals.fingerprints} fingerprints`);
  return summary;
}

/** End (exclusive) of the chunk of at most `LINES_PER_CHUNK` whole lines starting at `from`. */
function nextChunkEnd(text: string, from: number): number {
  let end = from;
  for (let n = 0; n < LINES_PER_CHUNK; n += 1) {
    const nl = text.indexOf('\n', end);
    if (nl === -1) return text.length;
    end = nl + 1;
  }
  return end;
}
