/**
 * String functions: LEN, QUOTE, FIELDQTY, FILTER, REGEX, EVAL, TOUPPER, TOLOWER
 * (func_strings in Asterisk). Lengths count JavaScript characters, not UTF-8 bytes.
 */
import type { DialplanFunction } from '../types.ts';
import { decodeEncodedChar, splitArgs } from '../expr/args.ts';
import { compileEre } from '../expr/posix-regex.ts';
import { asSubstEnv, substitute, valueOf } from '../expr/substitute.ts';
import { fail } from './util.ts';

export const LEN: DialplanFunction = {
  name: 'LEN',
  synopsis: 'Returns the length of a string.',
  syntax: 'LEN(string)',
  description: 'Example: LEN(example) returns 7.',
  read: (args) => String(args.length),
};

export const QUOTE: DialplanFunction = {
  name: 'QUOTE',
  synopsis: 'Wraps a string in double quotes, escaping quotes and backslashes inside.',
  syntax: 'QUOTE(string)',
  description: 'Example: QUOTE(ab"c"de) returns "ab\\"c\\"de".',
  read(args) {
    if (args === '') return '""';
    return '"' + args.replace(/[\\"]/g, (m) => '\\' + m) + '"';
  },
};

export const FIELDQTY: DialplanFunction = {
  name: 'FIELDQTY',
  synopsis: 'Counts the fields of a variable split by a delimiter.',
  syntax: 'FIELDQTY(varname,delim)',
  description: 'The delimiter may be encoded: \\n, \\r, \\t, \\xHH (hex), \\0nnn (octal); e.g. \\x2C for a comma. If ${example} is ex-amp-le, FIELDQTY(example,-) returns 3.',
  read(args, env) {
    const [varname = '', delim] = splitArgs(args, { max: 2 });
    if (delim === undefined) return '1';
    const d = decodeEncodedChar(delim)?.char ?? '';
    const value = valueOf(varname, env);
    if (value === '') return '0';
    if (d === '') return '1';
    return String(value.split(d).length);
  },
};

/** The set of character codes FILTER's allowed-chars text stands for (ranges, escapes). */
function allowedSet(spec: string): Set<number> {
  const set = new Set<number>();
  let i = 0;
  while (i < spec.length) {
    const c1 = decodeEncodedChar(spec.slice(i));
    if (!c1) break;
    i += c1.consumed;
    const a = c1.char.charCodeAt(0) & 0xff;
    if (spec[i] === '-') {
      const c2 = decodeEncodedChar(spec.slice(i + 1));
      const b = c2 ? c2.char.charCodeAt(0) & 0xff : a;
      i += (c2 ? c2.consumed : 0) + 1;
      // Like Asterisk, a reversed range wraps through 255 to 0.
      for (let x = a; ; x = (x + 1) & 0xff) {
        set.add(x);
        if (x === b) break;
      }
    } else set.add(a);
  }
  set.delete(0);
  return set;
}

export const FILTER: DialplanFunction = {
  name: 'FILTER',
  synopsis: 'Keeps only the allowed characters of a string.',
  syntax: 'FILTER(allowed-chars,string)',
  description: 'allowed-chars lists characters and ranges (0-9A-Z); \\xHH, \\0nnn, \\t, \\n, \\r are recognised, a literal - must be written \\-.',
  read(args) {
    const parts = splitArgs(args, { max: 2, removeChars: false });
    if (parts.length < 2) fail('Usage: FILTER(<allowed-chars>,<string>)');
    const allowed = allowedSet(parts[0]);
    let out = '';
    for (const ch of parts[1]) if (allowed.has(ch.charCodeAt(0))) out += ch;
    return out;
  },
};

export const REGEX: DialplanFunction = {
  name: 'REGEX',
  synopsis: 'Tests a string against a regular expression.',
  syntax: 'REGEX("regular expression" string)',
  description: 'Returns 1 when string matches the POSIX extended regular expression, otherwise 0. One space after the closing quote is skipped.',
  read(args) {
    const parts = splitArgs(args, { delim: '"', max: 3 });
    if (parts.length !== 3) fail(`Unexpected arguments: should have been in the form '"<regex>" <string>'`);
    let s = parts[2];
    if (s[0] === ' ' || s[0] === '\t') s = s.slice(1);
    let re;
    try {
      re = compileEre(parts[1]).re;
    } catch (e) {
      fail(`Malformed input REGEX(${args}): ${(e as Error).message}`);
    }
    return re.test(s) ? '1' : '0';
  },
};

export const EVAL: DialplanFunction = {
  name: 'EVAL',
  synopsis: 'Substitutes variables in a value a second time.',
  syntax: 'EVAL(variable)',
  description: 'If MYVAR contains ${OTHERVAR}, EVAL(${MYVAR}) returns the value of OTHERVAR.',
  read(args, env) {
    if (args === '') fail('EVAL requires an argument: EVAL(<string>)');
    return substitute(args, asSubstEnv(env));
  },
};

export const TOUPPER: DialplanFunction = {
  name: 'TOUPPER',
  synopsis: 'Converts a string to upper case.',
  syntax: 'TOUPPER(string)',
  description: 'Example: TOUPPER(Example) returns EXAMPLE.',
  read: (args) => args.toUpperCase(),
};

export const TOLOWER: DialplanFunction = {
  name: 'TOLOWER',
  synopsis: 'Converts a string to lower case.',
  syntax: 'TOLOWER(string)',
  description: 'Example: TOLOWER(Example) returns example.',
  read: (args) => args.toLowerCase(),
};
