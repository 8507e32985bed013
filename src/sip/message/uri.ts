/**
 * SIP, SIPS and tel URIs (RFC 3261 19.1 and 25.1, RFC 3966).
 *
 *   SIP-URI  = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
 *   userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 *
 * The user and password are stored unescaped (RFC 3261 19.1.4: "%61lice" and "alice" are the
 * same user) and re-escaped by formatUri. The host is stored as written, IPv6 references with
 * their brackets ("[2001:db8::1]"). Parameter names are lower-cased; parameter values and URI
 * headers are kept as written. For tel URIs the number goes in `user` and `host` is empty.
 */
import { SipError } from '../../core/errors.ts';
import { asciiLower, parseDigits, parseError } from './syntax.ts';
import type { Params, SipUri } from './types.ts';

const MALFORMED = 'Malformed URI';

/** Chars that may appear in a URI at all (printable ASCII and bytes >= 0x80, minus delimiters). */
function isUriChar(c: number): boolean {
  return c > 32 && c !== 127 && c !== 34 && c !== 60 && c !== 62 && c <= 255;
}

const HOST = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) HOST[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) HOST[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) HOST[c] = 1;
// '_' is not in RFC 3261 hostnames, but SRV-style and mis-configured names carry it.
for (const ch of '-._') HOST[ch.charCodeAt(0)] = 1;

const IPV6 = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) IPV6[c] = 1;
for (let c = 0x41; c <= 0x46; c++) IPV6[c] = 1;
for (let c = 0x61; c <= 0x66; c++) IPV6[c] = 1;
for (const ch of ':.') IPV6[ch.charCodeAt(0)] = 1;

/** unreserved / user-unreserved: what a user part may hold unescaped. */
const USER_SAFE = new Uint8Array(256);
/** unreserved / "&" / "=" / "+" / "$" / ",": what a password may hold unescaped. */
const PASSWORD_SAFE = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) USER_SAFE[c] = PASSWORD_SAFE[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) USER_SAFE[c] = PASSWORD_SAFE[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) USER_SAFE[c] = PASSWORD_SAFE[c] = 1;
for (const ch of "-_.!~*'()") USER_SAFE[ch.charCodeAt(0)] = PASSWORD_SAFE[ch.charCodeAt(0)] = 1;
for (const ch of '&=+$,;?/') USER_SAFE[ch.charCodeAt(0)] = 1;
for (const ch of '&=+$,') PASSWORD_SAFE[ch.charCodeAt(0)] = 1;

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** %HH to the byte it names; a '%' not followed by two hex digits is kept literally. */
export function unescapeUri(s: string): string {
  let p = s.indexOf('%');
  if (p < 0) return s;
  let out = '';
  let run = 0;
  while (p >= 0) {
    const h = p + 2 < s.length ? hexVal(s.charCodeAt(p + 1)) : -1;
    const l = h >= 0 ? hexVal(s.charCodeAt(p + 2)) : -1;
    if (l >= 0) {
      out += s.slice(run, p) + String.fromCharCode(h * 16 + l);
      run = p + 3;
      p = s.indexOf('%', run);
    } else {
      p = s.indexOf('%', p + 1);
    }
  }
  return out + s.slice(run);
}

const HEX = '0123456789ABCDEF';

function escapeWith(s: string, safe: Uint8Array): string {
  let out = '';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 256 && safe[c] === 1) continue;
    out += s.slice(run, i);
    run = i + 1;
    if (c < 256) out += '%' + HEX[c >> 4] + HEX[c & 15];
    else for (const b of new TextEncoder().encode(s[i])) out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return run === 0 ? s : out + s.slice(run);
}

/** Parses a sip:, sips: or tel: URI. Throws SipError 400 'Malformed URI', or 416 for other schemes. */
export function parseUri(s: string): SipUri {
  if (typeof s !== 'string') throw parseError(MALFORMED);
  const colon = s.indexOf(':');
  if (colon <= 0) throw parseError(MALFORMED);
  for (let i = 0; i < s.length; i++) if (!isUriChar(s.charCodeAt(i))) throw parseError(MALFORMED);
  const scheme = asciiLower(s.slice(0, colon));
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(s, colon + 1, scheme);
  if (scheme === 'tel') return parseTelUri(s, colon + 1);
  for (let i = 0; i < colon; i++) {
    const c = s.charCodeAt(i);
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!alpha && (i === 0 || !((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46))) {
      throw parseError(MALFORMED);
    }
  }
  throw new SipError('SIP_PARSE', 416, 'Unsupported URI Scheme');
}

function parseSipUri(s: string, start: number, scheme: 'sip' | 'sips'): SipUri {
  const uri: SipUri = { scheme, host: '', params: {}, headers: {} };
  let i = start;
  const at = s.indexOf('@', start);
  if (at >= 0) {
    const info = s.slice(start, at);
    const pc = info.indexOf(':');
    const user = pc < 0 ? info : info.slice(0, pc);
    if (user.length === 0) throw parseError(MALFORMED);
    uri.user = unescapeUri(user);
    if (pc >= 0) uri.password = unescapeUri(info.slice(pc + 1));
    i = at + 1;
  }
  // hostport
  const n = s.length;
  const hostStart = i;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0 || close === i + 1) throw parseError(MALFORMED);
    for (let k = i + 1; k < close; k++) if (IPV6[s.charCodeAt(k)] !== 1) throw parseError(MALFORMED);
    i = close + 1;
  } else {
    while (i < n && HOST[s.charCodeAt(i)] === 1) i++;
  }
  if (i === hostStart) throw parseError(MALFORMED);
  uri.host = s.slice(hostStart, i);
  if (i < n && s.charCodeAt(i) === 58) {
    const ps = ++i;
    while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    const port = parseDigits(s.slice(ps, i), 5);
    if (port < 0 || port > 65535) throw parseError(MALFORMED);
    uri.port = port;
  }
  i = readUriParams(s, i, uri.params);
  if (i < n) {
    if (s.charCodeAt(i) !== 63) throw parseError(MALFORMED);
    readUriHeaders(s, i + 1, uri.headers);
  }
  return uri;
}

/** telephone-subscriber (RFC 3966): digits, visual separators, '+', '*', '#', hex for local numbers. */
const TEL = new Uint8Array(256);
for (const ch of '0123456789ABCDEFabcdef*#+-.()') TEL[ch.charCodeAt(0)] = 1;

function parseTelUri(s: string, start: number): SipUri {
  let i = start;
  while (i < s.length && TEL[s.charCodeAt(i)] === 1) i++;
  if (i === start) throw parseError(MALFORMED);
  const uri: SipUri = { scheme: 'tel', user: s.slice(start, i), host: '', params: {}, headers: {} };
  i = readUriParams(s, i, uri.params);
  if (i < s.length) throw parseError(MALFORMED);
  return uri;
}

/** ;name[=value] up to '?' or the end. */
function readUriParams(s: string, i: number, params: Params): number {
  const n = s.length;
  while (i < n && s.charCodeAt(i) === 59) {
    let j = i + 1;
    let eq = -1;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === 59 || c === 63) break;
      if (c === 61 && eq < 0) eq = j;
      j++;
    }
    const name = s.slice(i + 1, eq < 0 ? j : eq);
    if (name.length === 0) throw parseError(MALFORMED);
    params[asciiLower(name)] = eq < 0 ? null : s.slice(eq + 1, j);
    i = j;
  }
  return i;
}

function readUriHeaders(s: string, i: number, headers: Record<string, string>): void {
  for (const part of s.slice(i).split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw parseError(MALFORMED);
    headers[part.slice(0, eq)] = part.slice(eq + 1);
  }
}

/** Writes a URI back; user and password are escaped as RFC 3261 25.1 requires. */
export function formatUri(u: SipUri): string {
  let out: string;
  if (u.scheme === 'tel') {
    out = 'tel:' + (u.user ?? '');
  } else {
    out = u.scheme + ':';
    if (u.user !== undefined && u.user !== '') {
      out += escapeWith(u.user, USER_SAFE);
      if (u.password !== undefined) out += ':' + escapeWith(u.password, PASSWORD_SAFE);
      out += '@';
    }
    // A bare IPv6 address given by code gets the brackets a URI needs.
    out += u.host.indexOf(':') >= 0 && u.host.charCodeAt(0) !== 91 ? '[' + u.host + ']' : u.host;
    if (u.port !== undefined) out += ':' + u.port;
  }
  for (const k in u.params) {
    const v = u.params[k];
    out += v === null || v === undefined ? ';' + k : ';' + k + '=' + v;
  }
  let sep = '?';
  for (const k in u.headers) {
    out += sep + k + '=' + u.headers[k];
    sep = '&';
  }
  return out;
}
