/**
 * Stateless nonces (RFC 7616 section 5.4: "the nonce ... may be constructed from a time-stamp
 * and a private key so the server can check it without storing it").
 *
 *   nonce = hex12(t) hex16(salt) hex32(HMAC-SHA256(key, t ":" salt ":" realm ":" source-address))
 *
 * t is the monotonic clock in ms when the nonce was minted (a board without RTC steps its wall
 * clock at boot; the monotonic clock does not move with it, and the key dies with the process
 * anyway, so nonces never need to outlive it). The salt makes every challenge unique, so two
 * phones challenged in the same millisecond never share nonce-count state. The source address
 * (not the port: NAT rebinding and new TCP connections change ports) binds a nonce to the host it
 * was given to: a nonce seen on the wire is worthless from elsewhere. A client whose address
 * changes only gets a stale=true re-challenge, because the authenticator checks the password
 * before the nonce.
 *
 * Only hex characters, so the nonce needs no escaping inside a quoted-string.
 */
import { hmacSha256Hex, randomHex, safeEqual } from '../../platform/crypto.ts';

export type NonceCheck =
  | { valid: true; mintedAt: number }
  | { valid: false; reason: 'forged' }
  | { valid: false; reason: 'expired'; mintedAt: number };

const NONCE_RE = /^[0-9a-f]{12}[0-9a-f]{16}[0-9a-f]{32}$/;

export class NonceMint {
  constructor(
    private readonly key: string,
    private readonly realm: string,
    private readonly lifetimeMs: number,
  ) {}

  mint(now: number, sourceAddress: string): string {
    const t = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0');
    const salt = randomHex(8);
    return t + salt + this.mac(t, salt, sourceAddress);
  }

  /** Authentic and younger than the lifetime; an authentic old nonce is 'expired' (answer stale=true). */
  check(nonce: string, now: number, sourceAddress: string): NonceCheck {
    if (!NONCE_RE.test(nonce)) return { valid: false, reason: 'forged' };
    const t = nonce.slice(0, 12);
    const salt = nonce.slice(12, 28);
    if (!safeEqual(nonce.slice(28), this.mac(t, salt, sourceAddress))) return { valid: false, reason: 'forged' };
    const mintedAt = parseInt(t, 16);
    // A nonce from the future cannot be ours (the clock is monotonic): treat it as forged.
    if (mintedAt > now) return { valid: false, reason: 'forged' };
    if (now - mintedAt >= this.lifetimeMs) return { valid: false, reason: 'expired', mintedAt };
    return { valid: true, mintedAt };
  }

  private mac(t: string, salt: string, sourceAddress: string): string {
    return hmacSha256Hex(this.key, `${t}:${salt}:${this.realm}:${sourceAddress}`).slice(0, 32);
  }
}
