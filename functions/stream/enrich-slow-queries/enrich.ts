// The sample operator: a slow-query event in, the same event enriched out — the fingerprint that
// analyze-slow-queries computes, the SQL with its literals masked, and a class for the likely cause.
import { z } from 'zod';
import { fingerprint } from '../../short/analyze-slow-queries/fingerprint.js';
import { NonRetryableError } from '../errors.js';

export const SlowQueryEventSchema = z.object({
  host: z.string().min(1),
  db: z.string().min(1),
  user: z.string().min(1),
  query_time: z.number().nonnegative(),
  rows_examined: z.number().int().nonnegative(),
  sql: z.string().min(1),
  ts: z.union([z.string().min(1), z.number()]),
}).loose();

export type SlowQueryEvent = z.infer<typeof SlowQueryEventSchema>;

export type SlowQueryClass = 'full-scan' | 'missing-index' | 'leading-wildcard' | 'select-star' | 'slow';

export interface EnrichedSlowQuery extends SlowQueryEvent {
  readonly fingerprint: string;
  readonly masked_sql: string;
  readonly class: SlowQueryClass;
  /** Every class that applies, the most telling first. */
  readonly hints: readonly SlowQueryClass[];
}

/** Rows examined from which a filtered statement most likely lacks an index. */
export const MISSING_INDEX_ROWS = 1_000;

const LITERAL = /'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|(?<![\p{L}\p{N}_$.])-?(?:0x[0-9a-f]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?)(?![\p{L}\p{N}_$])/giu;

/** The statement as written, its string and number literals replaced by `?` (case and spacing kept). */
export function maskLiterals(sql: string): string {
  return sql.replace(LITERAL, '?');
}

export function classify(event: SlowQueryEvent): SlowQueryClass[] {
  const sql = event.sql.toLowerCase();
  const hints: SlowQueryClass[] = [];
  const filtered = /\bwhere\b/.test(sql);
  const reads = /^\s*(select|update|delete)\b/.test(sql);
  if (reads && !filtered && !/\blimit\b/.test(sql)) hints.push('full-scan');
  if (filtered && event.rows_examined >= MISSING_INDEX_ROWS) hints.push('missing-index');
  if (/\blike\s+'%/.test(sql)) hints.push('leading-wildcard');
  if (/^\s*select\s+\*/.test(sql)) hints.push('select-star');
  return hints.length ? hints : ['slow'];
}

/** Validates and enriches one event; an event that is not a slow-query event is a NonRetryableError (→ DLQ). */
export function enrichSlowQuery(value: unknown): EnrichedSlowQuery {
  const parsed = SlowQueryEventSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ');
    throw new NonRetryableError(`not a slow-query event: ${issues}`);
  }
  const event = parsed.data;
  const hints = classify(event);
  return { ...event, fingerprint: fingerprint(event.sql), masked_sql: maskLiterals(event.sql), class: hints[0] ?? 'slow', hints };
}
