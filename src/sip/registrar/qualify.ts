/**
 * Qualify: is a peer alive, and how far away? Like Asterisk's qualify=yes, an OPTIONS request is
 * sent to each watched peer every `frequencyMs`; the round trip is measured on the clock.
 *
 *   UNKNOWN      never checked, or nothing to check (a dynamic peer that is not registered)
 *   OK           answered within the peer's limit (`maxMs`, qualify=yes means 2000 ms)
 *   LAGGED       answered, but slower than the limit
 *   UNREACHABLE  no answer (transaction timeout, i.e. RFC 3261 Timer F), a 408, or a transport error
 *
 * Any final response other than 408 proves the peer is there, even 404 or 501: many phones
 * answer OPTIONS with an error and are perfectly reachable (Asterisk counts them too).
 * An unreachable peer is retried sooner (`retryMs`), so it shows up again quickly once back.
 * The OPTIONS exchange itself belongs to the transaction layer, behind `sendOptions`; a guard
 * timer covers a sendOptions that never settles so a bug there cannot freeze a peer's status.
 */
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Endpoint } from '../transport/types.ts';

export type QualifyState = 'UNKNOWN' | 'OK' | 'LAGGED' | 'UNREACHABLE';

export interface QualifyStatus {
  state: QualifyState;
  /** Round trip of the last answer, ms (OK and LAGGED). */
  rttMs?: number;
  /** The peer's limit (qualify=yes: timeoutMs; qualify=N: N). */
  maxMs: number;
  /** Wall-clock ms of the last finished check. */
  checkedAt?: number;
}

/** Where to send the OPTIONS: a registered binding, or a static host. */
export interface QualifyTarget {
  /** Request-URI for the OPTIONS (the Contact of a binding, or sip:peer@host). */
  uri: string;
  reach: Endpoint;
}

export type OptionsOutcome = { status: number } | 'timeout' | 'error';

export interface QualifyMonitorOptions {
  clock: Clock;
  sendOptions: (peer: string, target: QualifyTarget) => Promise<OptionsOutcome>;
  /** Interval between checks of a reachable peer (Asterisk qualifyfreq: 60 s). */
  frequencyMs?: number;
  /** Interval between checks of an unreachable or unknown peer (default 10 s). */
  retryMs?: number;
  /** Default limit for OK vs LAGGED (qualify=yes: 2000 ms). */
  timeoutMs?: number;
  /** Give up on a sendOptions that has not settled (default 40 s, beyond Timer F's 32 s). */
  guardMs?: number;
  onChange?: (peer: string, from: QualifyStatus, to: QualifyStatus) => void;
}

interface Watched {
  target: () => QualifyTarget | undefined;
  status: QualifyStatus;
  timer: TimerHandle | undefined;
  inFlight: boolean;
  /** Bumped by unwatch/watch so a late answer for an old watch is ignored. */
  generation: number;
}

export class QualifyMonitor {
  private readonly peers = new Map<string, Watched>();
  private readonly frequencyMs: number;
  private readonly retryMs: number;
  private readonly timeoutMs: number;
  private readonly guardMs: number;
  private generation = 0;
  private closed = false;

  constructor(private readonly opts: QualifyMonitorOptions) {
    this.frequencyMs = opts.frequencyMs ?? 60_000;
    this.retryMs = opts.retryMs ?? 10_000;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.guardMs = opts.guardMs ?? 40_000;
  }

  /**
   * Start qualifying a peer. `qualify` is the sip.conf value: true for the default limit, a number
   * for a limit in ms. `target` is asked at every check (a binding can move or vanish).
   * The first checks are spread 100 ms apart so a reload does not burst OPTIONS at every phone.
   */
  watch(peer: string, qualify: true | number, target: () => QualifyTarget | undefined): void {
    if (this.closed) return;
    this.unwatch(peer);
    const maxMs = qualify === true ? this.timeoutMs : qualify;
    const w: Watched = { target, status: { state: 'UNKNOWN', maxMs }, timer: undefined, inFlight: false, generation: ++this.generation };
    this.peers.set(peer, w);
    this.schedule(peer, w, (this.peers.size - 1) * 100 % this.frequencyMs);
  }

  unwatch(peer: string): void {
    const w = this.peers.get(peer);
    if (!w) return;
    w.timer?.cancel();
    this.peers.delete(peer);
  }

  watched(): string[] {
    return [...this.peers.keys()].sort();
  }

  status(peer: string): QualifyStatus | undefined {
    const w = this.peers.get(peer);
    return w ? { ...w.status } : undefined;
  }

  /** The Status column of `sip show peers`: "OK (12 ms)", "LAGGED (2500 ms)", "UNREACHABLE", "UNKNOWN", "Unmonitored". */
  describe(peer: string): string {
    const s = this.peers.get(peer)?.status;
    if (!s) return 'Unmonitored';
    if ((s.state === 'OK' || s.state === 'LAGGED') && s.rttMs !== undefined) return `${s.state} (${s.rttMs} ms)`;
    return s.state;
  }

  /** Check now (for `sip qualify peer` and for a fresh registration); resolves with the new status. */
  async checkNow(peer: string): Promise<QualifyStatus | undefined> {
    const w = this.peers.get(peer);
    if (!w || this.closed) return undefined;
    w.timer?.cancel();
    w.timer = undefined;
    await this.check(peer, w);
    return this.status(peer);
  }

  close(): void {
    this.closed = true;
    for (const w of this.peers.values()) w.timer?.cancel();
    this.peers.clear();
  }

  private schedule(peer: string, w: Watched, ms: number): void {
    w.timer?.cancel();
    w.timer = this.opts.clock.setTimeout(() => {
      w.timer = undefined;
      void this.check(peer, w);
    }, ms);
  }

  private async check(peer: string, w: Watched): Promise<void> {
    if (w.inFlight) return;
    const target = w.target();
    if (!target) {
      this.update(peer, w, { state: 'UNKNOWN', maxMs: w.status.maxMs });
      this.schedule(peer, w, this.retryMs);
      return;
    }
    w.inFlight = true;
    const gen = w.generation;
    const clock = this.opts.clock;
    const started = clock.now();
    let guard: TimerHandle | undefined;
    const guarded = new Promise<OptionsOutcome>((resolve) => {
      guard = clock.setTimeout(() => resolve('timeout'), this.guardMs);
    });
    let outcome: OptionsOutcome;
    try {
      outcome = await Promise.race([this.opts.sendOptions(peer, target), guarded]);
    } catch {
      outcome = 'error';
    } finally {
      guard?.cancel();
    }
    const rtt = Math.round(clock.now() - started);
    w.inFlight = false;
    if (this.closed || this.peers.get(peer) !== w || w.generation !== gen) return;
    const checkedAt = clock.wallNow();
    const maxMs = w.status.maxMs;
    let next: QualifyStatus;
    if (outcome === 'timeout' || outcome === 'error' || outcome.status === 408) next = { state: 'UNREACHABLE', maxMs, checkedAt };
    else next = { state: rtt > maxMs ? 'LAGGED' : 'OK', rttMs: rtt, maxMs, checkedAt };
    this.update(peer, w, next);
    this.schedule(peer, w, next.state === 'UNREACHABLE' ? this.retryMs : this.frequencyMs);
  }

  private update(peer: string, w: Watched, next: QualifyStatus): void {
    const prev = w.status;
    w.status = next;
    if (prev.state !== next.state) this.opts.onChange?.(peer, { ...prev }, { ...next });
  }
}

/** The qualify target of a dynamic peer: its most recent binding, if any. */
export function targetFromBindings(bindings: readonly Pick<RegistrationRecordLike, 'contact' | 'reach'>[]): QualifyTarget | undefined {
  const b = bindings[0];
  return b ? { uri: b.contact, reach: { ...b.reach } } : undefined;
}

interface RegistrationRecordLike {
  contact: string;
  reach: Endpoint;
}
