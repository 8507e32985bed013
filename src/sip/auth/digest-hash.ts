/**
 * The digest arithmetic of RFC 2617 section 3.2.2 as generalised by RFC 7616 section 3.4 and
 * applied to SIP by RFC 8760: pure functions over strings, no state, no parsing. Kept apart from
 * the authenticator so the test vectors of RFC 7616 section 3.9.1 exercise exactly this code.
 */
import { md5Hex, sha256Hex } from '../../platform/crypto.ts';

/** Algorithms we compute. The -sess variants are accepted in answers but never offered. */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

/** The algorithms a challenge may offer (RFC 8760 section 2.4: SHA-256 first, MD5 for old phones). */
export type OfferedAlgorithm = 'SHA-256' | 'MD5';

const ALGORITHMS: Record<string, DigestAlgorithm> = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
};

/** RFC 7616 section 3.3: the algorithm token is case-insensitive; absent means MD5. */
export function parseAlgorithm(token: string | null | undefined): DigestAlgorithm | undefined {
  if (token === undefined || token === null || token === '') return 'MD5';
  return ALGORITHMS[token.toLowerCase()];
}

/** The base hash of an algorithm, without the session variant. */
export function baseAlgorithm(alg: DigestAlgorithm): OfferedAlgorithm {
  return alg.startsWith('SHA-256') ? 'SHA-256' : 'MD5';
}

export function hashHex(alg: DigestAlgorithm, s: string): string {
  return baseAlgorithm(alg) === 'SHA-256' ? sha256Hex(s) : md5Hex(s);
}

/** H(username ":" realm ":" password): the value Asterisk stores as md5secret for MD5. */
export function credentialsHash(alg: DigestAlgorithm, username: string, realm: string, password: string): string {
  return hashHex(alg, `${username}:${realm}:${password}`);
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  /** H(username:realm:password), already computed (from the secret or a stored md5secret). */
  userHash: string;
  nonce: string;
  method: string;
  /** The digest-uri as the client sent it (RFC 2617 3.2.2.5: the value hashed is the one in the header). */
  uri: string;
  /** 'auth' | 'auth-int', or undefined for the RFC 2069 form without qop. */
  qop?: string;
  /** Required with qop. */
  nc?: string;
  cnonce?: string;
  /** Message body (latin1), only for qop=auth-int. */
  body?: string;
}

/**
 * request-digest (RFC 7616 section 3.4.1):
 *   with qop:    KD(HA1, nonce ":" nc ":" cnonce ":" qop ":" HA2)
 *   without qop: KD(HA1, nonce ":" HA2)        (RFC 2069 compatibility, RFC 2617 3.2.2.1)
 * where HA1 = H(user:realm:password), or for -sess H(H(user:realm:password) ":" nonce ":" cnonce)
 * (RFC 7616 3.4.2), and HA2 = H(method ":" uri), or H(method ":" uri ":" H(body)) for auth-int
 * (RFC 7616 3.4.3).
 */
export function requestDigest(d: DigestInput): string {
  const alg = d.algorithm;
  const ha1 = alg.endsWith('-sess') ? hashHex(alg, `${d.userHash}:${d.nonce}:${d.cnonce ?? ''}`) : d.userHash;
  const ha2 = d.qop === 'auth-int' ? hashHex(alg, `${d.method}:${d.uri}:${hashHex(alg, d.body ?? '')}`) : hashHex(alg, `${d.method}:${d.uri}`);
  if (d.qop === undefined) return hashHex(alg, `${ha1}:${d.nonce}:${ha2}`);
  return hashHex(alg, `${ha1}:${d.nonce}:${d.nc ?? ''}:${d.cnonce ?? ''}:${d.qop}:${ha2}`);
}
