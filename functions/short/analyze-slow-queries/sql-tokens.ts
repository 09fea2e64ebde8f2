// The tokens a SQL statement is read into for fingerprinting, and the helpers every pass uses.

export type Token =
  | { readonly kind: 'space' }
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'ident'; readonly text: string }
  | { readonly kind: 'lit' }
  | { readonly kind: 'punct'; readonly text: string }
  | { readonly kind: 'raw'; readonly text: string };

export const SPACE: Token = { kind: 'space' };
export const LIT: Token = { kind: 'lit' };

export function isWord(token: Token | undefined, ...texts: string[]): boolean {
  return token?.kind === 'word' && texts.includes(token.text);
}

export function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text;
}

/** Index of the first non-space token at or after `i`. */
export function skipSpaces(tokens: readonly Token[], i: number): number {
  while (tokens[i]?.kind === 'space') i += 1;
  return i;
}

/** The fingerprint's text: a literal is `?`, a space run one space; trailing `;` removed. */
export function render(tokens: readonly Token[]): string {
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
