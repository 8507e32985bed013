/**
 * Digest authentication of SIP requests, server side: RFC 3261 section 22 (SIP's use of HTTP
 * digest), RFC 2617 / RFC 7616 (the digest itself, qop=auth, nonce-count) and RFC 8760 (SHA-256
 * for SIP: offer SHA-256 first, MD5 after, one WWW-Authenticate header per algorithm).
 *
 * Order of checks in verify(), chosen so that the answer never depends on whether a user exists
 * and a brute-forcer cannot dodge the ban counter:
 *   1. find our credentials (Digest, our realm)            -> 'missing' | 'bad-realm'
 *   2. syntax of the credentials, digest-uri vs Request-URI -> 'bad-request' | 'bad-uri'
 *   3. the password: compute the expected response from the nonce as sent, whatever the nonce
 *      is; an unknown user runs the same computation on a dummy secret (Asterisk's
 *      alwaysauthreject: answer as if the user existed)  -> 'unknown-user' | 'wrong'
 *   4. only then the nonce: forged or from an earlier process -> 'bad-nonce'; expired -> 'stale'
 *      (both: the client knows the password, so re-challenge with stale=true, no ban)
 *   5. nonce-count: not above the highest seen for that nonce -> 'replay'
 * Nonces are stateless (./nonce.ts); the only state is the bounded nonce-count table
 * (./nonce-counts.ts).
 */
import type { Clock } from '../../platform/clock.ts';
import { randomHex, safeEqual } from '../../platform/crypto.ts';
import type { SipRequest, SipResponse, SipUri } from '../message/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { addHeader, createResponse, formatAuthParams, getHeaders, parseAuthParams, parseUri } from '../message/headers.ts';
import { newTag } from '../message/ids.ts';
import { credentialsHash, parseAlgorithm, requestDigest, baseAlgorithm } from './digest-hash.ts';
import type { DigestAlgorithm, OfferedAlgorithm } from './digest-hash.ts';
import { NonceMint } from './nonce.ts';
import { NO_QOP_NC, NonceCountTable } from './nonce-counts.ts';

export type { OfferedAlgorithm } from './digest-hash.ts';

export interface Credentials {
  username: string;
  /** The plain password. */
  secret?: string;
  /** MD5(username ":" realm ":" password) in hex, as Asterisk's md5secret; MD5 only. */
  md5secret?: string;
}

export type AuthFailure =
  | 'missing'
  | 'stale'
  | 'bad-nonce'
  | 'wrong'
  | 'unknown-user'
  | 'replay'
  | 'bad-request'
  | 'bad-realm'
  | 'bad-uri';

export type AuthResult = { ok: true; username: string } | { ok: false; reason: AuthFailure };

/** What the caller should answer for a failure (one table, so every user of verify agrees). */
export type AuthAction = 'challenge' | 'challenge-stale' | 'forbidden' | 'bad-request';

export function actionFor(reason: AuthFailure): AuthAction {
  switch (reason) {
    case 'missing':
    case 'bad-realm':
      return 'challenge';
    case 'stale':
    case 'bad-nonce':
    case 'replay':
      return 'challenge-stale';
    case 'wrong':
    case 'unknown-user':
      return 'forbidden';
    case 'bad-request':
    case 'bad-uri':
      return 'bad-request';
  }
}

/** True for failures where a password was tried: the ones that count towards a ban. */
export function isPasswordFailure(reason: AuthFailure): boolean {
  return reason === 'wrong' || reason === 'unknown-user';
}

export interface DigestAuthenticatorOptions {
  realm: string;
  clock: Clock;
  /** How long a nonce is good for (default 30 000 ms); after that, stale=true. */
  nonceLifetimeMs?: number;
  /** Challenge order (default SHA-256 then MD5, RFC 8760 section 2.4). */
  algorithms?: OfferedAlgorithm[];
  /** HMAC key for nonces; random per process by default (old nonces then just go stale). */
  secretKey?: string;
  /** Bound on the nonce-count table (default 100 000 nonces). */
  maxTrackedNonces?: number;
}

export interface ChallengeOptions {
  /** Where the request came from: the nonce is bound to this address. */
  source: Pick<Endpoint, 'address'>;
  /** RFC 7616 3.3: set when the previous answer had a good password but an old nonce. */
  stale?: boolean;
  /** 407 with Proxy-Authenticate instead of 401 with WWW-Authenticate (RFC 3261 22.3). */
  proxy?: boolean;
  /** Offer only these (default: the authenticator's list). */
  algorithms?: OfferedAlgorithm[];
}

export interface VerifyOptions {
  /** Read Proxy-Authorization instead of Authorization. */
  proxy?: boolean;
}

const QUOTED = new Set(['realm', 'nonce', 'opaque', 'qop']);
/** A password nobody has; hashed for unknown users so both paths cost the same. */
const DUMMY_SECRET = randomHex(16);
const NC_RE = /^[0-9a-fA-F]{8}$/;

export class DigestAuthenticator {
  readonly realm: string;
  readonly algorithms: readonly OfferedAlgorithm[];
  private readonly clock: Clock;
  private readonly nonces: NonceMint;
  private readonly counts: NonceCountTable;

  constructor(opts: DigestAuthenticatorOptions) {
    this.realm = opts.realm;
    this.clock = opts.clock;
    this.algorithms = opts.algorithms?.length ? [...opts.algorithms] : ['SHA-256', 'MD5'];
    const lifetime = opts.nonceLifetimeMs ?? 30_000;
    this.nonces = new NonceMint(opts.secretKey ?? randomHex(32), opts.realm, lifetime);
    this.counts = new NonceCountTable(opts.maxTrackedNonces ?? 100_000, lifetime);
  }

  /** Entries in the nonce-count table (for statistics and the bound test). */
  get trackedNonces(): number {
    return this.counts.size;
  }

  /**
   * 401 (or 407) with one challenge header per algorithm, all with the same fresh nonce
   * (RFC 8760 section 2.4 and the example of RFC 7616 section 3.9.1).
   */
  challenge(req: SipRequest, opts: ChallengeOptions): SipResponse {
    const status = opts.proxy ? 407 : 401;
    const res = createResponse(req, status, undefined, newTag());
    const header = opts.proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const nonce = this.nonces.mint(this.clock.now(), opts.source.address);
    for (const algorithm of opts.algorithms ?? this.algorithms) {
      const params: Record<string, string> = { realm: this.realm, nonce, algorithm, qop: 'auth' };
      if (opts.stale) params.stale = 'true';
      addHeader(res, header, formatAuthParams('Digest', params, QUOTED));
    }
    return res;
  }

  verify(
    req: SipRequest,
    lookup: (username: string) => Credentials | undefined,
    source: Pick<Endpoint, 'address'>,
    opts: VerifyOptions = {},
  ): AuthResult {
    const fail = (reason: AuthFailure): AuthResult => ({ ok: false, reason });

    // 1. RFC 3261 22.3: a request may carry credentials for several realms; use ours.
    let ours: Record<string, string> | undefined;
    let sawDigest = false;
    for (const value of getHeaders(req, opts.proxy ? 'Proxy-Authorization' : 'Authorization')) {
      let parsed;
      try {
        parsed = parseAuthParams(value);
      } catch {
        return fail('bad-request');
      }
      if (parsed.scheme.toLowerCase() !== 'digest') continue;
      sawDigest = true;
      if (parsed.params.realm === this.realm) {
        ours = parsed.params;
        break;
      }
    }
    if (!ours) return fail(sawDigest ? 'bad-realm' : 'missing');

    // 2. Syntax (RFC 7616 3.4): username, nonce, uri, response; with qop also nc and cnonce.
    const { username, nonce, uri, response } = ours;
    if (!username || !nonce || !uri || !response) return fail('bad-request');
    const algorithm = parseAlgorithm(ours.algorithm);
    if (!algorithm || !this.algorithms.includes(baseAlgorithm(algorithm))) return fail('bad-request');
    const qop = ours.qop;
    let nc = NO_QOP_NC;
    if (qop !== undefined) {
      if (qop !== 'auth' && qop !== 'auth-int') return fail('bad-request');
      if (!ours.cnonce || !ours.nc || !NC_RE.test(ours.nc)) return fail('bad-request');
      nc = parseInt(ours.nc, 16);
      if (nc === 0) return fail('bad-request');
    } else if (algorithm.endsWith('-sess')) {
      return fail('bad-request');
    }
    // RFC 2617 3.2.2.5: the digest-uri must name the same resource as the Request-URI.
    if (!sameResource(uri, req.uri)) return fail('bad-uri');

    // 3. The password, computed the same way whether or not the user exists.
    const creds = lookup(username);
    const userHash = this.userHash(algorithm, username, creds);
    const expected = requestDigest({
      algorithm,
      userHash: userHash ?? credentialsHash(algorithm, username, this.realm, DUMMY_SECRET),
      nonce,
      method: req.method,
      uri,
      qop,
      nc: ours.nc,
      cnonce: ours.cnonce,
      body: req.body,
    });
    const matches = safeEqual(expected, response.toLowerCase());
    if (!creds) return fail('unknown-user');
    if (!userHash || !matches) return fail('wrong');

    // 4. The nonce: ours, recent.
    const now = this.clock.now();
    const check = this.nonces.check(nonce, now, source.address);
    if (!check.valid) return fail(check.reason === 'expired' ? 'stale' : 'bad-nonce');

    // 5. Replay (RFC 7616 3.4: the server checks the nc "to detect request replays").
    const verdict = this.counts.accept(nonce, check.mintedAt, nc, now);
    if (verdict === 'replay') return fail('replay');
    if (verdict === 'evicted') return fail('stale');
    return { ok: true, username: creds.username };
  }

  /** H(user:realm:password) for this algorithm, or undefined when the credentials cannot give it. */
  private userHash(algorithm: DigestAlgorithm, username: string, creds: Credentials | undefined): string | undefined {
    if (!creds) return undefined;
    if (creds.secret !== undefined) return credentialsHash(algorithm, username, this.realm, creds.secret);
    // md5secret already is H(user:realm:password) for MD5, and only for MD5.
    if (creds.md5secret && baseAlgorithm(algorithm) === 'MD5') return creds.md5secret.toLowerCase();
    return undefined;
  }
}

const DEFAULT_PORT: Record<string, number> = { sip: 5060, sips: 5061 };

/**
 * Loose Request-URI comparison: scheme, user, host (case-insensitive) and port (default port
 * equals no port). Parameters are ignored: phones differ in whether they repeat ;transport=.
 */
export function sameResource(digestUri: string, requestUri: SipUri): boolean {
  let u: SipUri;
  try {
    u = parseUri(digestUri);
  } catch {
    return false;
  }
  if (u.scheme !== requestUri.scheme) return false;
  if ((u.user ?? '') !== (requestUri.user ?? '')) return false;
  if (u.host.toLowerCase() !== requestUri.host.toLowerCase()) return false;
  const def = DEFAULT_PORT[u.scheme];
  return (u.port ?? def) === (requestUri.port ?? def);
}
