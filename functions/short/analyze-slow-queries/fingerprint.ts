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

type Token =
  | { readonly kind: 'space' }
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'ident'; readonly text: string }
  | { readonly kind: 'lit' }
  | { readonly kind: 'punct'; readonly text: string }
  | { readonly kind: 'raw'; readonly text: string };

const SPACE: Token = { kind: 'space' };
const LIT: Token = { kind: 'lit' };

/** Words after which a `+`/`-` can only be a sign, not a binary operator. */
const SIGN_CONTEXT_WORDS = new Set([
  'select', 'where', 'and', 'or', 'not', 'xor', 'on', 'when', 'then', 'else', 'by', 'limit',
  'offset', 'between', 'like', 'in', 'values', 'value', 'set', 'return', 'interval', 'is',
  'having', 'case', 'div', 'mod', 'regexp', 'rlike', 'escape', 'distinct', 'all', 'any', 'some',
  'exists', 'as', 'returning',
]);

const NUMBER = /(?:0x[0-9a-f]+|0b[01]+|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(?![\p{L}\p{N}_$])/iuy;
const WORD = /[\p{L}\p{N}_$]+/uy;
const IDENT_CHAR = /[\p{L}\p{N}_$`]/u;

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v';
}

/** Index just after the quoted string starting at `start` (the opening quote). */
function endOfString(sql: string, start: number): number {
  const quote = sql[start];
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === '\\') {
      i += 2;
    } else if (ch === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

class TokenList {
  readonly tokens: Token[] = [];

  push(token: Token): void {
    if (token.kind === 'space') {
      const last = this.tokens.at(-1);
      if (last === undefined || last.kind === 'space') return;
    }
    this.tokens.push(token);
  }

  /** Index of the last non-space token before `before`, or -1. */
  prev(before = this.tokens.length): number {
    let i = before - 1;
    while (i >= 0 && this.tokens[i]?.kind === 'space') i -= 1;
    return i;
  }

  /** Pushes a numeric literal, absorbing any sign in front of it that cannot be an operator. */
  pushNumber(): void {
    for (;;) {
      const s = this.prev();
      const sign = this.tokens[s];
      if (sign?.kind !== 'punct' || (sign.text !== '-' && sign.text !== '+')) break;
      const before = this.tokens[this.prev(s)];
      const isSign =
        before === undefined ||
        (before.kind === 'punct' && before.text !== ')') ||
        (before.kind === 'word' && SIGN_CONTEXT_WORDS.has(before.text));
      if (!isSign) break;
      this.tokens.length = s;
    }
    this.push(LIT);
  }
}

function tokenize(sql: string): Token[] {
  const out = new TokenList();
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] ?? '';
    const next = sql[i + 1] ?? '';
    if (isSpace(ch)) {
      out.push(SPACE);
      i += 1;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      out.push(SPACE);
    } else if (ch === '#' || (ch === '-' && next === '-' && (i + 2 >= sql.length || isSpace(sql[i + 2] ?? '') || (sql.charCodeAt(i + 2) < 32)))) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      out.push(SPACE);
    } else if (ch === "'" || ch === '"') {
      i = endOfString(sql, i);
      out.push(LIT);
    } else if (ch === '`') {
      let j = i + 1;
      for (;;) {
        const close = sql.indexOf('`', j);
        if (close === -1) {
          j = sql.length;
          break;
        }
        if (sql[close + 1] === '`') {
          j = close + 2;
          continue;
        }
        j = close + 1;
        break;
      }
      out.push({ kind: 'ident', text: sql.slice(i, j).toLowerCase() });
      i = j;
    } else if (ch === '?') {
      out.push(LIT);
      i += 1;
    } else {
      const prevChar = sql[i - 1] ?? '';
      const numberAllowed = /\d/.test(ch) || (ch === '.' && /\d/.test(next) && !IDENT_CHAR.test(prevChar) && prevChar !== ')');
      NUMBER.lastIndex = i;
      const number = numberAllowed ? NUMBER.exec(sql) : null;
      if (number) {
        out.pushNumber();
        i += number[0].length;
        continue;
      }
      WORD.lastIndex = i;
      const word = WORD.exec(sql);
      if (word) {
        const text = word[0].toLowerCase();
        i += word[0].length;
        // X'1F', B'01', N'text', _utf8mb4'text': one literal.
        if (sql[i] === "'" && (text === 'x' || text === 'b' || text === 'n' || text.startsWith('_'))) {
          i = endOfString(sql, i);
          out.push(LIT);
        } else {
          out.push({ kind: 'word', text });
        }
        continue;
      }
      out.push({ kind: 'punct', text: ch });
      i += 1;
    }
  }
  return out.tokens;
}

function isWord(token: Token | undefined, ...texts: string[]): boolean {
  return token?.kind === 'word' && texts.includes(token.text);
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text;
}

/** `null`, `true`, `false` as values become literals; `is [not] null` stays. */
function literalKeywords(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  let p1: Token | undefined; // last non-space token
  let p2: Token | undefined; // the one before
  for (const token of tokens) {
    let mapped = token;
    if (isWord(token, 'true', 'false')) {
      mapped = LIT;
    } else if (isWord(token, 'null')) {
      const isPredicate = isWord(p1, 'is') || (isWord(p1, 'not') && isWord(p2, 'is'));
      if (!isPredicate) mapped = LIT;
    }
    out.push(mapped);
    if (mapped.kind !== 'space') {
      p2 = p1;
      p1 = mapped;
    }
  }
  return out;
}

function skipSpaces(tokens: readonly Token[], i: number): number {
  while (tokens[i]?.kind === 'space') i += 1;
  return i;
}

/**
 * If a parenthesised group of literals (possibly nested row constructors) starts at `i`, the
 * index just after its `)`; otherwise -1.
 */
function literalGroupEnd(tokens: readonly Token[], i: number): number {
  if (!isPunct(tokens[i], '(')) return -1;
  let j = i + 1;
  let literals = 0;
  for (;;) {
    const t = tokens[j];
    if (t === undefined) return -1;
    if (isPunct(t, ')')) return literals > 0 ? j + 1 : -1;
    if (t.kind === 'lit') {
      literals += 1;
      j += 1;
    } else if (t.kind === 'space' || isPunct(t, ',')) {
      j += 1;
    } else if (isPunct(t, '(')) {
      const end = literalGroupEnd(tokens, j);
      if (end === -1) return -1;
      literals += 1;
      j = end;
    } else {
      return -1;
    }
  }
}

/** `in (?, ?)` → `in(?+)`, `values (?, ?), (?, ?)` → `values(?+)`. */
function collapseLists(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i];
    if (token === undefined) break;
    if (token.kind === 'word' && (token.text === 'in' || token.text === 'values' || token.text === 'value')) {
      let end = -1;
      let j = i + 1;
      for (;;) {
        let k = j;
        while (tokens[k]?.kind === 'space' || isPunct(tokens[k], ',')) k += 1;
        const groupEnd = literalGroupEnd(tokens, k);
        if (groupEnd === -1) break;
        end = groupEnd;
        j = groupEnd;
      }
      if (end !== -1) {
        out.push(token, { kind: 'raw', text: '(?+)' });
        i = end;
        continue;
      }
    }
    out.push(token);
    i += 1;
  }
  return out;
}

/** `limit ?, ?` and `limit ? offset ?` → `limit ?`. */
function collapseLimit(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i];
    if (token === undefined) break;
    out.push(token);
    i += 1;
    if (!isWord(token, 'limit')) continue;
    const first = skipSpaces(tokens, i);
    if (tokens[first]?.kind !== 'lit') continue;
    let end = first + 1;
    const sep = skipSpaces(tokens, end);
    if (isPunct(tokens[sep], ',') || isWord(tokens[sep], 'offset')) {
      const second = skipSpaces(tokens, sep + 1);
      if (tokens[second]?.kind === 'lit') end = second + 1;
    }
    out.push(SPACE, LIT);
    i = end;
  }
  return out;
}

/** Drops `asc` after `order by`. */
function dropAsc(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  let inOrderBy = false;
  let last: Token | undefined; // last non-space token kept
  for (const token of tokens) {
    if (isWord(token, 'by') && isWord(last, 'order')) inOrderBy = true;
    if (inOrderBy && isWord(token, 'asc')) {
      if (out.at(-1)?.kind === 'space') out.pop();
      continue;
    }
    out.push(token);
    if (token.kind !== 'space') last = token;
  }
  return out;
}

function render(tokens: readonly Token[]): string {
  let text = '';
  for (const token of tokens) {
    switch (token.kind) {
      case 'space':
        text += ' ';
        break;
      case 'lit':
        text += '?';
        break;
      default:
        text += token.text;
    }
  }
  return text.trim().replace(/(?:\s*;)+$/, '').trim();
}

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
