/**
 * The one piece of state digest authentication keeps: the highest nonce-count accepted per
 * nonce (RFC 7616 section 3.4: "the server ... can detect request replays by seeing the same nc
 * value"). Bounded: a Map in insertion order used as an LRU with a fixed capacity, entries dropped
 * once their nonce's lifetime is over. Only requests whose digest was correct reach this table,
 * so a client without a password cannot grow it at all.
 *
 * When a still-live entry has to be evicted to make room, its replay protection would be lost;
 * instead we remember the newest mint time ever evicted (`evictedUpTo`) and refuse any nonce
 * minted at or before it that is not in the table. Its owner gets stale=true and re-authenticates
 * with a fresh nonce, so eviction costs a round trip, never safety.
 */

/** nc of a request without qop (RFC 2069 form): such a nonce may be used once. */
export const NO_QOP_NC = 0;

interface Entry {
  nc: number;
  mintedAt: number;
}

export type NonceCountVerdict = 'ok' | 'replay' | 'evicted';

export class NonceCountTable {
  private readonly entries = new Map<string, Entry>();
  private evictedUpTo = -1;

  constructor(
    private readonly capacity: number,
    private readonly lifetimeMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Accept nc for nonce if it is higher than any accepted before, and remember it.
   * nc is NO_QOP_NC for requests without qop; a second use of such a nonce is a replay.
   */
  accept(nonce: string, mintedAt: number, nc: number, now: number): NonceCountVerdict {
    const seen = this.entries.get(nonce);
    if (seen) {
      if (nc <= seen.nc || nc === NO_QOP_NC) return 'replay';
      seen.nc = nc;
      this.entries.delete(nonce);
      this.entries.set(nonce, seen);
      return 'ok';
    }
    if (mintedAt <= this.evictedUpTo) return 'evicted';
    this.dropExpired(now);
    while (this.entries.size >= this.capacity) {
      const oldest = this.entries.entries().next().value;
      if (!oldest) break;
      this.entries.delete(oldest[0]);
      this.evictedUpTo = Math.max(this.evictedUpTo, oldest[1].mintedAt);
    }
    this.entries.set(nonce, { nc, mintedAt });
    return 'ok';
  }

  /** Entries whose nonce has expired can go: the nonce check refuses those nonces anyway. */
  private dropExpired(now: number): void {
    for (const [nonce, e] of this.entries) {
      if (now - e.mintedAt < this.lifetimeMs) {
        // Insertion order is use order, not mint order, so a live entry does not prove the
        // rest are live; but scanning on is O(n) per insert. Stop here and let capacity rule.
        break;
      }
      this.entries.delete(nonce);
    }
  }
}
