/**
 * The client side of SIP digest (RFC 3261 22.2 and 22.3, RFC 2617, RFC 7616, RFC 8760): answer a
 * 401 WWW-Authenticate or 407 Proxy-Authenticate with Authorization / Proxy-Authorization built
 * from a peer's credentials. Used for calls through a provider trunk (and any other request we
 * send that a server challenges).
 *
 * Choices, as Asterisk's chan_sip makes them:
 * - Of several challenges in one response, SHA-256 is preferred to MD5 (RFC 8760 2.4); a
 *   challenge with an algorithm we do not know is skipped.
 * - qop=auth is used when offered (with a fresh cnonce and a nonce count per nonce); without qop
 *   the RFC 2069 form is sent. auth-int alone is answered as auth-int over the request body.
 * - A challenge to a request that already carried our answer for that realm, without
 *   stale=true, means the credentials were refused (RFC 3261 22.2: do not retry with rejected
 *   credentials), whether the server repeats its nonce or mints a new one: the authenticator
 *   gives up and the caller ends the request with the challenge as its final response.
 * - md5secret (H(user:realm:secret)) serves only MD5 challenges.
 */
import { randomHex } from '../../platform/crypto.ts';
import { parseAuthParams, formatAuthParams } from '../message/auth-params.ts';
import { getHeaders } from '../message/headers.ts';
import { formatUri } from '../message/uri.ts';
import type { SipHeader, SipRequest, SipResponse } from '../message/types.ts';
import { credentialsHash, parseAlgorithm, requestDigest, type DigestAlgorithm } from './digest-hash.ts';

/** What we authenticate with: a user name and either the password or the MD5 of user:realm:password. */
export interface ClientCredentials {
  username: string;
  secret?: string;
  /** Hex md5(username:realm:secret), sip.conf `md5secret`. */
  md5secret?: string;
}

/** A parsed challenge (one WWW-Authenticate / Proxy-Authenticate value). */
export interface DigestChallenge {
  algorithm: DigestAlgorithm;
  realm: string;
  nonce: string;
  opaque?: string;
  /** The qop we will answer with, or undefined for the RFC 2069 form. */
  qop?: 'auth' | 'auth-int';
  stale: boolean;
}

/** Algorithms in the order we pick them when a response offers several. */
const PREFERENCE: DigestAlgorithm[] = ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'];

/** Reads one challenge header value; undefined for a non-Digest scheme or one we cannot answer. */
export function parseChallenge(value: string): DigestChallenge | undefined {
  let parsed;
  try {
    parsed = parseAuthParams(value);
  } catch {
    return undefined;
  }
  if (parsed.scheme.toLowerCase() !== 'digest') return undefined;
  const p = parsed.params;
  const algorithm = parseAlgorithm(p.algorithm);
  if (!algorithm || p.realm === undefined || p.nonce === undefined) return undefined;
  const offered = (p.qop ?? '').split(',').map((q) => q.trim().toLowerCase()).filter((q) => q !== '');
  let qop: DigestChallenge['qop'];
  if (offered.includes('auth')) qop = 'auth';
  else if (offered.includes('auth-int')) qop = 'auth-int';
  else if (offered.length > 0) return undefined;
  return {
    algorithm,
    realm: p.realm,
    nonce: p.nonce,
    ...(p.opaque !== undefined ? { opaque: p.opaque } : {}),
    ...(qop ? { qop } : {}),
    stale: (p.stale ?? '').toLowerCase() === 'true',
  };
}

/** The challenge of a 401/407 we will answer (SHA-256 before MD5), given what the credentials allow. */
export function pickChallenge(res: SipResponse, creds: ClientCredentials): DigestChallenge | undefined {
  const name = res.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  const usable = getHeaders(res, name)
    .map(parseChallenge)
    .filter((c): c is DigestChallenge => c !== undefined)
    .filter((c) => creds.secret !== undefined || (creds.md5secret !== undefined && c.algorithm === 'MD5'));
  usable.sort((a, b) => PREFERENCE.indexOf(a.algorithm) - PREFERENCE.indexOf(b.algorithm));
  return usable[0];
}

export interface AnswerInput {
  challenge: DigestChallenge;
  creds: ClientCredentials;
  method: string;
  /** The digest-uri: the Request-URI as sent. */
  uri: string;
  /** 1 for the first use of a nonce. */
  nonceCount: number;
  /** Fixed in tests; random otherwise. */
  cnonce?: string;
  /** Request body, for qop=auth-int. */
  body?: string;
}

/** The credentials header value (RFC 7616 3.4) answering `challenge`. */
export function digestAnswer(a: AnswerInput): string {
  const c = a.challenge;
  const userHash =
    a.creds.secret !== undefined ? credentialsHash(c.algorithm, a.creds.username, c.realm, a.creds.secret) : (a.creds.md5secret ?? '');
  const nc = c.qop ? a.nonceCount.toString(16).padStart(8, '0') : undefined;
  const cnonce = c.qop || c.algorithm.endsWith('-sess') ? (a.cnonce ?? randomHex(8)) : undefined;
  const response = requestDigest({
    algorithm: c.algorithm,
    userHash,
    nonce: c.nonce,
    method: a.method,
    uri: a.uri,
    ...(c.qop ? { qop: c.qop, nc, cnonce } : cnonce !== undefined ? { cnonce } : {}),
    ...(c.qop === 'auth-int' ? { body: a.body ?? '' } : {}),
  });
  const params: Record<string, string> = {
    username: a.creds.username,
    realm: c.realm,
    nonce: c.nonce,
    uri: a.uri,
    response,
    algorithm: c.algorithm,
  };
  if (c.opaque !== undefined) params.opaque = c.opaque;
  if (c.qop) {
    params.qop = c.qop;
    params.nc = nc!;
    params.cnonce = cnonce!;
  } else if (cnonce !== undefined) params.cnonce = cnonce;
  return formatAuthParams('Digest', params, QUOTED);
}

const QUOTED = new Set(['username', 'realm', 'nonce', 'uri', 'response', 'opaque', 'cnonce']);

/**
 * A per-call answerer with the shape of the dialog layer's `Authenticator`. It keeps a nonce
 * count per nonce (qop) and gives up (undefined) when the challenged request already carried an
 * answer for this realm and the server did not say stale=true: the credentials were refused.
 */
export function digestClient(creds: ClientCredentials): (challenge: SipResponse, request: SipRequest) => SipHeader[] | undefined {
  const counts = new Map<string, number>();
  return (res, req) => {
    if (res.status !== 401 && res.status !== 407) return undefined;
    const c = pickChallenge(res, creds);
    if (!c) return undefined;
    const header = res.status === 407 ? 'Proxy-Authorization' : 'Authorization';
    if (!c.stale && answeredRealms(req, header).includes(c.realm)) return undefined;
    const n = (counts.get(c.nonce) ?? 0) + 1;
    if (counts.size > 16) counts.clear();
    counts.set(c.nonce, n);
    const value = digestAnswer({ challenge: c, creds, method: req.method, uri: formatUri(req.uri), nonceCount: n, body: req.body });
    return [{ name: header, value }];
  };
}

/** Realms the request's own credentials answered. */
function answeredRealms(req: SipRequest, header: string): string[] {
  const out: string[] = [];
  for (const v of getHeaders(req, header)) {
    try {
      const n = parseAuthParams(v).params.realm;
      if (n !== undefined) out.push(n);
    } catch {
      // Not ours to judge: a malformed header we did not write.
    }
  }
  return out;
}
