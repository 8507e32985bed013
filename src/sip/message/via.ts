/**
 * One Via element (RFC 3261 20.42 and 25.1):
 *
 *   via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport
 *   sent-by       = host [ COLON port ]
 *
 * SLASH and COLON allow whitespace around them (SWS), which RFC 4475 torture messages use.
 * protocol is normalised to upper case without spaces ("SIP/2.0"), transport upper-cased;
 * the host is kept as written (IPv6 with brackets). received/rport values are not checked here.
 */
import { asciiUpper, formatParams, isWsp, parseDigits, parseError, parseParams, TOKEN } from './syntax.ts';
import type { Via } from './types.ts';

const MALFORMED = 'Malformed Via';

const HOST = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) HOST[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) HOST[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) HOST[c] = 1;
for (const ch of '-._') HOST[ch.charCodeAt(0)] = 1;

export function parseVia(s: string): Via {
  if (typeof s !== 'string') throw parseError(MALFORMED);
  const n = s.length;
  let i = skipWs(s, 0);
  // sent-protocol: three tokens separated by SLASH (SWS "/" SWS).
  const parts: string[] = [];
  for (let k = 0; k < 3; k++) {
    if (k > 0) {
      i = skipWs(s, i);
      if (s.charCodeAt(i) !== 47) throw parseError(MALFORMED);
      i = skipWs(s, i + 1);
    }
    const st = i;
    while (i < n && TOKEN[s.charCodeAt(i)] === 1) i++;
    if (i === st) throw parseError(MALFORMED);
    parts.push(s.slice(st, i));
  }
  // LWS then sent-by.
  const hostStart = skipWs(s, i);
  if (hostStart === i) throw parseError(MALFORMED);
  i = hostStart;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0 || close === i + 1) throw parseError(MALFORMED);
    for (let k = i + 1; k < close; k++) {
      const c = s.charCodeAt(k);
      if (!((c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46)) throw parseError(MALFORMED);
    }
    i = close + 1;
  } else {
    while (i < n && HOST[s.charCodeAt(i)] === 1) i++;
  }
  if (i === hostStart) throw parseError(MALFORMED);
  const host = s.slice(hostStart, i);
  let port: number | undefined;
  i = skipWs(s, i);
  if (s.charCodeAt(i) === 58) {
    i = skipWs(s, i + 1);
    const ps = i;
    while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    port = parseDigits(s.slice(ps, i), 5);
    if (port < 0 || port > 65535) throw parseError(MALFORMED);
  }
  const params = parseParams(s, i, MALFORMED);
  const via: Via = { protocol: asciiUpper(parts[0] as string) + '/' + parts[1], transport: asciiUpper(parts[2] as string), host, params };
  if (port !== undefined) via.port = port;
  return via;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWsp(s.charCodeAt(i))) i++;
  return i;
}

export function formatVia(v: Via): string {
  const host = v.host.indexOf(':') >= 0 && v.host.charCodeAt(0) !== 91 ? '[' + v.host + ']' : v.host;
  return v.protocol + '/' + v.transport + ' ' + host + (v.port !== undefined ? ':' + v.port : '') + formatParams(v.params);
}
