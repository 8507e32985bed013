/**
 * Bans sources that fail authentication too often (what fail2ban does for Asterisk's
 * "Wrong password" log lines, built in). A source that reaches `threshold` failures within
 * `windowMs` is banned for `banMs`; the stack then drops its requests without an answer, so a
 * scanner learns nothing and costs us no hashing.
 *
 * Failures that count are only those where a password was actually tried and was wrong (or the
 * user does not exist, which must look the same). Stale nonces, replays and missing credentials
 * are normal protocol flow and never count.
 *
 * IPv6 sources are counted per /64: one host usually owns a whole /64, and banning single
 * addresses there would let it walk 2^64 addresses. Memory is bounded by `maxEntries`; when full,
 * the least recently touched entry goes (expired ones first), so a flood from many addresses can
 * at worst forget old entries, never grow without limit. No timers: expiry is lazy, by the clock.
 */
import type { Clock } from '../../platform/clock.ts';

export interface AuthBanOptions {
  clock: Clock;
  /** Failures within windowMs that trigger a ban. */
  threshold: number;
  windowMs: number;
  banMs: number;
  /** Bound on tracked sources (default 10 000). */
  maxEntries?: number;
}

export interface BanEntry {
  /** The address, or an IPv6 /64 prefix written as "2001:db8:1:2::/64". */
  address: string;
  /** Wall-clock ms when the ban ends (0 when counting failures but not banned). */
  until: number;
  failures: number;
}

interface Entry {
  failures: number;
  windowStart: number;
  /** Monotonic ms; 0 when not banned. */
  bannedUntil: number;
}

export class AuthBanList {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;

  constructor(private readonly opts: AuthBanOptions) {
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  /** Count one failed authentication. Returns true if the source is banned now (new or ongoing). */
  recordFailure(addr: string): boolean {
    // threshold 0 is sip.conf's `authfailban = 0`: banning is off.
    if (this.opts.threshold <= 0) return false;
    const key = banKey(addr);
    const now = this.opts.clock.now();
    let e = this.entries.get(key);
    if (e && e.bannedUntil !== 0 && e.bannedUntil <= now) e = undefined;
    if (e && e.bannedUntil === 0 && now - e.windowStart >= this.opts.windowMs) e = undefined;
    if (!e) {
      e = { failures: 0, windowStart: now, bannedUntil: 0 };
      this.makeRoom(now);
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    e.failures += 1;
    if (e.bannedUntil === 0 && e.failures >= this.opts.threshold) e.bannedUntil = now + this.opts.banMs;
    return e.bannedUntil !== 0;
  }

  /** A success clears the failure count (not an active ban: a banned source is never heard). */
  recordSuccess(addr: string): void {
    const key = banKey(addr);
    const e = this.entries.get(key);
    if (e && e.bannedUntil === 0) this.entries.delete(key);
  }

  isBanned(addr: string): boolean {
    const e = this.entries.get(banKey(addr));
    return !!e && e.bannedUntil > this.opts.clock.now();
  }

  /** Every tracked source, banned ones first, for `sip show bans`. */
  list(): BanEntry[] {
    const now = this.opts.clock.now();
    const wall = this.opts.clock.wallNow();
    const out: BanEntry[] = [];
    for (const [address, e] of this.entries) {
      if (e.bannedUntil !== 0 && e.bannedUntil <= now) continue;
      if (e.bannedUntil === 0 && now - e.windowStart >= this.opts.windowMs) continue;
      out.push({ address, until: e.bannedUntil === 0 ? 0 : wall + (e.bannedUntil - now), failures: e.failures });
    }
    return out.sort((a, b) => b.until - a.until || a.address.localeCompare(b.address));
  }

  /** Lift a ban (and forget the failures). Accepts the address or its /64 form. True if it was banned. */
  unban(addr: string): boolean {
    const key = addr.endsWith('/64') ? addr : banKey(addr);
    const e = this.entries.get(key);
    if (!e) return false;
    this.entries.delete(key);
    return e.bannedUntil > this.opts.clock.now();
  }

  private makeRoom(now: number): void {
    if (this.entries.size < this.maxEntries) return;
    for (const [k, e] of this.entries) {
      const over = e.bannedUntil !== 0 ? e.bannedUntil <= now : now - e.windowStart >= this.opts.windowMs;
      if (over) this.entries.delete(k);
    }
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

/** IPv4 addresses as they are; IPv6 reduced to the /64 they belong to. */
export function banKey(addr: string): string {
  if (!addr.includes(':')) return addr;
  const bare = addr.replace(/^\[|\]$/g, '').split('%')[0] ?? '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1] ?? bare;
  const groups = expandIpv6(bare);
  if (!groups) return addr.toLowerCase();
  return `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(a: string): string[] | undefined {
  const halves = a.toLowerCase().split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const all = [...head, ...Array<string>(missing).fill('0'), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return all.map((g) => g.replace(/^0+(?=.)/, ''));
}
