/**
 * CUT (fields of a variable by delimiter and range list) and SORT (keys ordered by their
 * numeric values), as func_cut in Asterisk.
 */
import type { DialplanFunction } from '../types.ts';
import { decodeEncodedChar, scanFloat, splitArgs } from '../expr/args.ts';
import { valueOf } from '../expr/substitute.ts';
import { fail } from './util.ts';

const INT_MAX = 2147483647;

/** One `&`-separated item of a range spec: `2`, `2-4`, `2-`, `-4`. */
function parseRange(spec: string): { start: number; stop: number } | undefined {
  let m = /^\s*([+-]?\d+)-\s*([+-]?\d+)/.exec(spec);
  if (m) return { start: Number(m[1]), stop: Number(m[2]) };
  m = /^-\s*([+-]?\d+)/.exec(spec);
  if (m) return { start: 1, stop: Number(m[1]) };
  m = /^\s*([+-]?\d+)(.)?/.exec(spec);
  if (m && m[2] === '-') return { start: Number(m[1]), stop: INT_MAX };
  if (m) return { start: Number(m[1]), stop: Number(m[1]) };
  return undefined;
}

export const CUT: DialplanFunction = {
  name: 'CUT',
  synopsis: 'Returns fields of a variable split by a delimiter.',
  syntax: 'CUT(varname,char-delim,range-spec)',
  description:
    'char-delim defaults to -. range-spec is a field number (1-based), a range (2-4, 2-, -3) ' +
    'or several joined by & (1&3-4). Fields are returned joined by the delimiter.',
  read(args, env) {
    const parts = splitArgs(args, { max: 3 });
    if (parts.length < 3) fail('Syntax: CUT(<varname>,<char-delim>,<range-spec>) - missing argument!');
    const [varname, delimText, fieldSpec] = parts;
    const value = valueOf(varname, env);
    const delim = decodeEncodedChar(delimText)?.char ?? '-';
    if (value === '') return '';
    const fields = value.split(delim);
    let p = 0;
    let fieldNum = 1;
    const out: string[] = [];
    for (const item of fieldSpec.split('&')) {
      if (p >= fields.length) break;
      const r = parseRange(item);
      if (!r) fail('Usage: CUT(<varname>,<char-delim>,<range-spec>)');
      while (p < fields.length && fieldNum < r.start) {
        p++;
        fieldNum++;
      }
      if (fieldNum > r.start) env.log('warning', "We're already past the field you wanted?");
      while (p < fields.length && fieldNum <= r.stop) {
        out.push(fields[p++]);
        fieldNum++;
      }
    }
    return out.join(delim);
  },
};

export const SORT: DialplanFunction = {
  name: 'SORT',
  synopsis: 'Orders keys by their numeric values.',
  syntax: 'SORT(key1:val1[,key2:val2[,...]])',
  description: 'Returns the keys, comma-separated, sorted by their values (floating point). SORT(a:3,b:1,c:2) returns b,c,a.',
  read(args) {
    const items: { key: string; value: number }[] = [];
    for (const part of args.split(',')) {
      const colon = part.indexOf(':');
      if (colon < 0) continue;
      const v = scanFloat(part.slice(colon + 1));
      items.push({ key: part.slice(0, colon), value: v === undefined || Number.isNaN(v) ? 0 : v });
    }
    // Array.prototype.sort is stable: equal values keep their order.
    items.sort((a, b) => a.value - b.value);
    return items.map((i) => i.key).join(',');
  },
};
