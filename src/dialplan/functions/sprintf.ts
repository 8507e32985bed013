/**
 * SPRINTF(format,arg1[,arg2...]): C printf formatting of dialplan values. Integer conversions
 * read their argument like sscanf("%d"), floating ones like sscanf("%lf"), %c takes the first
 * character; more conversions than arguments is an error, as in Asterisk.
 */
import type { DialplanFunction } from '../types.ts';
import { scanFloat, scanInt, splitArgs } from '../expr/args.ts';
import { formatFloat, formatInteger, formatString } from './printf.ts';
import { fail } from './util.ts';

const SPEC = /%([-+ #0]*)(\d+)?(?:\.(\d*))?(hh|h|ll|l|L|q|j|z|t)?([diouxXeEfFgGaAcs%])/y;

export function sprintf(format: string, args: string[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    SPEC.lastIndex = pct;
    const m = SPEC.exec(format);
    if (!m) {
      // Not a conversion we know: copied as is, like Asterisk's "unrecognised format" path.
      out += '%';
      i = pct + 1;
      continue;
    }
    i = SPEC.lastIndex;
    const conv = m[5];
    if (conv === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) fail('SPRINTF() has more format specifiers than arguments!');
    const arg = args[argi++];
    const c = { flags: m[1], width: m[2] === undefined ? undefined : Number(m[2]), precision: m[3] === undefined ? undefined : Number(m[3] || '0'), conv };
    if ('diouxX'.includes(conv)) out += formatInteger(scanInt(arg) ?? 0, c);
    else if (conv === 'c') out += formatString(arg.slice(0, 1), { ...c, precision: undefined });
    else if (conv === 's') out += formatString(arg, c);
    else out += formatFloat(scanFloat(arg) ?? 0, { ...c, conv: conv === 'a' ? 'e' : conv === 'A' ? 'E' : conv });
  }
  return out;
}

export const SPRINTF: DialplanFunction = {
  name: 'SPRINTF',
  synopsis: 'Formats values like C printf.',
  syntax: 'SPRINTF(format,arg1[,arg2[,...]])',
  description: 'Supports %d %i %o %u %x %X %c %s %e %E %f %F %g %G with flags, width and precision. Example: SPRINTF(%05.2f,3.14159) returns 03.14.',
  read(args) {
    const parts = splitArgs(args);
    if (parts.length === 0) fail('SPRINTF() requires a format');
    return sprintf(parts[0], parts.slice(1));
  },
};
