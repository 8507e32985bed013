/**
 * CSeq (RFC 3261 20.16): `CSeq = "CSeq" HCOLON 1*DIGIT LWS Method`. The sequence number must
 * be less than 2**31 (RFC 3261 8.1.1.5), which RFC 4475 torture messages probe with huge values.
 */
import { isToken, isWsp, parseDigits, parseError } from './syntax.ts';
import type { CSeq } from './types.ts';

const MALFORMED = 'Malformed CSeq';

export function parseCSeq(s: string): CSeq {
  if (typeof s !== 'string') throw parseError(MALFORMED);
  const n = s.length;
  let i = 0;
  while (i < n && isWsp(s.charCodeAt(i))) i++;
  const ds = i;
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const seq = parseDigits(s.slice(ds, i), 10);
  if (seq < 0 || seq > 0x7fffffff) throw parseError(MALFORMED);
  const ws = i;
  while (i < n && isWsp(s.charCodeAt(i))) i++;
  if (i === ws) throw parseError(MALFORMED);
  let e = n;
  while (e > i && isWsp(s.charCodeAt(e - 1))) e--;
  const method = s.slice(i, e);
  if (!isToken(method)) throw parseError(MALFORMED);
  return { seq, method };
}

export function formatCSeq(c: CSeq): string {
  return c.seq + ' ' + c.method;
}
