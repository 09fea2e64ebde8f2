/**
 * Query fingerprints in the manner of Percona's `pt-fingerprint` (`QueryRewriter::fingerprint`):
 * two statements that differ only in their literal values get the same fingerprint.
 *
 * Unlike pt-fingerprint, which is a sequence of regular expressions, this works on tokens, so a
 * `--` or `#` inside a string is not a comment and digits inside identifiers (`t2.col1`) stay.
 *
 * Rules, in order:
 * - `administrator command: …` is returned unchanged.
 * - Comments are removed: `/* … *\/` (including `/*! … *\/` and `/*+ … *\/`), `-- ` to end of line
 *   (MySQL needs whitespace after `--`), `#` to end of line.
 * - Literals become `?`: quoted strings `'…'` and `"…"` (backslash escapes and doubled quotes),
 *   numbers (`42`, `-1.5`, `.5`, `1e-3`; a `+`/`-` sign is part of the number only where a binary
 *   operator cannot be, so `qty - 1` stays `qty - ?`), hex and bit literals (`0x1F`, `X'1F'`,
 *   `0b01`, `b'01'`), `N'…'` and charset-introduced strings (`_utf8mb4'…'`), `TRUE`/`FALSE`,
 *   and `NULL` as a value. `IS NULL` / `IS NOT NULL` are predicates, not values, and are kept
 *   (pt-fingerprint turns them into `is ?`).
 * - Whitespace runs (including newlines) become one space; leading/trailing whitespace and
 *   trailing `;` are removed. Everything is lower-cased (keywords and identifiers, as
 *   pt-fingerprint does); backtick-quoted identifiers keep their backticks.
 * - `IN (?, ?, …)` and `VALUES (…), (…)` lists of literals collapse to `in(?+)` / `values(?+)`
 *   (also `value`, and row constructors such as `IN ((?, ?), (?, ?))`). Lists holding anything
 *   else (a subquery, `now()`) are kept.
 * - `LIMIT ?, ?` and `LIMIT ? OFFSET ?` become `limit ?`.
 * - `ASC` after `ORDER BY` is removed (it is the default).
 * - `USE db` becomes `use ?`; `CALL proc(…)` becomes `call proc`.
 *
 * Not done (pt-fingerprint does): collapsing repeated `UNION` arms, the mysqldump and
 * pt-table-checksum special cases, MD5-looking literals.
 */

import { tokenize } from './sql-tokenizer.js';
import { collapseLimit, collapseLists, dropAsc, literalKeywords } from './sql-normalize.js';
import { isPunct, isWord, render, skipSpaces } from './sql-tokens.js';

/** The fingerprint of one SQL statement (see the module comment for the rules). */
export function fingerprint(sql: string): string {
  const trimmed = sql.trim();
  if (/^administrator command:/i.test(trimmed)) return trimmed;

  let tokens = tokenize(sql);
  const first = skipSpaces(tokens, 0);
  if (isWord(tokens[first], 'use')) return 'use ?';
  if (isWord(tokens[first], 'call')) {
    const paren = tokens.findIndex((t, idx) => idx > first && isPunct(t, '('));
    if (paren !== -1) return render(tokens.slice(first, paren));
  }

  tokens = literalKeywords(tokens);
  tokens = collapseLists(tokens);
  tokens = collapseLimit(tokens);
  tokens = dropAsc(tokens);
  return render(tokens);
}
