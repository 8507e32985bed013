/**
 * POSIX extended regular expressions (what Asterisk's `:`/`=~` operators and REGEX() compile with
 * regcomp(REG_EXTENDED)) translated to JavaScript RegExp, with a bounded cache because dialplans
 * match the same few patterns over and over.
 *
 * Differences kept small on purpose: bracket classes (`[[:digit:]]`), backslash inside brackets
 * (literal in POSIX), `.` matching newlines, and backslash before a letter JS would treat as a
 * class (`\d` is a plain `d` for glibc). JavaScript picks the leftmost-first alternative where
 * POSIX picks the leftmost-longest; that only shows with alternations whose shorter branch comes
 * first.
 */

const CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: '0-9a-zA-Z',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  print: ' -~',
  graph: '!-~',
  cntrl: '\\x00-\\x1f\\x7f',
  xdigit: '0-9A-Fa-f',
  word: '0-9a-zA-Z_',
};

/** Escapes that mean the same in glibc's ERE and in JavaScript. */
const GNU_ESCAPES = new Set(['w', 'W', 's', 'S', 'b', 'B']);

export interface CompiledRegex {
  re: RegExp;
  /** Number of capture groups (regex_t.re_nsub). */
  groups: number;
}

/** Translate a POSIX ERE source to a JavaScript source; throws SyntaxError on a bad bracket. */
export function translateEre(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw new SyntaxError('trailing backslash');
      if (GNU_ESCAPES.has(n)) out += '\\' + n;
      else if (n === '<' || n === '>') out += '\\b';
      else if (/[0-9]/.test(n)) out += '\\' + n;
      else if (/[a-zA-Z]/.test(n)) out += n;
      else out += '\\' + n;
      i += 2;
      continue;
    }
    if (c === '[') {
      const r = translateBracket(src, i);
      out += r.text;
      i = r.end;
      continue;
    }
    if (c === '/') {
      out += '\\/';
      i++;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function translateBracket(src: string, start: number): { text: string; end: number } {
  let i = start + 1;
  let out = '[';
  if (src[i] === '^') {
    out += '^';
    i++;
  }
  // A ']' right after '[' or '[^' is a literal member.
  if (src[i] === ']') {
    out += '\\]';
    i++;
  }
  while (i < src.length && src[i] !== ']') {
    const c = src[i];
    if (c === '[' && (src[i + 1] === ':' || src[i + 1] === '.' || src[i + 1] === '=')) {
      const kind = src[i + 1];
      const close = src.indexOf(kind + ']', i + 2);
      if (close < 0) throw new SyntaxError('unterminated bracket class');
      const name = src.slice(i + 2, close);
      if (kind === ':') {
        const cls = CLASSES[name];
        if (cls === undefined) throw new SyntaxError(`invalid character class ${name}`);
        out += cls;
      } else {
        out += escapeInBracket(name);
      }
      i = close + 2;
      continue;
    }
    out += escapeInBracket(c);
    i++;
  }
  if (i >= src.length) throw new SyntaxError('brackets ([ ]) not balanced');
  return { text: out + ']', end: i + 1 };
}

function escapeInBracket(s: string): string {
  // '-' keeps its range meaning; everything JS treats specially inside [] is escaped.
  return s.replace(/[\\\]\[^]/g, (m) => '\\' + m);
}

const cache = new Map<string, CompiledRegex | SyntaxError>();
const CACHE_MAX = 512;

/** Compile a POSIX ERE (cached). Throws SyntaxError (regcomp's error) when it is invalid. */
export function compileEre(src: string): CompiledRegex {
  let hit = cache.get(src);
  if (hit === undefined) {
    try {
      const js = translateEre(src);
      const re = new RegExp(js, 's');
      const groups = (new RegExp(js + '|', 's').exec('') as RegExpExecArray).length - 1;
      hit = { re, groups };
    } catch (e) {
      hit = e instanceof SyntaxError ? e : new SyntaxError(String(e));
    }
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(src, hit);
  }
  if (hit instanceof SyntaxError) throw hit;
  return hit;
}
