/**
 * Time source for everything that schedules: SIP timers, nonce expiry, registration expiry,
 * qualify. Layers take a Clock instead of calling setTimeout/Date.now so tests can drive time
 * with FakeClock and assert exact schedules (RFC 3261 Timer A: 500, 1000, 2000 ms ...).
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since an arbitrary origin, monotonic. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch (for Expires persistence, logs). */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Number of timers scheduled and not yet fired or cancelled (leak checks). */
  pending(): number;
}

/**
 * The real clock: performance.now for intervals, Date.now for wall time. A `background` clock's
 * timers do not keep the process alive (syslog reconnect backoff, close deadlines).
 */
export class SystemClock implements Clock {
  private live = new Set<SystemTimer>();

  constructor(private readonly opts: { background?: boolean } = {}) {}

  now(): number {
    return performance.now();
  }

  wallNow(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = new SystemTimer(this.live, fn, Math.max(0, ms));
    if (this.opts.background) t.timeout.unref();
    this.live.add(t);
    return t;
  }

  pending(): number {
    return this.live.size;
  }
}

/**
 * One scheduled timer, its own handle. A class rather than closures: SIP transactions start
 * several timers per message, and a wrapper closure plus a handle object with a cancel closure
 * per timer showed up as allocation (and GC) under call load.
 */
class SystemTimer implements TimerHandle {
  readonly timeout: ReturnType<typeof setTimeout>;

  constructor(
    private readonly live: Set<SystemTimer>,
    private readonly fn: () => void,
    ms: number,
  ) {
    this.timeout = setTimeout(fireSystemTimer, ms, this);
  }

  fire(): void {
    this.live.delete(this);
    this.fn();
  }

  cancel(): void {
    if (this.live.delete(this)) clearTimeout(this.timeout);
  }
}

function fireSystemTimer(t: SystemTimer): void {
  t.fire();
}

export const systemClock: Clock = new SystemClock();
