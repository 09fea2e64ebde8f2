// The analyze-slow-queries sample task: slow-log parser, fingerprints, summary, payload, and the
// S3 path against a real local S3 server (s3rver). Expected numbers are worked out by hand.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../../../functions/core/errors.js';
import { analyzeSlowQueries } from '../../../functions/short/analyze-slow-queries/analyze.js';
import { fingerprint } from '../../../functions/short/analyze-slow-queries/fingerprint.js';
import { parseAnalyzeSlowQueriesPayload } from '../../../functions/short/analyze-slow-queries/payload.js';
import { parseSlowLog } from '../../../functions/short/analyze-slow-queries/slow-log.js';
import type { SlowLogEntry } from '../../../functions/short/analyze-slow-queries/slow-log.js';
import { summarize } from '../../../functions/short/analyze-slow-queries/summarize.js';
import type { SlowQuerySummary } from '../../../functions/short/analyze-slow-queries/summarize.js';

const FIXTURE_URL = new URL('../../fixtures/mysql-slow.log', import.meta.url);

// ---------------------------------------------------------------------------------------------
// The fixture's expected summary, computed by hand from test/fixtures/mysql-slow.log.
//
// 22 entries in the file: 20 queries, 1 `# administrator command: Quit` (line 44), and 1 entry whose
// `# Query_time: 0.8O1234` (letter O, line 56) cannot be parsed → skipped.
//
// p95 = simple-statistics quantileSorted(sorted, 0.95): h = (n − 1) × 0.95,
//       p95 = x[⌊h⌋] + (h − ⌊h⌋) × (x[⌊h⌋ + 1] − x[⌊h⌋])   (0-based; R type 7)
//   n = 5 → h = 3.80; n = 4 → h = 2.85; n = 3 → h = 1.90.
//
// C  monthly revenue report (multi-line; LIMIT 10 / LIMIT 20 OFFSET 40 / LIMIT 0, 10)
//    times 12.345678, 10.000001, 15.500000 → total 37.845679, max 15.5
//    sorted 10.000001, 12.345678, 15.500000 → p95 = 12.345678 + 0.9 × (15.5 − 12.345678)
//                                                 = 12.345678 + 0.9 × 3.154322 = 12.345678 + 2.8388898
//                                                 = 15.1845678 → 15.184568 (µs)
//    rows examined 2 500 000 + 2 500 000 + 2 600 000 = 7 600 000; rows sent 10 + 10 + 10 = 30
// B  orders by customer IN (…) (lists of 3, 1, 5, 2 ids)
//    times 2.1, 1.75, 3.4, 2.25 → total 9.5, max 3.4
//    sorted 1.75, 2.1, 2.25, 3.4 → p95 = 2.25 + 0.85 × (3.4 − 2.25) = 2.25 + 0.9775 = 3.2275
//    rows examined 450 000 + 450 000 + 451 200 + 450 500 = 1 801 700; rows sent 3 + 12 + 40 + 7 = 62
// D  stock decrement UPDATE
//    times 0.25, 0.3, 0.275, 4.0 → total 4.825, max 4
//    sorted 0.25, 0.275, 0.3, 4.0 → p95 = 0.3 + 0.85 × (4.0 − 0.3) = 0.3 + 3.145 = 3.445
//    rows examined 1 + 1 + 1 + 1 = 4; rows sent 0
// A  user by e-mail (escaped quotes: 'o\'brien', "d\"arcy", 'd''arcy', 'o\'neil')
//    times 0.512, 0.4985, 0.53025, 0.505, 1.25 → total 3.29575, max 1.25
//    sorted 0.4985, 0.505, 0.512, 0.53025, 1.25 → p95 = 0.53025 + 0.8 × (1.25 − 0.53025)
//                                                     = 0.53025 + 0.8 × 0.71975 = 0.53025 + 0.5758 = 1.10605
//    rows examined 120 000 + 120 000 + 120 001 + 120 001 + 120 002 = 600 004; rows sent 1 + 1 + 0 + 1 + 1 = 4
// E  audit_log INSERT … VALUES (1, 2, 3 and 2 rows; the last one split over two lines)
//    times 0.15, 0.175, 0.16, 0.165 → total 0.65, max 0.175
//    sorted 0.15, 0.16, 0.165, 0.175 → p95 = 0.165 + 0.85 × (0.175 − 0.165) = 0.165 + 0.0085 = 0.1735
//    rows examined 0; rows sent 0
// Total query time 37.845679 + 9.5 + 4.825 + 3.29575 + 0.65 = 56.116429.
// Samples are the slowest occurrence of each fingerprint.
// ---------------------------------------------------------------------------------------------
const REPORT_SAMPLE = [
  'SELECT c.id, c.name, SUM(o.total) AS revenue',
  '  FROM shop.customers c',
  '  JOIN shop.orders o ON o.customer_id = c.id',
  " WHERE o.created_at >= '2023-01-01'",
  "   AND o.status <> 'cancelled'",
  ' GROUP BY c.id, c.name',
  ' ORDER BY revenue DESC',
  ' LIMIT 0, 10',
].join('\n');

const EXPECTED_SUMMARY: SlowQuerySummary = {
  totals: { entries: 20, fingerprints: 5, totalQueryTime: 56.116429, skipped: 1, administratorCommands: 1 },
  fingerprints: [
    {
      fingerprint:
        'select c.id, c.name, sum(o.total) as revenue from shop.customers c join shop.orders o on o.customer_id = c.id ' +
        'where o.created_at >= ? and o.status <> ? group by c.id, c.name order by revenue desc limit ?',
      count: 3,
      totalQueryTime: 37.845679,
      p95QueryTime: 15.184568,
      maxQueryTime: 15.5,
      rowsExamined: 7_600_000,
      rowsSent: 30,
      sample: REPORT_SAMPLE,
    },
    {
      fingerprint: 'select * from orders where customer_id in(?+) and status = ?',
      count: 4,
      totalQueryTime: 9.5,
      p95QueryTime: 3.2275,
      maxQueryTime: 3.4,
      rowsExamined: 1_801_700,
      rowsSent: 62,
      sample: "SELECT * FROM orders WHERE customer_id IN (7,8,9,10,11) AND status = 'shipped'",
    },
    {
      fingerprint: 'update inventory set quantity = quantity - ? where sku = ?',
      count: 4,
      totalQueryTime: 4.825,
      p95QueryTime: 3.445,
      maxQueryTime: 4,
      rowsExamined: 4,
      rowsSent: 0,
      sample: "UPDATE inventory SET quantity = quantity - 5 WHERE sku = 'SKU-0042'",
    },
    {
      fingerprint: 'select id, email from users where email = ?',
      count: 5,
      totalQueryTime: 3.29575,
      p95QueryTime: 1.10605,
      maxQueryTime: 1.25,
      rowsExamined: 600_004,
      rowsSent: 4,
      sample: String.raw`SELECT id, email FROM users WHERE email = 'o\'neil@example.com'`,
    },
    {
      fingerprint: 'insert into audit_log (user_id, action, details) values(?+)',
      count: 4,
      totalQueryTime: 0.65,
      p95QueryTime: 0.1735,
      maxQueryTime: 0.175,
      rowsExamined: 0,
      rowsSent: 0,
      sample: "INSERT INTO audit_log (user_id, action, details) VALUES (18, 'logout', NULL), (19, 'login', 'it''s me')",
    },
  ],
  skipped: [
    {
      line: 56,
      reason: 'malformed # Query_time line: Query_time "0.8O1234" is not a number of seconds',
      text: '# Query_time: 0.8O1234  Lock_time: 0.000050 Rows_sent: 1  Rows_examined: 120000',
    },
  ],
};

let fixture: string;

beforeAll(async () => {
  fixture = await readFile(FIXTURE_URL, 'utf8');
});

function entry(statement: string, queryTime: number, rows: { sent?: number; examined?: number } = {}): SlowLogEntry {
  return {
    line: 1,
    queryTime,
    lockTime: 0,
    rowsSent: rows.sent ?? 0,
    rowsExamined: rows.examined ?? 0,
    extra: {},
    statement,
  };
}

describe('fingerprint', () => {
  it.each([
    ['a number', 'SELECT * FROM users WHERE id = 42', 'select * from users where id = ?'],
    ['whitespace, tabs and newlines', 'SELECT  a,\n\tb\r\n  FROM t', 'select a, b from t'],
    ['/* */, -- and # comments', 'SELECT /* hint */ a FROM t -- why\nWHERE b = 1 # note\n', 'select a from t where b = ?'],
    ['a comment between tokens', 'SELECT a/**/FROM t', 'select a from t'],
    ['a multi-line comment', 'SELECT a /* line 1\n line 2 */ FROM t', 'select a from t'],
    ['backslash-escaped quote', String.raw`SELECT * FROM t WHERE name = 'O\'Brien'`, 'select * from t where name = ?'],
    ['doubled quote', "SELECT * FROM t WHERE name = 'it''s'", 'select * from t where name = ?'],
    ['double-quoted string with escapes', String.raw`SELECT * FROM t WHERE s = "say \"hi\" \\"`, 'select * from t where s = ?'],
    ['comment markers inside a string', "SELECT '-- no # no /* no */' FROM t", 'select ? from t'],
    ['IN list', 'SELECT * FROM t WHERE id IN (1, 2, 3)', 'select * from t where id in(?+)'],
    ['IN list of one', 'SELECT * FROM t WHERE id IN (7)', 'select * from t where id in(?+)'],
    ['NOT IN list of strings', "SELECT * FROM t WHERE k NOT IN ('a','b')", 'select * from t where k not in(?+)'],
    ['IN of row constructors', 'SELECT * FROM t WHERE (a, b) IN ((1, 2), (3, 4))', 'select * from t where (a, b) in(?+)'],
    ['IN subquery kept', 'SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE x = 5)', 'select * from t where id in (select id from u where x = ?)'],
    ['multi-row VALUES', "INSERT INTO t (a, b) VALUES (1, 'x'), (2, NULL)", 'insert into t (a, b) values(?+)'],
    ['VALUES with a function kept', 'INSERT INTO t VALUES (1, now())', 'insert into t values (?, now())'],
    ['VALUE and VALUES(col)', 'INSERT INTO t (a) VALUE (1) ON DUPLICATE KEY UPDATE a = VALUES(a)', 'insert into t (a) value(?+) on duplicate key update a = values(a)'],
    ['NULL as a value', 'UPDATE t SET a = NULL WHERE b = 1', 'update t set a = ? where b = ?'],
    ['IS [NOT] NULL kept', 'SELECT * FROM t WHERE a IS NULL AND b IS NOT NULL', 'select * from t where a is null and b is not null'],
    ['TRUE / FALSE', 'SELECT * FROM t WHERE active = TRUE OR deleted = false', 'select * from t where active = ? or deleted = ?'],
    ['hex and bit literals', "SELECT * FROM t WHERE h = 0xDEADbeef OR h = X'0A1b' OR b = b'0101' OR c = 0b11", 'select * from t where h = ? or h = ? or b = ? or c = ?'],
    ['signed, decimal and exponent numbers', 'SELECT * FROM t WHERE a = -1.5 AND b > 1e-3 AND c = .5 AND d = +7', 'select * from t where a = ? and b > ? and c = ? and d = ?'],
    ['binary minus kept', 'UPDATE t SET qty = qty - 3, n = n+1', 'update t set qty = qty - ?, n = n+?'],
    ['-- without a space is two minuses', 'SELECT 5--3', 'select ?-?'],
    ['signs after CASE keywords', 'SELECT CASE WHEN x > -1 THEN -2 ELSE x END FROM t', 'select case when x > ? then ? else x end from t'],
    ['digits inside identifiers kept', 'SELECT col1, t2.c3, 1abc FROM t2', 'select col1, t2.c3, 1abc from t2'],
    ['backtick identifiers kept (lower-cased)', 'SELECT `Order Id` FROM `Orders2` WHERE `x``y` = 1', 'select `order id` from `orders2` where `x``y` = ?'],
    ['charset introducer and N strings', "SELECT _utf8mb4'abc', N'def'", 'select ?, ?'],
    ['trailing semicolons', 'SELECT 1 ;; ', 'select ?'],
    ['LIMIT offset, count', 'SELECT * FROM t LIMIT 10, 20', 'select * from t limit ?'],
    ['LIMIT count OFFSET offset', 'SELECT * FROM t LIMIT 20 OFFSET 40', 'select * from t limit ?'],
    ['LIMIT count', 'select * from t limit 5', 'select * from t limit ?'],
    ['ASC after ORDER BY', 'SELECT * FROM t ORDER BY a ASC, b DESC, c asc', 'select * from t order by a, b desc, c'],
    ['USE db', 'use shop', 'use ?'],
    ['CALL proc(args)', "CALL reports.refresh_stats(1, 'x')", 'call reports.refresh_stats'],
    ['placeholders stay', 'SELECT * FROM t WHERE id = ?', 'select * from t where id = ?'],
    ['unterminated string', "SELECT 'oops", 'select ?'],
    ['unterminated comment', 'SELECT a /* oops', 'select a'],
    ['administrator command unchanged', 'administrator command: Ping', 'administrator command: Ping'],
  ])('%s', (_name, sql, expected) => {
    // Act
    const actual = fingerprint(sql);

    // Assess
    expect(actual).toBe(expected);
  });

  it('gives statements that differ only in literals and spacing of lines the same fingerprint', () => {
    // Prepare
    const statements = [
      "SELECT * FROM orders WHERE customer_id IN (1) AND status = 'open' LIMIT 5",
      "select *\nfrom orders\nwhere customer_id in (2, 3, 4)\n  and status = \"shipped\" limit 10, 20;",
      "SELECT * FROM orders WHERE customer_id IN (9,8) AND status = 'it''s' /* retry */ LIMIT 1 OFFSET 2",
    ];

    // Act
    const fingerprints = new Set(statements.map(fingerprint));

    // Assess
    expect([...fingerprints]).toEqual(['select * from orders where customer_id in(?+) and status = ? limit ?']);
  });
});

describe('parseSlowLog', () => {
  it('parses the mysqld 8.0 fixture into 20 entries with their metadata', () => {
    // Act
    const parsed = parseSlowLog(fixture);

    // Assess
    expect(parsed.entries.map((e) => e.line)).toEqual([
      4, 10, 15, 20, 25, 38, 49, 59, 64, 72, 85, 91, 96, 101, 106, 111, 124, 130, 135, 140,
    ]);
    expect(parsed.entries.map((e) => e.queryTime)).toEqual([
      0.512, 2.1, 0.25, 0.15, 12.345678, 0.4985, 1.75, 0.3, 0.175, 10.000001, 0.53025, 3.4, 0.275, 0.505, 0.16, 15.5, 4,
      2.25, 1.25, 0.165,
    ]);
    // `use` is only written when the database changes, and a server restart header resets it.
    const r = 'reporting';
    const s = 'shop';
    expect(parsed.entries.map((e) => e.db)).toEqual([s, s, s, s, r, s, s, s, s, r, s, s, s, s, s, r, s, s, s, s]);
    expect(parsed.entries[0]).toEqual({
      line: 4,
      time: '2024-03-05T10:15:02.635124Z',
      user: 'app',
      host: '10.0.0.5',
      connectionId: 42,
      db: 'shop',
      timestamp: 1709633702,
      queryTime: 0.512,
      lockTime: 0.0001,
      rowsSent: 1,
      rowsExamined: 120000,
      extra: {},
      statement: String.raw`SELECT id, email FROM users WHERE email = 'o\'brien@example.com'`,
    });
    expect(parsed.administratorCommands).toBe(1);
    expect(parsed.skipped).toEqual(EXPECTED_SUMMARY.skipped);
  });

  it('keeps log_slow_extra fields (8.0.14+) and multi-line statements', () => {
    // Act
    const parsed = parseSlowLog(fixture);

    // Assess
    const report = parsed.entries[9];
    expect(report?.user).toBe('report');
    expect(report?.host).toBe('reporting-1.internal');
    expect(report?.lockTime).toBe(0.00025);
    expect(report?.extra).toMatchObject({
      Thread_id: 8,
      Errno: 0,
      Bytes_sent: 1893,
      Read_rnd_next: 2500001,
      Created_tmp_tables: 1,
      Start: '2024-03-05T11:02:00.000310Z',
      End: '2024-03-05T11:02:10.000311Z',
    });
    expect(Object.keys(report?.extra ?? {})).toEqual([
      'Thread_id', 'Errno', 'Killed', 'Bytes_received', 'Bytes_sent', 'Read_first', 'Read_last', 'Read_key',
      'Read_next', 'Read_prev', 'Read_rnd', 'Read_rnd_next', 'Sort_merge_passes', 'Sort_range_count', 'Sort_rows',
      'Sort_scan_count', 'Created_tmp_disk_tables', 'Created_tmp_tables', 'Start', 'End',
    ]);
    expect(report?.statement.split('\n')).toHaveLength(8);
    expect(report?.statement.endsWith(' LIMIT 20 OFFSET 40')).toBe(true);
    expect(parsed.entries[19]?.statement).toBe(
      'INSERT INTO audit_log (user_id, action, details)\n' +
        String.raw`VALUES (23, 'login', NULL), (24, 'login', '{"note":"a \\"quoted\\" word"}')`,
    );
  });

  it('reads CRLF logs like LF logs', () => {
    // Prepare
    const crlf = fixture.replaceAll('\n', '\r\n');

    // Act
    const parsed = parseSlowLog(crlf);

    // Assess
    expect(parsed).toEqual(parseSlowLog(fixture));
  });

  it('splits entries without # Time lines (mysqld 5.6 writes it once per second)', () => {
    // Prepare
    const log = [
      '# Time: 240305 10:15:02',
      '# User@Host: root[root] @ localhost []  Id:     8',
      '# Query_time: 1.000000  Lock_time: 0.000000 Rows_sent: 1  Rows_examined: 1',
      'SET last_insert_id=5,insert_id=6,timestamp=1709633702;',
      'SELECT 1;',
      '# User@Host: root[root] @ localhost []  Id:     8',
      '# Query_time: 2.000000  Lock_time: 0.000000 Rows_sent: 1  Rows_examined: 1',
      'SELECT 2;',
      '# Query_time: 3.000000  Lock_time: 0.000000 Rows_sent: 1  Rows_examined: 1',
      'SELECT 3;',
    ].join('\n');

    // Act
    const parsed = parseSlowLog(log);

    // Assess
    expect(parsed.entries.map((e) => [e.line, e.statement, e.queryTime, e.timestamp])).toEqual([
      [1, 'SELECT 1', 1, 1709633702],
      [6, 'SELECT 2', 2, undefined],
      [9, 'SELECT 3', 3, undefined],
    ]);
    expect(parsed.entries[0]).toMatchObject({ time: '240305 10:15:02', user: 'root', host: 'localhost', connectionId: 8 });
    expect(parsed.skipped).toEqual([]);
  });

  it('keeps semicolons inside a statement and removes only the one mysqld appends', () => {
    // Prepare
    const log = [
      '# Query_time: 1.000000  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0',
      'CREATE PROCEDURE p() BEGIN',
      '  SELECT 1;',
      '  SELECT 2;',
      'END;',
    ].join('\n');

    // Act
    const parsed = parseSlowLog(log);

    // Assess
    expect(parsed.entries.map((e) => e.statement)).toEqual(['CREATE PROCEDURE p() BEGIN\n  SELECT 1;\n  SELECT 2;\nEND']);
  });

  it.each([
    ['a missing field', '# Query_time: 1.0  Lock_time: 0.0 Rows_sent: 1', 'Rows_examined is missing'],
    ['a field without a value', '# Query_time: 1.0  Lock_time: Rows_sent: 1  Rows_examined: 1', 'Lock_time has no value'],
    ['a negative row count', '# Query_time: 1.0  Lock_time: 0.0 Rows_sent: -1  Rows_examined: 1', 'Rows_sent "-1" is not a row count'],
    ['stray text', '# Query_time: 1.0 oops Lock_time: 0.0 Rows_sent: 1  Rows_examined: 1', 'expected "Name:" but found "oops"'],
  ])('reports a # Query_time line with %s as skipped, with its line number', (_name, header, problem) => {
    // Prepare
    const log = ['# Time: 2024-03-05T10:15:02.000000Z', header, 'SELECT 1;', '# Time: 2024-03-05T10:15:03.000000Z',
      '# Query_time: 1.000000  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0', 'SELECT 2;'].join('\n');

    // Act
    const parsed = parseSlowLog(log);

    // Assess
    expect(parsed.skipped).toEqual([{ line: 2, reason: `malformed # Query_time line: ${problem}`, text: header }]);
    expect(parsed.entries.map((e) => e.statement)).toEqual(['SELECT 2']);
  });

  it('reports text outside any entry and a truncated last entry', () => {
    // Prepare
    const log = [
      'this is not a slow log line',
      '# Time: 2024-03-05T10:15:02.000000Z',
      '# Query_time: 1.000000  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0',
      'SELECT 1;',
      '# Time: 2024-03-05T10:15:03.000000Z',
      '# User@Host: app[app] @  [10.0.0.5]  Id:    42',
      '# Query_time: 2.000000  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0',
      'SET timestamp=1709633703;',
      '',
    ].join('\n');

    // Act
    const parsed = parseSlowLog(log);

    // Assess
    expect(parsed.entries.map((e) => e.statement)).toEqual(['SELECT 1']);
    expect(parsed.skipped).toEqual([
      { line: 1, reason: 'statement without a # Query_time line', text: 'this is not a slow log line' },
      { line: 7, reason: 'entry has no statement (truncated log?)', text: '' },
    ]);
  });

  it('returns nothing for an empty log or one with only server headers', () => {
    // Act
    const empty = parseSlowLog('');
    const headersOnly = parseSlowLog(fixture.split('\n').slice(0, 3).join('\n'));

    // Assess
    expect(empty).toEqual({ entries: [], skipped: [], administratorCommands: 0 });
    expect(headersOnly).toEqual({ entries: [], skipped: [], administratorCommands: 0 });
  });
});

describe('summarize', () => {
  it('summarizes the fixture to the hand-computed summary', () => {
    // Act
    const summary = summarize(parseSlowLog(fixture));

    // Assess
    expect(summary).toEqual(EXPECTED_SUMMARY);
  });

  it('keeps the slowest statement as the sample, truncated to 1 KiB of UTF-8', () => {
    // Prepare: 'é' is 2 bytes; the statement is 2 000+ bytes.
    const long = `SELECT '${'é'.repeat(1000)}' FROM t`;
    const parsed = { entries: [entry('SELECT 1 FROM t', 0.5), entry(long, 0.75), entry('SELECT 2 FROM t', 0.75)], skipped: [], administratorCommands: 0 };

    // Act
    const [only] = summarize(parsed).fingerprints;

    // Assess: budget 1024 − 3 ('...') = 1021 bytes = "SELECT '" (8) + 506 × 'é' (1012), next 'é' would be 1022.
    expect(only?.fingerprint).toBe('select ? from t');
    expect(only?.sample).toBe(`SELECT '${'é'.repeat(506)}...`);
    expect(Buffer.byteLength(only?.sample ?? '', 'utf8')).toBe(1023);
    // p95 of 0.5, 0.75, 0.75: h = 1.9 → 0.75 + 0.9 × 0 = 0.75
    expect(only).toMatchObject({ count: 3, totalQueryTime: 2, p95QueryTime: 0.75, maxQueryTime: 0.75 });
  });

  it('returns the top N by total time, ties by fingerprint, with totals over everything', () => {
    // Prepare
    const parsed = {
      entries: [entry('SELECT b FROM t', 1), entry('SELECT a FROM t', 1), entry('SELECT c FROM t', 3), entry('SELECT d FROM t', 0.5)],
      skipped: [],
      administratorCommands: 0,
    };

    // Act
    const summary = summarize(parsed, { top: 3 });

    // Assess
    expect(summary.fingerprints.map((f) => f.fingerprint)).toEqual(['select c from t', 'select a from t', 'select b from t']);
    expect(summary.totals).toEqual({ entries: 4, fingerprints: 4, totalQueryTime: 5.5, skipped: 0, administratorCommands: 0 });
  });

  it('adds times in microseconds, without floating-point noise', () => {
    // Prepare: 0.1 + 0.2 is 0.30000000000000004 in floating point.
    const parsed = { entries: [entry('SELECT 1', 0.1), entry('SELECT 2', 0.2)], skipped: [], administratorCommands: 0 };

    // Act
    const summary = summarize(parsed);

    // Assess
    expect(summary.totals.totalQueryTime).toBe(0.3);
    expect(summary.fingerprints[0]?.totalQueryTime).toBe(0.3);
    // p95 of 0.1, 0.2: h = 0.95 → 0.1 + 0.95 × 0.1 = 0.195
    expect(summary.fingerprints[0]?.p95QueryTime).toBe(0.195);
  });
});

describe('parseAnalyzeSlowQueriesPayload', () => {
  it('accepts inline text and an S3 pointer, with top defaulting to 50', () => {
    // Act
    const inline = parseAnalyzeSlowQueriesPayload({ log: 'SELECT 1;' });
    const pointer = parseAnalyzeSlowQueriesPayload({ s3: { bucket: 'logs', key: 'db1/slow.log' }, top: 10 });

    // Assess
    expect(inline).toEqual({ log: 'SELECT 1;', top: 50 });
    expect(pointer).toEqual({ s3: { bucket: 'logs', key: 'db1/slow.log' }, top: 10 });
  });

  it.each([
    ['not an object', 'SELECT 1', 'InvalidPayload: payload: Invalid input: expected object, received string'],
    ['null', null, 'InvalidPayload: payload: Invalid input: expected object, received null'],
    ['neither log nor s3', {}, 'InvalidPayload: payload: exactly one of "log" (the slow log text) or "s3" ({ bucket, key }) is required'],
    ['both log and s3', { log: 'x', s3: { bucket: 'b', key: 'k' } }, 'InvalidPayload: payload: exactly one of "log"'],
    ['an empty log', { log: '' }, 'InvalidPayload: log: must be a non-empty string'],
    ['a blank log', { log: ' \n\t' }, 'InvalidPayload: log: must be a non-empty string'],
    ['a log that is not text', { log: 42 }, 'InvalidPayload: log: Invalid input: expected string, received number'],
    ['an S3 pointer without key', { s3: { bucket: 'b' } }, 'InvalidPayload: s3.key: Invalid input: expected string, received undefined'],
    ['an empty bucket', { s3: { bucket: '', key: 'k' } }, 'InvalidPayload: s3.bucket: must be a non-empty string'],
    ['top 0', { log: 'x', top: 0 }, 'InvalidPayload: top: Too small: expected number to be >=1'],
    ['top 1001', { log: 'x', top: 1001 }, 'InvalidPayload: top: Too big: expected number to be <=1000'],
    ['a fractional top', { log: 'x', top: 2.5 }, 'InvalidPayload: top: Invalid input: expected int, received number'],
    ['a string top', { log: 'x', top: '5' }, 'InvalidPayload: top: Invalid input: expected number, received string'],
    ['a misspelt field', { log: 'x', tpo: 5 }, 'InvalidPayload: payload: Unrecognized key: "tpo"'],
  ])('rejects %s with a clear message', (_name, raw, message) => {
    // Act
    const act = (): unknown => parseAnalyzeSlowQueriesPayload(raw);

    // Assess
    expect(act).toThrow(InvalidPayloadError);
    expect(act).toThrow(message.replace(/^InvalidPayload: /, ''));
  });
});

describe('analyzeSlowQueries', () => {
  it('analyzes inline text and reports progress', async () => {
    // Prepare
    const progress: [number, string | undefined][] = [];

    // Act
    const summary = await analyzeSlowQueries(
      { log: fixture, top: 50 },
      { progress: async (percent, message) => void progress.push([percent, message]) },
    );

    // Assess
    expect(summary).toEqual(EXPECTED_SUMMARY);
    expect(progress.map(([percent]) => percent)).toEqual([10, 90, 100]);
    expect(progress.at(-1)?.[1]).toBe('20 entries, 5 fingerprints');
  });

  it('returns only the top fingerprints', async () => {
    // Act
    const summary = await analyzeSlowQueries({ log: fixture, top: 2 });

    // Assess
    expect(summary.fingerprints).toEqual(EXPECTED_SUMMARY.fingerprints.slice(0, 2));
    expect(summary.totals).toEqual(EXPECTED_SUMMARY.totals);
  });

  it('gives the same summary when a large log is parsed in several chunks', async () => {
    // Prepare: 40 copies of the 145-line fixture = 5 800 lines, more than one 5 000-line chunk.
    // Counts, totals and row sums scale by 40; the maximum does not.
    const big = fixture.repeat(40);
    const progress: number[] = [];

    // Act
    const summary = await analyzeSlowQueries({ log: big, top: 50 }, { progress: async (p) => void progress.push(p) });

    // Assess: 20 × 40 entries; 56.116429 × 40 = 2244.65716 s; 1 × 40 skipped (first 100 listed).
    expect(summary.totals).toEqual({ entries: 800, fingerprints: 5, totalQueryTime: 2244.65716, skipped: 40, administratorCommands: 40 });
    expect(summary.skipped.map((s) => s.line).slice(0, 3)).toEqual([56, 56 + 145, 56 + 290]);
    expect(summary.fingerprints[0]).toMatchObject({ count: 120, totalQueryTime: 1513.82716, maxQueryTime: 15.5, rowsExamined: 304_000_000 });
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)).toBe(100);
  });

  it('rejects with an AbortError when the signal is already aborted', async () => {
    // Prepare
    const progress: number[] = [];

    // Act
    const run = analyzeSlowQueries({ log: fixture, top: 50 }, { signal: AbortSignal.abort(), progress: async (p) => void progress.push(p) });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(progress).toEqual([]);
  });

  it('stops between chunks when aborted while parsing', async () => {
    // Prepare: abort as soon as the log has been read (the first progress report).
    const controller = new AbortController();
    const stopped = new Error('task stopped');
    const progress: number[] = [];

    // Act
    const run = analyzeSlowQueries(
      { log: fixture.repeat(40), top: 50 },
      {
        signal: controller.signal,
        progress: async (p) => {
          progress.push(p);
          controller.abort(stopped);
        },
      },
    );

    // Assess
    await expect(run).rejects.toBe(stopped);
    expect(progress).toEqual([10]);
  });
});

describe('analyzeSlowQueries with a log in S3 (s3rver)', () => {
  const bucket = 'slow-logs';
  const key = 'db-1/2024-03-05/mysql-slow.log';
  let directory: string;
  let server: S3rver;
  let s3: S3Client;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'analyze-slow-queries-s3-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
    const { port } = await server.run();
    s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(FIXTURE_URL), ContentType: 'text/plain' }));
  });

  afterAll(async () => {
    s3?.destroy();
    await server?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('reads the object and returns the same summary as the inline path', async () => {
    // Prepare
    const progress: number[] = [];

    // Act
    const summary = await analyzeSlowQueries({ s3: { bucket, key }, top: 50 }, { s3, progress: async (p) => void progress.push(p) });

    // Assess
    expect(summary).toEqual(EXPECTED_SUMMARY);
    expect(progress).toEqual([10, 90, 100]);
  });

  it('names the bucket and key when the object does not exist', async () => {
    // Act
    const run = analyzeSlowQueries({ s3: { bucket, key: 'db-1/missing.log' }, top: 50 }, { s3 });

    // Assess
    await expect(run).rejects.toThrow(
      `SlowLogNotFound: no object s3://${bucket}/db-1/missing.log (bucket "${bucket}", key "db-1/missing.log")`,
    );
  });

  it('names the bucket when the bucket does not exist', async () => {
    // Act
    const run = analyzeSlowQueries({ s3: { bucket: 'no-such-bucket', key }, top: 50 }, { s3 });

    // Assess
    await expect(run).rejects.toThrow(`SlowLogNotFound: bucket "no-such-bucket" does not exist (reading s3://no-such-bucket/${key})`);
  });

  it('does not read S3 when the signal is already aborted', async () => {
    // Act
    const run = analyzeSlowQueries({ s3: { bucket, key }, top: 50 }, { s3, signal: AbortSignal.abort() });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('says so when no S3 client is given for an S3 pointer', async () => {
    // Act
    const run = analyzeSlowQueries({ s3: { bucket, key }, top: 50 });

    // Assess
    await expect(run).rejects.toThrow(`analyze-slow-queries: no S3 client to read s3://${bucket}/${key}`);
  });
});
