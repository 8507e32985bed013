/**
 * Syslog transports: how one formatted RFC 5424 message reaches the server.
 *
 * UDP (RFC 5426): one message per datagram, fire and forget. Loss is the nature of the
 * transport; send errors are counted, never thrown.
 *
 * TCP (RFC 6587): octet-counting framing (3.4.1), `MSG-LEN SP SYSLOG-MSG`, where MSG-LEN is the
 * message's length in octets, so messages may contain newlines and receivers split frames
 * without scanning. The connection is kept up by a small state machine (below) that reconnects
 * with exponential backoff. Messages handed to the kernel just before a connection breaks may be
 * lost: RFC 6587 has no application acknowledgement.
 *
 * Neither transport buffers unboundedly: writable() says when the socket can take more, and the
 * syslog destination keeps its own bounded queue while it cannot.
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import {
  backgroundClock,
  connectTcp,
  openUdpSender,
  type TcpConnection,
  type TcpConnectionEvents,
  type UdpSender,
} from '../platform/log-output.ts';

export type SyslogProtocol = 'udp' | 'tcp';

export interface SyslogTransportStats {
  /** Messages handed to the socket. */
  sent: number;
  /** UDP send failures, TCP connection failures and losses. */
  errors: number;
  /** TCP: a connection is up. UDP: always true while open. */
  connected: boolean;
  /** TCP connections established after the first. */
  reconnects: number;
  lastError: string | undefined;
}

export interface SyslogTransport {
  readonly protocol: SyslogProtocol;
  /** Whether send() would hand the message to a socket right now. */
  writable(): boolean;
  /** Send one complete message; framing is the transport's business. Never throws. */
  send(message: Uint8Array): void;
  /** Set by the owner: called whenever writable() becomes true again. */
  onWritable: () => void;
  stats(): SyslogTransportStats;
  /** Finish in-flight work (at most deadlineMs), then release every handle. */
  close(deadlineMs: number): Promise<void>;
}

/** Datagrams handed to the kernel and not yet confirmed, beyond which the UDP transport says "full". */
export const UDP_MAX_IN_FLIGHT = 256;

export class UdpSyslogTransport implements SyslogTransport {
  readonly protocol = 'udp';
  onWritable: () => void = () => {};
  private readonly sender: UdpSender;
  private sent = 0;
  private errors = 0;
  private lastError: string | undefined;
  private open = true;

  constructor(host: string, port: number, open: typeof openUdpSender = openUdpSender) {
    this.sender = open(host, port);
  }

  writable(): boolean {
    return this.open && this.sender.inFlight() < UDP_MAX_IN_FLIGHT;
  }

  send(message: Uint8Array): void {
    const wasFull = this.sender.inFlight() >= UDP_MAX_IN_FLIGHT - 1;
    this.sender.send(message, (error) => {
      if (error) {
        this.errors++;
        this.lastError = error.message;
      } else {
        this.sent++;
      }
      if (wasFull && this.open && this.writable()) this.onWritable();
    });
  }

  stats(): SyslogTransportStats {
    return { sent: this.sent, errors: this.errors, connected: this.open, reconnects: 0, lastError: this.lastError };
  }

  close(): Promise<void> {
    this.open = false;
    return this.sender.close();
  }
}

/** Reconnect schedule: 500 ms, doubling, at most 30 s; reset once a connection is up. */
export const TCP_BACKOFF_INITIAL_MS = 500;
export const TCP_BACKOFF_MAX_MS = 30_000;
/** A connect attempt that neither succeeds nor fails in this time is abandoned. */
export const TCP_CONNECT_TIMEOUT_MS = 5_000;
/** Bytes buffered in the socket beyond which the transport stops taking messages. */
export const TCP_HIGH_WATER_BYTES = 64 * 1024;

export interface TcpTransportOptions {
  clock?: Clock;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  connectTimeoutMs?: number;
  connect?: (host: string, port: number, events: TcpConnectionEvents) => TcpConnection;
}

/**
 * Connection states of the TCP transport.
 *
 *   connecting --connect--> connected --close/error--> waiting --backoff timer--> connecting
 *   connecting --refused/timeout--> waiting
 *   any --close()--> closing --socket closed or deadline--> closed
 *   waiting --close()--> closed
 */
export enum TcpState {
  Connecting = 'connecting',
  Connected = 'connected',
  Waiting = 'waiting',
  Closing = 'closing',
  Closed = 'closed',
}

const LEGAL: Record<TcpState, readonly TcpState[]> = {
  [TcpState.Connecting]: [TcpState.Connected, TcpState.Waiting, TcpState.Closing],
  [TcpState.Connected]: [TcpState.Waiting, TcpState.Closing],
  [TcpState.Waiting]: [TcpState.Connecting, TcpState.Closed],
  [TcpState.Closing]: [TcpState.Closed],
  [TcpState.Closed]: [],
};

export class TcpSyslogTransport implements SyslogTransport {
  readonly protocol = 'tcp';
  onWritable: () => void = () => {};
  private state = TcpState.Closed;
  private conn: TcpConnection | undefined;
  /** The current connection has completed its handshake. */
  private up = false;
  private attempts = 0;
  private everConnected = false;
  private timer: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;
  private closed: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private sent = 0;
  private errors = 0;
  private reconnects = 0;
  private lastError: string | undefined;
  private readonly clock: Clock;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly options: TcpTransportOptions = {},
  ) {
    this.clock = options.clock ?? backgroundClock;
    // A new transport starts as if its backoff had just expired: connect at once.
    this.state = TcpState.Waiting;
    this.transition(TcpState.Connecting);
  }

  get connectionState(): TcpState {
    return this.state;
  }

  writable(): boolean {
    return (
      this.up &&
      this.conn !== undefined &&
      (this.state === TcpState.Connected || this.state === TcpState.Closing) &&
      this.conn.bufferedBytes() < TCP_HIGH_WATER_BYTES
    );
  }

  send(message: Uint8Array): void {
    if (!this.conn || !this.up || (this.state !== TcpState.Connected && this.state !== TcpState.Closing)) {
      this.errors++;
      return;
    }
    this.conn.write(frameOctetCounted(message));
    this.sent++;
  }

  stats(): SyslogTransportStats {
    return {
      sent: this.sent,
      errors: this.errors,
      connected: this.state === TcpState.Connected,
      reconnects: this.reconnects,
      lastError: this.lastError,
    };
  }

  close(deadlineMs: number): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = new Promise<void>((resolve) => {
      this.resolveClosed = resolve;
    });
    if (this.state === TcpState.Waiting) this.transition(TcpState.Closed);
    else if (this.state === TcpState.Connected || this.state === TcpState.Connecting) {
      this.transition(TcpState.Closing);
      this.deadline = this.clock.setTimeout(() => {
        this.deadline = undefined;
        this.conn?.destroy();
        if (this.state === TcpState.Closing) this.transition(TcpState.Closed);
      }, deadlineMs);
    }
    return this.closed;
  }

  /** The one place that changes state; it owns every timer start and stop. */
  private transition(to: TcpState): void {
    const from = this.state;
    if (!LEGAL[from].includes(to)) throw new Error(`syslog tcp: illegal transition ${from} -> ${to}`);
    this.timer?.cancel();
    this.timer = undefined;
    this.state = to;
    switch (to) {
      case TcpState.Connecting:
        this.open();
        this.timer = this.clock.setTimeout(() => {
          this.timer = undefined;
          this.fail(new Error(`connect to ${this.host}:${this.port} timed out`));
        }, this.options.connectTimeoutMs ?? TCP_CONNECT_TIMEOUT_MS);
        break;
      case TcpState.Connected:
        this.attempts = 0;
        if (this.everConnected) this.reconnects++;
        this.everConnected = true;
        break;
      case TcpState.Waiting: {
        const initial = this.options.backoffInitialMs ?? TCP_BACKOFF_INITIAL_MS;
        const max = this.options.backoffMaxMs ?? TCP_BACKOFF_MAX_MS;
        const delay = Math.min(max, initial * 2 ** Math.min(this.attempts, 30));
        this.attempts++;
        this.timer = this.clock.setTimeout(() => {
          this.timer = undefined;
          this.transition(TcpState.Connecting);
        }, delay);
        break;
      }
      case TcpState.Closing:
        // An established connection sends what it holds and FINs; a pending connect is given
        // until the deadline to come up so the owner can flush into it.
        if (from === TcpState.Connected) this.conn?.end();
        break;
      case TcpState.Closed:
        this.deadline?.cancel();
        this.deadline = undefined;
        this.conn = undefined;
        this.up = false;
        this.resolveClosed?.();
        break;
    }
  }

  private open(): void {
    const connect = this.options.connect ?? connectTcp;
    let conn: TcpConnection | undefined;
    const events: TcpConnectionEvents = {
      onConnect: () => {
        if (this.conn !== conn) return;
        this.up = true;
        if (this.state === TcpState.Connecting) {
          this.transition(TcpState.Connected);
          this.onWritable();
        } else if (this.state === TcpState.Closing) {
          this.onWritable();
          conn?.end();
        }
      },
      onDrain: () => {
        if (this.conn === conn && this.writable()) this.onWritable();
      },
      onClose: (error) => {
        if (this.conn !== conn) return;
        if (this.state === TcpState.Closing) {
          this.transition(TcpState.Closed);
          return;
        }
        this.fail(error ?? new Error(`connection to ${this.host}:${this.port} closed`));
      },
    };
    conn = connect(this.host, this.port, events);
    this.conn = conn;
  }

  /** A connect attempt or an established connection failed: drop it and wait before retrying. */
  private fail(error: Error): void {
    this.errors++;
    this.lastError = error.message;
    const conn = this.conn;
    this.conn = undefined;
    this.up = false;
    conn?.destroy();
    if (this.state === TcpState.Connecting || this.state === TcpState.Connected) this.transition(TcpState.Waiting);
  }
}

const encoder = new TextEncoder();

/** RFC 6587 3.4.1 octet counting: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN in octets. */
export function frameOctetCounted(message: Uint8Array): Uint8Array {
  const prefix = encoder.encode(`${message.length} `);
  const frame = new Uint8Array(prefix.length + message.length);
  frame.set(prefix, 0);
  frame.set(message, prefix.length);
  return frame;
}

export function createSyslogTransport(
  protocol: SyslogProtocol,
  host: string,
  port: number,
  options: TcpTransportOptions = {},
): SyslogTransport {
  return protocol === 'tcp' ? new TcpSyslogTransport(host, port, options) : new UdpSyslogTransport(host, port);
}
