/**
 * What the logger needs from the OS, and nothing else: the host identity a syslog header carries
 * (hostname, pid), the process's stdout, an outbound UDP socket and an outbound TCP connection to
 * a remote syslog server, and timers that do not keep the process alive.
 *
 * Every handle made here is unref'd: logging must never be the reason the process stays up.
 * Pending UDP sends and TCP writes are libuv requests, which keep the loop alive until they
 * finish, so unref'ing the handles does not lose bytes already handed over.
 *
 * Nothing here throws into the caller after construction: socket errors are reported through
 * callbacks, because a log call must never fail the code that logs.
 */
import { createSocket, type Socket as UdpSocket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { connect, isIP, type Socket as TcpSocket } from 'node:net';
import { hostname } from 'node:os';
import { SystemClock, type Clock, type TimerHandle } from './clock.ts';

/** The machine's hostname as the kernel reports it (fallback for the syslog HOSTNAME field). */
export function localHostname(): string {
  return hostname();
}

/** This process's id (the syslog PROCID field, Asterisk's `NOTICE[pid]`). */
export function processId(): number {
  return process.pid;
}

let openSockets = 0;

/**
 * Log sockets (UDP senders and TCP connections) created here and not yet closed. The handles are
 * unref'd, so a leak would not hold the process up and node's own leak checks cannot see them:
 * tests assert this count returns to zero after close().
 */
export function openLogSockets(): number {
  return openSockets;
}

let stdoutBroken = false;

/**
 * Write text to stdout. A closed pipe (EPIPE when `pbx run | head` exits) turns further writes
 * into no-ops instead of crashing the PBX through an unhandled 'error' event.
 */
export function writeStdout(text: string): void {
  if (stdoutBroken) return;
  if (process.stdout.listenerCount('error') === 0) {
    process.stdout.on('error', () => {
      stdoutBroken = true;
    });
  }
  try {
    process.stdout.write(text);
  } catch {
    stdoutBroken = true;
  }
}

/** An unconnected UDP socket that sends every datagram to one host:port. */
export interface UdpSender {
  /** Hand one datagram to the kernel; `done` reports the outcome (never throws). */
  send(datagram: Uint8Array, done: (error: Error | null) => void): void;
  /** Number of sends handed over and not yet completed. */
  inFlight(): number;
  /** Wait for in-flight sends, then close the socket. */
  close(): Promise<void>;
}

/** How long a resolved syslog server name is reused before asking the resolver again. */
const UDP_LOOKUP_TTL_MS = 60_000;

type UdpLookup = NonNullable<SocketOptions['lookup']>;

/**
 * dgram resolves the destination name on every send(); for a syslog server given by name that is
 * one getaddrinfo per log line, and parallel lookups finish in any order, which reorders the
 * datagrams. Resolve once per minute instead, and make sends that arrive while a lookup runs wait
 * for that one lookup, answered in the order they came.
 */
function cachingLookup(): UdpLookup {
  type Callback = (e: Error | null, a: string, f: number) => void;
  const cache = new Map<string, { address: string; family: number; until: number }>();
  const waiting = new Map<string, Callback[]>();
  // dgram passes the socket's family as a number; dns-style callers pass options. Accept both.
  return ((host: string, options: number | { family?: number }, cb: Callback) => {
    const family = typeof options === 'number' ? options : options.family ?? 0;
    const key = `${family}/${host}`;
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) {
      cb(null, hit.address, hit.family);
      return;
    }
    const queue = waiting.get(key);
    if (queue) {
      queue.push(cb);
      return;
    }
    waiting.set(key, [cb]);
    dnsLookup(host, { family }, (error, address, fam) => {
      if (!error) cache.set(key, { address, family: fam, until: Date.now() + UDP_LOOKUP_TTL_MS });
      const callbacks = waiting.get(key) ?? [];
      waiting.delete(key);
      for (const c of callbacks) c(error, address, fam);
    });
  }) as UdpLookup;
}

export function openUdpSender(host: string, port: number): UdpSender {
  const type = isIP(host) === 6 ? 'udp6' : 'udp4';
  const socket: UdpSocket = isIP(host) ? createSocket(type) : createSocket({ type, lookup: cachingLookup() });
  socket.unref();
  openSockets++;
  socket.on('close', () => openSockets--);
  // Asynchronous socket errors (e.g. a failed implicit bind) must not become uncaught exceptions.
  socket.on('error', () => {});
  let pending = 0;
  let closed = false;
  let idle: (() => void) | undefined;
  return {
    send(datagram, done) {
      if (closed) {
        done(new Error('udp sender closed'));
        return;
      }
      pending++;
      const finish = (error: Error | null): void => {
        pending--;
        done(error);
        if (pending === 0 && idle) idle();
      };
      try {
        socket.send(datagram, port, host, (error) => finish(error ?? null));
      } catch (e) {
        finish(e as Error);
      }
    },
    inFlight: () => pending,
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => {
        const shut = (): void => {
          idle = undefined;
          try {
            socket.close(() => resolve());
          } catch {
            resolve();
          }
        };
        if (pending === 0) shut();
        else idle = shut;
      });
    },
  };
}

export interface TcpConnectionEvents {
  /** The connection is established. */
  onConnect(): void;
  /** The socket's write buffer emptied after having been over its high-water mark. */
  onDrain(): void;
  /** The connection is gone (refused, reset, closed by the peer, ended or destroyed). Called once. */
  onClose(error: Error | undefined): void;
}

/** An outbound TCP connection that only sends; whatever the peer sends is discarded. */
export interface TcpConnection {
  /** Queue bytes on the socket. Returns false when the socket buffer is over its high-water mark. */
  write(bytes: Uint8Array): boolean;
  /** Bytes written but not yet handed to the kernel. */
  bufferedBytes(): number;
  /** Send what is buffered, then FIN. onClose follows. */
  end(): void;
  /** Drop the connection now. onClose follows. */
  destroy(): void;
}

export function connectTcp(host: string, port: number, events: TcpConnectionEvents): TcpConnection {
  const socket: TcpSocket = connect({ host, port });
  socket.unref();
  openSockets++;
  socket.setNoDelay(true);
  let lastError: Error | undefined;
  let closed = false;
  let corked = false;
  socket.on('connect', () => {
    // Half-open connections (server rebooted without FIN) are found by keepalive probes.
    socket.setKeepAlive(true, 30_000);
    events.onConnect();
  });
  socket.on('drain', () => events.onDrain());
  socket.on('data', () => {});
  socket.on('error', (error) => {
    lastError = error;
  });
  socket.on('close', () => {
    if (closed) return;
    closed = true;
    openSockets--;
    events.onClose(lastError);
  });
  return {
    write(bytes) {
      if (socket.destroyed || !socket.writable) return false;
      // Frames written in the same tick (a queue flush, a burst of log calls) leave in one
      // writev instead of one syscall each.
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(() => {
          corked = false;
          socket.uncork();
        });
      }
      try {
        return socket.write(bytes);
      } catch {
        return false;
      }
    },
    bufferedBytes: () => socket.writableLength,
    end() {
      socket.end();
    },
    destroy() {
      socket.destroy();
    },
  };
}

/**
 * A Clock whose timers do not keep the process alive: the syslog reconnect backoff and close
 * deadlines must not hold up a process that has nothing else left to do.
 */
export const backgroundClock: Clock = new SystemClock({ background: true });
