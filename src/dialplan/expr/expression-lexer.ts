/**
 * Tokens of a `$[ ]` expression, as Asterisk's flex scanner (main/ast_expr2.fl) cuts them:
 * operators (longest first), `"quoted strings"` kept with their quotes, numbers
 * (`[0-9]+(.[0-9]+)?`), words of `[a-zA-Z0-9.';\\_^#@]`, bytes >= 0x80 and `$` + any character
 * but `{`, and leftover `${...}` references gathered into one word. Characters no rule matches
 * (a lone `~`, `[`, `{`, an unpaired `"`) are skipped, as flex's default rule does.
 */

export type TokenKind =
  | 'or'
  | 'and'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'gt'
  | 'le'
  | 'ge'
  | 'plus'
  | 'minus'
  | 'mult'
  | 'div'
  | 'mod'
  | 'compl'
  | 'colon'
  | 'eqtilde'
  | 'tildetilde'
  | 'cond'
  | 'coloncolon'
  | 'comma'
  | 'lp'
  | 'rp'
  | 'string'
  | 'number';

export interface Token {
  kind: TokenKind;
  /** Token text (for strings: with their quotes; for numbers: digits as written). */
  text: string;
  /** Column where the token starts (for the error caret). */
  pos: number;
}

const TWO_CHAR: Record<string, TokenKind> = {
  '||': 'or',
  '&&': 'and',
  '==': 'eq',
  '=~': 'eqtilde',
  '~~': 'tildetilde',
  '>=': 'ge',
  '<=': 'le',
  '!=': 'ne',
  '::': 'coloncolon',
};

const ONE_CHAR: Record<string, TokenKind> = {
  '|': 'or',
  '&': 'and',
  '=': 'eq',
  '>': 'gt',
  '<': 'lt',
  '+': 'plus',
  ',': 'comma',
  '-': 'minus',
  '*': 'mult',
  '/': 'div',
  '%': 'mod',
  '?': 'cond',
  '!': 'compl',
  ':': 'colon',
  '(': 'lp',
  ')': 'rp',
};

/** Characters that end a `${...}` word's trailing part (the scanner's <trail> state). */
const TRAIL_STOP = new Set(['-', '\t', '\r', ' ', '\n', '$', '(', ')', ':', '?', '%', '/', '+', '=', '*', '<', '>', '!', '|', '&']);

function isWordChar(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code >= 0x80) return true;
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    c === '.' ||
    c === "'" ||
    c === ';' ||
    c === '\\' ||
    c === '_' ||
    c === '^' ||
    c === '#' ||
    c === '@'
  );
}

/** Length of the word rule's match at i (0 when none). */
function wordLength(s: string, i: number): number {
  let j = i;
  while (j < s.length) {
    const c = s[j];
    if (c === '$') {
      if (j + 1 < s.length && s[j + 1] !== '{') {
        j += 2;
        continue;
      }
      break;
    }
    if (!isWordChar(c)) break;
    j++;
  }
  return j - i;
}

function numberLength(s: string, i: number): number {
  let j = i;
  while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
  if (j === i) return 0;
  if (s[j] === '.' && j + 1 < s.length && s.charCodeAt(j + 1) >= 48 && s.charCodeAt(j + 1) <= 57) {
    j++;
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
  }
  return j - i;
}

/**
 * Consume a `${...}` reference starting at `i` (pointing at `$`), with its trailing characters
 * up to an operator or white space, and any further `${...}` glued to it. Returns the end index.
 */
function varWordEnd(s: string, i: number): number {
  let j = i;
  for (;;) {
    // j points at "${"
    j += 2;
    let depth = 0;
    while (j < s.length) {
      const c = s[j];
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth < 0) break;
      }
      j++;
    }
    if (j >= s.length) return s.length;
    j++; // past the closing brace
    while (j < s.length && !TRAIL_STOP.has(s[j])) j++;
    if (j < s.length && s[j] === '$' && s[j + 1] === '{') continue;
    return j;
  }
}

export function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '$' && s[i + 1] === '{') {
      const end = varWordEnd(s, i);
      out.push({ kind: 'string', text: s.slice(i, end), pos: i });
      i = end;
      continue;
    }
    if (c === '"') {
      const close = s.indexOf('"', i + 1);
      if (close >= 0) {
        out.push({ kind: 'string', text: s.slice(i, close + 1), pos: i });
        i = close + 1;
        continue;
      }
      i++; // an unpaired quote matches no rule: skipped
      continue;
    }
    const two = TWO_CHAR[s.slice(i, i + 2)];
    if (two) {
      out.push({ kind: two, text: s.slice(i, i + 2), pos: i });
      i += 2;
      continue;
    }
    const one = ONE_CHAR[c];
    if (one) {
      out.push({ kind: one, text: c, pos: i });
      i++;
      continue;
    }
    const nl = numberLength(s, i);
    const wl = wordLength(s, i);
    if (nl === 0 && wl === 0) {
      i++; // flex's default rule: the character is echoed and otherwise ignored
      continue;
    }
    const len = Math.max(nl, wl);
    // A word glued to a ${...} reference continues as one token.
    if (s[i + wl] === '$' && s[i + wl + 1] === '{' && wl >= nl) {
      const end = varWordEnd(s, i + wl);
      out.push({ kind: 'string', text: s.slice(i, end), pos: i });
      i = end;
      continue;
    }
    out.push({ kind: nl >= wl ? 'number' : 'string', text: s.slice(i, i + len), pos: i });
    i += len;
  }
  return out;
}
