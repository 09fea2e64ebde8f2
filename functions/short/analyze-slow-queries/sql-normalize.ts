// The fingerprint's normalizing passes over the tokens: literal keywords, literal lists, LIMIT, ORDER BY … ASC.
import { isPunct, isWord, LIT, skipSpaces, SPACE, type Token } from './sql-tokens.js';

/** `null`, `true`, `false` as values become literals; `is [not] null` stays. */
export function literalKeywords(tokens: readonly Token[]): Token[] {
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
export function collapseLists(tokens: readonly Token[]): Token[] {
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
export function collapseLimit(tokens: readonly Token[]): Token[] {
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
export function dropAsc(tokens: readonly Token[]): Token[] {
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
