/**
 * Argument splitting and small string helpers that dialplan functions share, with Asterisk's
 * semantics (ast_app_separate_args, ast_strip_quoted, ast_get_encoded_char), so that
 * `CUT(var,\,,2)`, `DB(family/key/with/slashes)` and `FILTER(0-9,a,b)` split exactly as users
 * expect from Asterisk.
 *
 * Written here (not in parse/args.ts) because functions split their own argument text after
 * substitution, with per-function knobs (delimiter, raw mode, argument count) that the
 * application-argument splitter does not need.
 */

export interface SplitOptions {
  /** Separator; ',' by default (`/` for DB, `"` for REGEX). */
  delim?: string;
  /**
   * Remove double quotes and backslashes while splitting (AST_STANDARD_APP_ARGS). False keeps
   * them (AST_STANDARD_RAW_ARGS): FILTER needs its `\-` and `\x41` intact.
   */
  removeChars?: boolean;
  /**
   * How many arguments the function declares: the last one receives the rest of the text
   * unsplit and unprocessed, as in Asterisk. Unlimited when undefined.
   */
  max?: number;
}

/**
 * Split `text` into arguments. Parentheses, square brackets and double quotes protect the
 * separator; a backslash makes the next character literal. An empty text has no arguments
 * (Asterisk's argc == 0); a trailing separator adds one empty argument.
 */
export function splitArgs(text: string, options: SplitOptions = {}): string[] {
  const delim = options.delim ?? ',';
  const remove = options.removeChars ?? true;
  const max = options.max ?? Infinity;
  const out: string[] = [];
  if (text === '') return out;
  // Fast path: nothing that needs care.
  if (remove && text.indexOf('"') < 0 && text.indexOf('\\') < 0 && text.indexOf('(') < 0 && text.indexOf('[') < 0 && max === Infinity) {
    return text.split(delim);
  }
  let i = 0;
  let paren = 0;
  let bracket = 0;
  let quote = false;
  let endedOnDelim = false;
  while (i < text.length && out.length < max - 1) {
    let cur = '';
    endedOnDelim = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '(') paren++;
      else if (c === ')') {
        if (paren) paren--;
      } else if (c === '[') bracket++;
      else if (c === ']') {
        if (bracket) bracket--;
      } else if (c === '"' && delim !== '"') {
        quote = !quote;
        if (remove) continue;
      } else if (c === '\\') {
        // The next character is taken literally (and the backslash dropped when removing).
        if (!remove) cur += c;
        i++;
        if (i < text.length) cur += text[i];
        continue;
      } else if (c === delim && !paren && !quote && !bracket) {
        i++;
        endedOnDelim = true;
        break;
      }
      cur += c;
    }
    out.push(cur);
  }
  if (i < text.length || endedOnDelim) out.push(text.slice(i));
  return out;
}

/** Trim spaces and tabs (ast_strip: isspace on both ends). */
export function strip(s: string): string {
  return s.trim();
}

/** ast_strip_quoted(s, "\"", "\""): trim, then remove one pair of surrounding double quotes. */
export function stripQuoted(s: string): string {
  const t = s.trim();
  if (t.length >= 1 && t[0] === '"' && t[t.length - 1] === '"') return t.slice(1, t.length - 1 || 1);
  return t;
}

/**
 * ast_get_encoded_char: the first character of `stream`, decoding `\n`, `\r`, `\t`, `\xHH`,
 * `\0ooo` and `\c` (any other character taken literally). Undefined for an empty stream.
 */
export function decodeEncodedChar(stream: string): { char: string; consumed: number } | undefined {
  if (stream === '') return undefined;
  if (stream[0] !== '\\') return { char: stream[0], consumed: 1 };
  const n = stream[1];
  if (n === undefined) return { char: '\\', consumed: 1 };
  switch (n) {
    case 'n':
      return { char: '\n', consumed: 2 };
    case 'r':
      return { char: '\r', consumed: 2 };
    case 't':
      return { char: '\t', consumed: 2 };
    case 'x': {
      const m = /^[0-9a-fA-F]{1,2}/.exec(stream.slice(2));
      if (!m) return { char: 'x', consumed: 2 };
      return { char: String.fromCharCode(parseInt(m[0], 16)), consumed: 2 + m[0].length };
    }
    case '0': {
      const m = /^[0-7]{1,3}/.exec(stream.slice(2));
      if (!m) return { char: '\0', consumed: 2 };
      return { char: String.fromCharCode(parseInt(m[0], 8) & 0xff), consumed: 2 + m[0].length };
    }
    default:
      return { char: n, consumed: 2 };
  }
}

/** ast_get_encoded_str: decode every escape of `s`. */
export function decodeEncodedString(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const d = decodeEncodedChar(s.slice(i));
    if (!d) break;
    out += d.char;
    i += d.consumed;
  }
  return out;
}

/** C sscanf("%d") on the start of `s` (leading white space skipped); undefined when no digits. */
export function scanInt(s: string): number | undefined {
  const m = /^\s*([+-]?\d+)/.exec(s);
  if (!m) return undefined;
  const v = Number(m[1]);
  if (v > 2147483647) return 2147483647;
  if (v < -2147483648) return -2147483648;
  return v;
}

/** C atoi: like scanInt but 0 when there is no number. */
export function atoi(s: string): number {
  return scanInt(s) ?? 0;
}

/** C strtod/sscanf("%lf") on the start of `s`; undefined when no number is there. */
export function scanFloat(s: string): number | undefined {
  const m = /^\s*[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)/i.exec(s);
  if (!m) return undefined;
  const t = m[0].trim().toLowerCase();
  if (t.endsWith('nan')) return NaN;
  if (t.includes('inf')) return t.startsWith('-') ? -Infinity : Infinity;
  return Number(t);
}

/**
 * Asterisk's truth test for conditions (pbx_checkcondition): empty is false, a leading
 * integer decides (`0`, `00`, `0.5` are false), any other text is true.
 */
export function checkCondition(s: string): boolean {
  if (s === '') return false;
  const n = scanInt(s);
  if (n !== undefined) return n !== 0;
  return true;
}
