/**
 * The in-memory log ring: the newest console lines, for `logger show` (tail) and for the live
 * log of remote consoles (`pbx -r`, subscribe). Nothing here touches a file.
 *
 * The ring captures a record when the console verbosity (`core set verbose N`) or any subscriber
 * wants it: a remote console at verbose 5 raises capture to 5 while it is attached, and the
 * logger's gate follows (onChange), so nobody pays for verbose-5 lines when nobody listens.
 * tail() and each subscriber then filter by their own verbosity.
 */
import { BoundedQueue } from './bounded-queue.ts';
import { formatConsoleLine, type ConsoleFormatOptions } from './console-format.ts';
import type { LogDestination, LogRecord, Severity, Verbosity } from './types.ts';
import { accepts, normalizeThreshold } from './types.ts';

export const DEFAULT_RING_SIZE = 1000;

export interface RingEntry {
  /** Increases by one per captured line (gaps in a tail mean filtered or evicted lines). */
  readonly seq: number;
  readonly time: number;
  readonly severity: Severity;
  /** Verbose or debug level; 0 for error, warning, notice. */
  readonly level: number;
  readonly module: string;
  /** The formatted console line, without newline. */
  readonly line: string;
}

export type RingListener = (entry: RingEntry) => void;

interface Subscriber {
  listener: RingListener;
  verbosity: Verbosity;
}

function toVerbosity(v: number | Partial<Verbosity> | undefined): Verbosity | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return { verbose: normalizeThreshold(v), debug: 0 };
  return { verbose: normalizeThreshold(v.verbose ?? 0), debug: normalizeThreshold(v.debug ?? 0) };
}

export class LogRing implements LogDestination {
  readonly name = 'ring';
  /** Set by the logger: called when the ring's effective verbosity changes. */
  onChange: () => void = () => {};
  private readonly entries: BoundedQueue<RingEntry>;
  private readonly subscribers = new Set<Subscriber>();
  private capture: Verbosity;
  private effective: Verbosity;
  private seq = 0;

  constructor(
    size: number = DEFAULT_RING_SIZE,
    capture: Partial<Verbosity> = {},
    private readonly format: ConsoleFormatOptions = {},
  ) {
    this.entries = new BoundedQueue<RingEntry>(size);
    this.capture = toVerbosity(capture) as Verbosity;
    this.effective = this.capture;
  }

  get size(): number {
    return this.entries.capacity;
  }

  get length(): number {
    return this.entries.length;
  }

  /** What the ring captures: the console verbosity raised by every subscriber's. */
  verbosity(): Verbosity {
    return this.effective;
  }

  /** The console verbosity part of the capture threshold. */
  setCapture(v: Partial<Verbosity>): void {
    this.capture = {
      verbose: normalizeThreshold(v.verbose ?? this.capture.verbose),
      debug: normalizeThreshold(v.debug ?? this.capture.debug),
    };
    this.recompute();
  }

  write(record: LogRecord): void {
    const entry: RingEntry = {
      seq: ++this.seq,
      time: record.time,
      severity: record.severity,
      level: record.level,
      module: record.module,
      line: formatConsoleLine(record, this.format),
    };
    this.entries.push(entry);
    if (this.subscribers.size === 0) return;
    for (const s of [...this.subscribers]) {
      if (!accepts(s.verbosity, entry.severity, entry.level)) continue;
      try {
        s.listener(entry);
      } catch {
        // A broken console must not break logging for everyone else.
      }
    }
  }

  /**
   * The newest n entries (oldest first) that a reader at `verbosity` would see; without a
   * verbosity, every captured entry.
   */
  tail(n: number, verbosity?: number | Partial<Verbosity>): RingEntry[] {
    const v = toVerbosity(verbosity);
    const out: RingEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < n; i--) {
      const e = this.entries.at(i) as RingEntry;
      if (!v || accepts(v, e.severity, e.level)) out.push(e);
    }
    return out.reverse();
  }

  /**
   * Receive every new entry a reader at `verbosity` would see (a number is a verbose level with
   * debug off). Returns the unsubscribe function; calling it twice is harmless.
   */
  subscribe(listener: RingListener, verbosity: number | Partial<Verbosity>): () => void {
    const sub: Subscriber = { listener, verbosity: toVerbosity(verbosity) as Verbosity };
    this.subscribers.add(sub);
    this.recompute();
    return () => {
      if (this.subscribers.delete(sub)) this.recompute();
    };
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Change how many entries are kept; the newest survive. */
  resize(size: number): void {
    this.entries.resize(size);
  }

  clear(): void {
    this.entries.clear();
  }

  close(): Promise<void> {
    this.subscribers.clear();
    this.recompute();
    return Promise.resolve();
  }

  private recompute(): void {
    let { verbose, debug } = this.capture;
    for (const s of this.subscribers) {
      verbose = Math.max(verbose, s.verbosity.verbose);
      debug = Math.max(debug, s.verbosity.debug);
    }
    if (verbose === this.effective.verbose && debug === this.effective.debug) return;
    this.effective = { verbose, debug };
    this.onChange();
  }
}
