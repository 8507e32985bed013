import type { SipHeader } from './message/types.ts';

const COMPACT: Record<string, string> = { v: 'Via', f: 'From', t: 'To', i: 'Call-ID' };
const WANTED = new Set(['via', 'from', 'to', 'call-id', 'cseq']);

/**
 * For a request that failed to parse: scan its header lines leniently and return the headers a
 * 400 response must copy (RFC 3261 8.2.6.2), or undefined when it cannot be answered (not a
 * request, or no Via/CSeq to route and match the response by).
 */
export function extractResponseHeaders(raw: string): SipHeader[] | undefined {
  const head = raw.slice(0, 8192);
  const lines = head.split(/\r?\n/);
  const first = lines[0] ?? '';
  if (!/^[A-Za-z]+ \S+ SIP\/2\.0\s*$/.test(first)) return undefined;
  const out: SipHeader[] = [];
  for (let i = 1; i < lines.length && i < 200; i++) {
    const line = lines[i];
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const rawName = line.slice(0, colon).trim();
    const lower = rawName.toLowerCase();
    const name = COMPACT[lower] ?? canonical(lower);
    if (!WANTED.has(name.toLowerCase())) continue;
    const value = line.slice(colon + 1).trim();
    if (!value || /[\x00-\x08\x0b-\x1f\x7f]/.test(value)) continue;
    out.push({ name, value });
  }
  const has = (n: string): boolean => out.some((h) => h.name === n);
  if (!has('Via') || !has('CSeq')) return undefined;
  return out;
}

function canonical(lower: string): string {
  if (lower === 'call-id') return 'Call-ID';
  if (lower === 'cseq') return 'CSeq';
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}
