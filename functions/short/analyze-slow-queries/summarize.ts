import { quantileSorted } from 'simple-statistics';
import { fingerprint } from './fingerprint.js';
import type { ParsedSlowLog, SkippedEntry, SlowLogEntry } from './slow-log.js';

/** Per-fingerprint statistics. Times are seconds, rounded to microseconds. */
export interface FingerprintSummary {
  readonly fingerprint: string;
  readonly count: number;
  readonly totalQueryTime: number;
  /**
   * 95th percentile of the query times, as `simple-statistics`' `quantileSorted(x, 0.95)`
   * computes it: linear interpolation between order statistics (R type 7, numpy's default),
   * i.e. with the times sorted ascending and h = (n − 1) × 0.95,
   * p95 = x[⌊h⌋] + (h − ⌊h⌋) × (x[⌈h⌉] − x[⌊h⌋]). For one sample it is that sample.
   */
  readonly p95QueryTime: number;
  readonly maxQueryTime: number;
  /** Sum over the fingerprint's entries. */
  readonly rowsExamined: number;
  /** Sum over the fingerprint's entries. */
  readonly rowsSent: number;
  /** The statement of the slowest occurrence (the first one on ties), at most 1 KiB of UTF-8. */
  readonly sample: string;
}

export interface SlowQuerySummary {
  readonly totals: {
    /** Entries analysed (administrator commands and skipped entries excluded). */
    readonly entries: number;
    /** Distinct fingerprints, including those beyond `top`. */
    readonly fingerprints: number;
    /** Seconds, all entries. */
    readonly totalQueryTime: number;
    /** Entries that could not be used (see `skipped`). */
    readonly skipped: number;
    readonly administratorCommands: number;
  };
  /** The `top` fingerprints by total query time, descending (ties: fingerprint ascending). */
  readonly fingerprints: FingerprintSummary[];
  /** The first `MAX_SKIPPED_DETAILS` skipped entries; `totals.skipped` has the full count. */
  readonly skipped: SkippedEntry[];
}

export interface SummarizeOptions {
  /** How many fingerprints to return. @default 50 */
  readonly top?: number;
}

export const DEFAULT_TOP = 50;
export const MAX_SAMPLE_BYTES = 1024;
export const MAX_SKIPPED_DETAILS = 100;

const MICROS = 1_000_000;

/** Seconds → integer microseconds (the slow log's resolution), so sums carry no float noise. */
function toMicros(seconds: number): number {
  return Math.round(seconds * MICROS);
}

function fromMicros(micros: number): number {
  return Math.round(micros) / MICROS;
}

/** Cuts `text` to at most `maxBytes` bytes of UTF-8 (marked with `...`), never inside a character. */
export function truncateUtf8(text: string, maxBytes = MAX_SAMPLE_BYTES): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const marker = '...';
  const budget = maxBytes - marker.length;
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > budget) break;
    bytes += size;
    out += ch;
  }
  return out + marker;
}

interface Group {
  readonly fingerprint: string;
  readonly queryTimes: number[]; // microseconds
  totalMicros: number;
  maxMicros: number;
  rowsExamined: number;
  rowsSent: number;
  sample: string;
}

/** Accumulates entries one at a time; `result()` produces the summary. */
export class SlowQuerySummarizer {
  private readonly groups = new Map<string, Group>();
  private entries = 0;
  private totalMicros = 0;

  add(entry: SlowLogEntry): void {
    const fp = fingerprint(entry.statement);
    const micros = toMicros(entry.queryTime);
    let group = this.groups.get(fp);
    if (group === undefined) {
      group = {
        fingerprint: fp,
        queryTimes: [],
        totalMicros: 0,
        maxMicros: -1,
        rowsExamined: 0,
        rowsSent: 0,
        sample: '',
      };
      this.groups.set(fp, group);
    }
    group.queryTimes.push(micros);
    group.totalMicros += micros;
    group.rowsExamined += entry.rowsExamined;
    group.rowsSent += entry.rowsSent;
    if (micros > group.maxMicros) {
      group.maxMicros = micros;
      group.sample = truncateUtf8(entry.statement);
    }
    this.entries += 1;
    this.totalMicros += micros;
  }

  result(
    rest: Pick<ParsedSlowLog, 'skipped' | 'administratorCommands'>,
    options: SummarizeOptions = {},
  ): SlowQuerySummary {
    const top = options.top ?? DEFAULT_TOP;
    const groups = [...this.groups.values()].sort(
      (a, b) =>
        b.totalMicros - a.totalMicros || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0),
    );
    const fingerprints = groups.slice(0, top).map((g): FingerprintSummary => {
      const sorted = [...g.queryTimes].sort((a, b) => a - b);
      return {
        fingerprint: g.fingerprint,
        count: g.queryTimes.length,
        totalQueryTime: fromMicros(g.totalMicros),
        p95QueryTime: fromMicros(quantileSorted(sorted, 0.95)),
        maxQueryTime: fromMicros(g.maxMicros),
        rowsExamined: g.rowsExamined,
        rowsSent: g.rowsSent,
        sample: g.sample,
      };
    });
    return {
      totals: {
        entries: this.entries,
        fingerprints: this.groups.size,
        totalQueryTime: fromMicros(this.totalMicros),
        skipped: rest.skipped.length,
        administratorCommands: rest.administratorCommands,
      },
      fingerprints,
      skipped: rest.skipped.slice(0, MAX_SKIPPED_DETAILS),
    };
  }
}

/** Groups parsed entries by fingerprint (see `FingerprintSummary` for the statistics). */
export function summarize(parsed: ParsedSlowLog, options: SummarizeOptions = {}): SlowQuerySummary {
  const summarizer = new SlowQuerySummarizer();
  for (const entry of parsed.entries) summarizer.add(entry);
  return summarizer.result(parsed, options);
}
