// The tokenizer of the fingerprint: comments dropped, literals (strings, numbers with their sign, hex, bit,
// charset-introduced strings, placeholders) read as one token each, words lower-cased, identifiers kept.
import { LIT, SPACE, type Token } from './sql-tokens.js';

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

export function tokenize(sql: string): Token[] {
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
