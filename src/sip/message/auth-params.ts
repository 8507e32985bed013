/**
 * Authentication header values (RFC 3261 25.1, RFC 7616 for the digest parameters):
 *
 *   challenge   = ("Digest" LWS digest-cln *(COMMA digest-cln)) / other-challenge
 *   credentials = ("Digest" LWS digest-response) / other-response
 *   auth-param  = auth-param-name EQUAL ( token / quoted-string )
 *
 * Used for WWW-Authenticate, Authorization, Proxy-Authenticate, Proxy-Authorization and
 * Authentication-Info. Those headers are never split on commas by the message parser; this
 * module splits them, honouring commas inside quoted strings.
 */
import { asciiLower, isWsp, parseError, quote, readQuoted, TOKEN } from './syntax.ts';

const MALFORMED = 'Malformed Authentication Header';

export interface AuthParams {
  scheme: string;
  /** Lower-cased names; quoted values unquoted and unescaped. */
  params: Record<string, string>;
}

export function parseAuthParams(value: string): AuthParams {
  if (typeof value !== 'string') throw parseError(MALFORMED);
  const s = value;
  const n = s.length;
  let i = 0;
  while (i < n && isWsp(s.charCodeAt(i))) i++;
  const ss = i;
  while (i < n && TOKEN[s.charCodeAt(i)] === 1) i++;
  if (i === ss) throw parseError(MALFORMED);
  const scheme = s.slice(ss, i);
  if (i < n && !isWsp(s.charCodeAt(i))) throw parseError(MALFORMED);
  const params: Record<string, string> = {};
  for (;;) {
    while (i < n && (isWsp(s.charCodeAt(i)) || s.charCodeAt(i) === 44)) i++;
    if (i >= n) break;
    const ns = i;
    while (i < n && TOKEN[s.charCodeAt(i)] === 1) i++;
    if (i === ns) throw parseError(MALFORMED);
    const name = asciiLower(s.slice(ns, i));
    while (i < n && isWsp(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 61) throw parseError(MALFORMED);
    i++;
    while (i < n && isWsp(s.charCodeAt(i))) i++;
    let v: string;
    if (s.charCodeAt(i) === 34) {
      const q = readQuoted(s, i);
      if (q === undefined) throw parseError(MALFORMED);
      v = q.text;
      i = q.end;
    } else {
      const vs = i;
      while (i < n && s.charCodeAt(i) !== 44 && !isWsp(s.charCodeAt(i))) i++;
      v = s.slice(vs, i);
    }
    params[name] = v;
    while (i < n && isWsp(s.charCodeAt(i))) i++;
    if (i < n && s.charCodeAt(i) !== 44) throw parseError(MALFORMED);
  }
  return { scheme, params };
}

/** `Digest realm="x", nonce="y", algorithm=MD5`: names in `quoted` are written as quoted strings. */
export function formatAuthParams(scheme: string, params: Record<string, string>, quoted: Set<string>): string {
  let out = scheme;
  let sep = ' ';
  for (const k in params) {
    const v = params[k] as string;
    out += sep + k + '=' + (quoted.has(k) ? quote(v) : v);
    sep = ', ';
  }
  return out;
}
