/**
 * Parser for the MySQL slow query log, in the format mysqld 5.7 and 8.0 write to the slow log
 * file (`log_output=FILE`). The parser is pure: text in, entries out, no I/O.
 *
 * ```
 * /usr/sbin/mysqld, Version: 8.0.36 (MySQL Community Server - GPL). started with:
 * Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock
 * Time                 Id Command    Argument
 * # Time: 2024-03-05T10:15:02.123456Z
 * # User@Host: app[app] @  [10.0.0.5]  Id:    42
 * # Query_time: 1.234567  Lock_time: 0.000100 Rows_sent: 1  Rows_examined: 12345
 * use shop;
 * SET timestamp=1709633702;
 * SELECT ...
 *   FROM ...;
 * ```
 *
 * Rules:
 * - The three server header lines are ignored wherever they appear (mysqld writes them again
 *   after every restart, in the middle of the file).
 * - An entry starts at `# Time:`; `# User@Host:` or `# Query_time:` also start a new entry when
 *   the current one already has that part (5.6 only writes `# Time:` when the second changes).
 * - The `# Query_time:` line is a list of `Name: value` pairs. `Query_time`, `Lock_time`,
 *   `Rows_sent` and `Rows_examined` are required; anything else (8.0.14+ `log_slow_extra`
 *   fields such as `Thread_id`, `Errno`, `Bytes_sent`, `Start`, `End`) goes to `extra`.
 * - `use db;` and `SET [last_insert_id=…,insert_id=…,]timestamp=N;` before the statement are
 *   metadata. mysqld only writes `use` when the database changed, so the database carries over
 *   to the following entries (until a server header).
 * - The statement is every line from the first non-metadata line up to the next entry (it may
 *   span lines and contain `;`). mysqld appends `;` to what the client sent; one trailing `;`
 *   is removed.
 * - `# administrator command: Quit;` entries (COM_QUIT, COM_PING, binlog dump, ...) are not
 *   queries: they are counted in `administratorCommands`, not returned as entries.
 * - Nothing is dropped silently: a malformed `# Query_time:` line, an entry without a
 *   statement (truncated file) and statement text outside any entry are reported in `skipped`
 *   with their 1-based line number.
 */

/** One query of the slow log. */
export interface SlowLogEntry {
  /** 1-based line number where the entry starts (its `# Time:` line, usually). */
  readonly line: number;
  /** The `# Time:` value as written (`2024-03-05T10:15:02.123456Z`, or `240305 10:15:02` on 5.6). */
  readonly time?: string;
  readonly user?: string;
  readonly host?: string;
  readonly connectionId?: number;
  /** Current database (from the latest `use db;`). */
  readonly db?: string;
  /** Unix seconds from `SET timestamp=N;`. */
  readonly timestamp?: number;
  /** Seconds. */
  readonly queryTime: number;
  /** Seconds. */
  readonly lockTime: number;
  readonly rowsSent: number;
  readonly rowsExamined: number;
  /** Further `Name: value` pairs of the `# Query_time:` line (numbers when numeric). */
  readonly extra: Readonly<Record<string, number | string>>;
  /** The statement as the client sent it (multi-line kept, trailing `;` removed). */
  readonly statement: string;
}

/** An entry (or stray text) that could not be used, and why. */
export interface SkippedEntry {
  /** 1-based line number of the offending line. */
  readonly line: number;
  readonly reason: string;
  /** The offending line, truncated to 200 characters. */
  readonly text: string;
}

export interface ParsedSlowLog {
  readonly entries: SlowLogEntry[];
  readonly skipped: SkippedEntry[];
  /** `# administrator command:` entries seen (not part of `entries`). */
  readonly administratorCommands: number;
}

const REQUIRED_DECIMALS = ['Query_time', 'Lock_time'] as const;
const REQUIRED_INTEGERS = ['Rows_sent', 'Rows_examined'] as const;
const DECIMAL = /^\d+(?:\.\d+)?$/;
const INTEGER = /^\d+$/;
const NUMERIC = /^-?\d+(?:\.\d+)?$/;

const SERVER_HEADER = [
  /^\S.*, Version: .* started with:\s*$/,
  /^Tcp port: \d+\b/,
  /^Time\s+Id\s+Command\s+Argument\s*$/,
];
const USE_DB = /^use\s+(`(?:[^`]|``)+`|[^\s;`]+)\s*;\s*$/i;
const SET_TIMESTAMP = /^SET\s+(?:\w+=\d+,)*timestamp=(\d+)(?:,\w+=\d+)*\s*;\s*$/i;
const USER_HOST = /^# User@Host:\s*([^[\s]*)\[([^\]]*)\]\s*@\s*(\S*)\s*\[([^\]]*)\](?:\s+Id:\s*(\d+))?/;

interface Metrics {
  queryTime: number;
  lockTime: number;
  rowsSent: number;
  rowsExamined: number;
  extra: Record<string, number | string>;
}

interface Pending {
  startLine: number;
  time?: string;
  sawUserHost: boolean;
  user?: string;
  host?: string;
  connectionId?: number;
  metrics?: Metrics;
  metricsLine?: number;
  malformed?: SkippedEntry;
  db?: string;
  timestamp?: number;
  statementLines: string[];
  statementLine?: number;
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/**
 * Parses the `Name: value` pairs of a `# Query_time:` line. Returns an error message when the
 * line is malformed.
 */
export function parseQueryTimeLine(line: string): Metrics | string {
  const tokens = line.replace(/^#\s*/, '').trim().split(/\s+/);
  const fields = new Map<string, string>();
  for (let i = 0; i < tokens.length; i += 2) {
    const keyToken = tokens[i] ?? '';
    const value = tokens[i + 1];
    const key = /^([A-Za-z_]+):$/.exec(keyToken)?.[1];
    if (key === undefined) return `expected "Name:" but found "${keyToken}"`;
    if (value === undefined || value.endsWith(':')) return `${key} has no value`;
    fields.set(key, value);
  }
  for (const key of REQUIRED_DECIMALS) {
    const value = fields.get(key);
    if (value === undefined) return `${key} is missing`;
    if (!DECIMAL.test(value)) return `${key} "${value}" is not a number of seconds`;
  }
  for (const key of REQUIRED_INTEGERS) {
    const value = fields.get(key);
    if (value === undefined) return `${key} is missing`;
    if (!INTEGER.test(value)) return `${key} "${value}" is not a row count`;
  }
  const extra: Record<string, number | string> = {};
  for (const [key, value] of fields) {
    if ((REQUIRED_DECIMALS as readonly string[]).includes(key)) continue;
    if ((REQUIRED_INTEGERS as readonly string[]).includes(key)) continue;
    extra[key] = NUMERIC.test(value) ? Number(value) : value;
  }
  return {
    queryTime: Number(fields.get('Query_time')),
    lockTime: Number(fields.get('Lock_time')),
    rowsSent: Number(fields.get('Rows_sent')),
    rowsExamined: Number(fields.get('Rows_examined')),
    extra,
  };
}

/**
 * Incremental parser: feed it lines (without their line terminator) in order with `push`, then
 * call `end`. Entries are handed to `onEntry` as soon as they are complete, so a caller can
 * summarize a large log without keeping every statement.
 */
export class SlowLogParser {
  private readonly onEntry: (entry: SlowLogEntry) => void;
  private readonly skippedEntries: SkippedEntry[] = [];
  private adminCommands = 0;
  private lineNo = 0;
  private currentDb: string | undefined;
  private pending: Pending | undefined;
  private ended = false;

  constructor(onEntry: (entry: SlowLogEntry) => void) {
    this.onEntry = onEntry;
  }

  /** Lines consumed so far. */
  get lines(): number {
    return this.lineNo;
  }

  push(rawLine: string): void {
    if (this.ended) throw new Error('SlowLogParser: push() after end()');
    this.lineNo += 1;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const lineNo = this.lineNo;
    const inStatement = (this.pending?.statementLines.length ?? 0) > 0;

    if (SERVER_HEADER.some((re) => re.test(line))) {
      this.finish();
      this.currentDb = undefined;
      return;
    }
    if (line.startsWith('# Time:')) {
      this.finish();
      this.start(lineNo).time = line.slice('# Time:'.length).trim();
      return;
    }
    if (line.startsWith('# User@Host:')) {
      const p = this.pending;
      const entry = p && !p.sawUserHost && !p.metrics && !p.malformed && !inStatement ? p : this.restart(lineNo);
      entry.sawUserHost = true;
      const m = USER_HOST.exec(line);
      if (m) {
        const user = m[2] || m[1];
        const host = m[3] || m[4];
        if (user) entry.user = user;
        if (host) entry.host = host;
        if (m[5] !== undefined) entry.connectionId = Number(m[5]);
      }
      return;
    }
    if (line.startsWith('# Query_time:')) {
      const p = this.pending;
      const entry = p && !p.metrics && !p.malformed && !inStatement ? p : this.restart(lineNo);
      const parsed = parseQueryTimeLine(line);
      if (typeof parsed === 'string') {
        entry.malformed = { line: lineNo, reason: `malformed # Query_time line: ${parsed}`, text: clip(line) };
      } else {
        entry.metrics = parsed;
        entry.metricsLine = lineNo;
      }
      return;
    }

    if (!inStatement) {
      if (line.trim() === '') return;
      if (line.startsWith('# administrator command:')) {
        this.adminCommands += 1;
        if (this.pending?.malformed) this.skippedEntries.push(this.pending.malformed);
        this.pending = undefined;
        return;
      }
      if (this.pending) {
        const use = USE_DB.exec(line);
        if (use?.[1] !== undefined) {
          const db = use[1].startsWith('`') ? use[1].slice(1, -1).replaceAll('``', '`') : use[1];
          this.pending.db = db;
          this.currentDb = db;
          return;
        }
        const ts = SET_TIMESTAMP.exec(line);
        if (ts?.[1] !== undefined) {
          this.pending.timestamp = Number(ts[1]);
          return;
        }
        // Other metadata comments (Percona/MariaDB `# Schema:`, `# Bytes_sent:` ...) are ignored.
        if (line.startsWith('#')) return;
      }
    }

    const entry = this.pending ?? this.start(lineNo);
    if (entry.statementLines.length === 0) entry.statementLine = lineNo;
    entry.statementLines.push(line);
  }

  /** Finishes the last entry and returns what was skipped. */
  end(): Omit<ParsedSlowLog, 'entries'> {
    if (!this.ended) {
      this.finish();
      this.ended = true;
    }
    return { skipped: this.skippedEntries, administratorCommands: this.adminCommands };
  }

  private start(lineNo: number): Pending {
    this.pending = { startLine: lineNo, sawUserHost: false, statementLines: [] };
    return this.pending;
  }

  private restart(lineNo: number): Pending {
    this.finish();
    return this.start(lineNo);
  }

  private finish(): void {
    const p = this.pending;
    this.pending = undefined;
    if (!p) return;
    const statement = p.statementLines.join('\n').trimEnd().replace(/;$/, '').trimEnd();
    if (p.malformed) {
      this.skippedEntries.push(p.malformed);
      return;
    }
    if (!p.metrics) {
      if (statement !== '') {
        const line = p.statementLine ?? p.startLine;
        this.skippedEntries.push({
          line,
          reason: 'statement without a # Query_time line',
          text: clip(p.statementLines[0] ?? ''),
        });
      } else {
        this.skippedEntries.push({
          line: p.startLine,
          reason: 'entry has no # Query_time line and no statement (truncated log?)',
          text: '',
        });
      }
      return;
    }
    if (statement === '') {
      this.skippedEntries.push({
        line: p.metricsLine ?? p.startLine,
        reason: 'entry has no statement (truncated log?)',
        text: '',
      });
      return;
    }
    const db = p.db ?? this.currentDb;
    this.onEntry({
      line: p.startLine,
      ...(p.time !== undefined && { time: p.time }),
      ...(p.user !== undefined && { user: p.user }),
      ...(p.host !== undefined && { host: p.host }),
      ...(p.connectionId !== undefined && { connectionId: p.connectionId }),
      ...(db !== undefined && { db }),
      ...(p.timestamp !== undefined && { timestamp: p.timestamp }),
      ...p.metrics,
      statement,
    });
  }
}

/** Calls `fn` for each line of `text` (`\n` or `\r\n` terminated), without splitting the whole text. */
export function forEachLine(text: string, fn: (line: string) => void): void {
  let from = 0;
  while (from < text.length) {
    const nl = text.indexOf('\n', from);
    const to = nl === -1 ? text.length : nl;
    fn(text.slice(from, to));
    from = to + 1;
  }
}

/** Parses a whole slow log. */
export function parseSlowLog(text: string): ParsedSlowLog {
  const entries: SlowLogEntry[] = [];
  const parser = new SlowLogParser((entry) => entries.push(entry));
  forEachLine(text, (line) => parser.push(line));
  return { entries, ...parser.end() };
}
