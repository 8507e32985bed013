/**
 * The remote syslog destination: RFC 5424 messages over UDP (RFC 5426) or TCP (RFC 6587).
 *
 * Invariants:
 * - write() never throws and never blocks: when the transport cannot take a message (TCP down or
 *   its socket buffer full), the record waits in a bounded queue; when the queue is full the
 *   oldest record is dropped and counted.
 * - When the transport can send again the queue is flushed oldest first, preceded by one WARNING
 *   saying how many records were dropped, so the gap is visible on the server.
 * - Nothing is ever written to a file (the CF card is not written in normal use).
 * - close() flushes what it can within closeTimeoutMs and releases every socket and timer.
 */
import type { Clock } from '../platform/clock.ts';
import { backgroundClock, processId } from '../platform/log-output.ts';
import { BoundedQueue } from './bounded-queue.ts';
import { createSyslogFormatter, DEFAULT_FACILITY, facilityCode, type SyslogFormatter } from './syslog.ts';
import {
  createSyslogTransport,
  type SyslogProtocol,
  type SyslogTransport,
  type SyslogTransportStats,
  type TcpTransportOptions,
} from './syslog-transport.ts';
import type { LogDestination, LogRecord, Verbosity } from './types.ts';
import { normalizeThreshold } from './types.ts';

export const DEFAULT_SYSLOG_PORT = 514;
/** RFC 5426 3.2: receivers should accept 2048 octets; larger datagrams risk fragmentation loss. */
export const DEFAULT_UDP_MAX_BYTES = 2048;
/** TCP has no datagram limit; 8 KiB keeps one runaway message from filling the stream. */
export const DEFAULT_TCP_MAX_BYTES = 8192;
export const DEFAULT_SYSLOG_QUEUE = 1000;
export const DEFAULT_SYSLOG_VERBOSE = 3;
export const DEFAULT_CLOSE_TIMEOUT_MS = 2000;

export interface SyslogOptions {
  host: string;
  /** Default 514. */
  port?: number;
  /** Default 'udp'. */
  protocol?: SyslogProtocol;
  /** Facility name (`local0`, `daemon`) or code 0-23. Default local0. */
  facility?: string | number;
  /** HOSTNAME field; default the logger's hostname. */
  hostname?: string;
  appName?: string;
  sdId?: string;
  /** Verbose threshold for this destination (default 3). */
  verbose?: number;
  /** Debug threshold for this destination (default 0: no debug). */
  debug?: number;
  /** Largest message in octets, framing excluded. Default 2048 (UDP) or 8192 (TCP); minimum 480. */
  maxMessageBytes?: number;
  /** Records kept while the server cannot be reached. Default 1000. */
  queueSize?: number;
  /** How long close() waits for a TCP flush. Default 2000 ms. */
  closeTimeoutMs?: number;
}

export interface SyslogDestinationDeps {
  clock?: Clock;
  /** Transport override (tests); default from protocol, host and port. */
  transport?: SyslogTransport;
  tcp?: TcpTransportOptions;
}

export interface SyslogStats extends SyslogTransportStats {
  protocol: SyslogProtocol;
  target: string;
  /** Records waiting for the transport. */
  queued: number;
  /** Records dropped because the queue was full (or the destination closed with records queued). */
  dropped: number;
}

/** Records and drop count carried from one destination to its replacement on reconfigure. */
export interface SyslogBacklog {
  records: LogRecord[];
  dropped: number;
}

/** The settings that need a new socket or formatter when they change (verbosity does not). */
export function syslogIdentity(o: SyslogOptions, fallbackHostname: string): string {
  return JSON.stringify([
    o.protocol ?? 'udp',
    o.host,
    o.port ?? DEFAULT_SYSLOG_PORT,
    facilityCode(o.facility ?? DEFAULT_FACILITY),
    o.hostname ?? fallbackHostname,
    o.appName,
    o.sdId,
    o.maxMessageBytes,
    o.queueSize,
  ]);
}

/**
 * Why these options cannot make a destination, or undefined when they can. The config layer
 * should call this while validating so the user sees `pbx.conf:LINE: reason`; the logger calls it
 * again before touching anything and refuses (RangeError) options that fail.
 */
export function syslogOptionsProblem(o: SyslogOptions): string | undefined {
  if (typeof o.host !== 'string' || o.host === '' || /[\s/]/.test(o.host)) return `syslog host '${o.host}' is not a host name or address`;
  const port = o.port ?? DEFAULT_SYSLOG_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `syslog port ${port} is not 1-65535`;
  if (o.protocol !== undefined && o.protocol !== 'udp' && o.protocol !== 'tcp') return `syslog protocol '${o.protocol}' is not udp or tcp`;
  if (facilityCode(o.facility ?? DEFAULT_FACILITY) === undefined) return `unknown syslog facility '${o.facility}'`;
  if (o.queueSize !== undefined && !(o.queueSize >= 1)) return `syslog queue size ${o.queueSize} must be at least 1`;
  return undefined;
}

export class SyslogDestination implements LogDestination {
  readonly name = 'syslog';
  readonly protocol: SyslogProtocol;
  readonly target: string;
  private thresholds: Verbosity;
  private readonly formatter: SyslogFormatter;
  private readonly transport: SyslogTransport;
  private readonly queue: BoundedQueue<LogRecord>;
  private readonly maxBytes: number;
  private readonly clock: Clock;
  private readonly closeTimeoutMs: number;
  private dropped = 0;
  private unreported = 0;
  private encodeErrors = 0;
  private closing: Promise<void> | undefined;
  private onDrained: (() => void) | undefined;

  constructor(options: SyslogOptions & { hostname: string }, deps: SyslogDestinationDeps = {}) {
    const problem = syslogOptionsProblem(options);
    if (problem) throw new RangeError(problem);
    const facility = facilityCode(options.facility ?? DEFAULT_FACILITY) as number;
    this.protocol = options.protocol ?? 'udp';
    const port = options.port ?? DEFAULT_SYSLOG_PORT;
    this.target = `${options.host}:${port}/${this.protocol}`;
    this.clock = deps.clock ?? backgroundClock;
    this.thresholds = {
      verbose: normalizeThreshold(options.verbose ?? DEFAULT_SYSLOG_VERBOSE),
      debug: normalizeThreshold(options.debug ?? 0),
    };
    this.formatter = createSyslogFormatter({
      facility,
      hostname: options.hostname,
      appName: options.appName,
      sdId: options.sdId,
    });
    this.maxBytes = options.maxMessageBytes ?? (this.protocol === 'tcp' ? DEFAULT_TCP_MAX_BYTES : DEFAULT_UDP_MAX_BYTES);
    this.queue = new BoundedQueue<LogRecord>(options.queueSize ?? DEFAULT_SYSLOG_QUEUE);
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.transport =
      deps.transport ?? createSyslogTransport(this.protocol, options.host, port, { clock: this.clock, ...deps.tcp });
    this.transport.onWritable = () => this.flush();
  }

  verbosity(): Verbosity {
    return this.thresholds;
  }

  setVerbosity(v: Partial<Verbosity>): void {
    this.thresholds = {
      verbose: normalizeThreshold(v.verbose ?? this.thresholds.verbose),
      debug: normalizeThreshold(v.debug ?? this.thresholds.debug),
    };
  }

  write(record: LogRecord): void {
    if (this.closing) return;
    if (this.queue.length === 0 && this.unreported === 0 && this.transport.writable()) {
      this.transmit(record);
      return;
    }
    this.enqueue(record);
    this.flush();
  }

  /** Take over a predecessor's backlog (reconfigure): its records go out before newer ones. */
  adopt(backlog: SyslogBacklog): void {
    const newer = this.queue.drain();
    for (const r of backlog.records) this.enqueue(r);
    for (const r of newer) this.enqueue(r);
    this.dropped += backlog.dropped;
    this.unreported += backlog.dropped;
    this.flush();
  }

  /** Hand the queued records and unreported drops to a successor; this destination keeps none. */
  takeBacklog(): SyslogBacklog {
    const backlog = { records: this.queue.drain(), dropped: this.unreported };
    this.unreported = 0;
    return backlog;
  }

  stats(): SyslogStats {
    const t = this.transport.stats();
    return {
      ...t,
      errors: t.errors + this.encodeErrors,
      protocol: this.protocol,
      target: this.target,
      queued: this.queue.length,
      dropped: this.dropped,
    };
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.flush();
    // A live transport gets until the deadline to take the queue; a TCP transport that is down
    // or still connecting is closed at once (its close() waits for a pending connect itself).
    if (this.queue.length > 0 && this.transport.stats().connected) await this.drained(this.closeTimeoutMs);
    await this.transport.close(this.closeTimeoutMs);
    // Whatever the transport could not take before the deadline is lost: count it.
    this.dropped += this.queue.length;
    this.queue.clear();
  }

  private drained(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(() => done(), timeoutMs);
      const done = (): void => {
        timer.cancel();
        this.onDrained = undefined;
        resolve();
      };
      this.onDrained = done;
    });
  }

  private enqueue(record: LogRecord): void {
    if (this.queue.push(record)) {
      this.dropped++;
      this.unreported++;
    }
  }

  private flush(): void {
    while (this.transport.writable()) {
      if (this.unreported > 0) {
        const n = this.unreported;
        this.unreported = 0;
        this.transmit({
          time: this.clock.wallNow(),
          severity: 'warning',
          level: 0,
          module: 'log',
          msg: `syslog: dropped ${n} log messages while ${this.target} was unreachable`,
          fields: { dropped: n },
          pid: processId(),
        });
        continue;
      }
      const record = this.queue.shift();
      if (!record) break;
      this.transmit(record);
    }
    if (this.queue.length === 0 && this.unreported === 0) this.onDrained?.();
  }

  private transmit(record: LogRecord): void {
    let bytes: Uint8Array;
    try {
      bytes = this.formatter.encode(record, this.maxBytes);
    } catch {
      this.encodeErrors++;
      return;
    }
    this.transport.send(bytes);
  }
}
