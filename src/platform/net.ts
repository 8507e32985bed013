/**
 * Sockets for the runtime: UDP datagrams, TCP streams and unix-domain streams (control socket).
 * Data crosses this boundary as latin1 strings (one char per byte) because SIP framing and
 * Content-Length are byte-based and the message layer works on such strings.
 */
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { createConnection, createServer, isIPv6, type Server, type Socket } from 'node:net';
import { existsSync, unlinkSync, chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ipLiteralLookup } from './ip-lookup.ts';

export interface SocketAddress {
  address: string;
  port: number;
}

export interface UdpSocket {
  readonly local: SocketAddress;
  send(data: string, address: string, port: number): Promise<void>;
  close(): Promise<void>;
}

export async function bindUdp(
  host: string,
  port: number,
  onDatagram: (data: string, from: SocketAddress) => void,
): Promise<UdpSocket> {
  const sock: DgramSocket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false, lookup: ipLiteralLookup });
  sock.on('message', (msg, rinfo) => onDatagram(msg.toString('latin1'), { address: rinfo.address, port: rinfo.port }));
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  // After bind, socket errors (ICMP unreachable on some kernels) must not crash the process.
  sock.on('error', () => undefined);
  // The default 208 KB receive buffer drops datagrams in registration storms (bench/RESULTS.md).
  try {
    sock.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    // capped by net.core.rmem_max; the kernel keeps what it allows
  }
  const a = sock.address();
  let closed = false;
  return {
    local: { address: a.address, port: a.port },
    send(data, address, p) {
      return new Promise((resolve, reject) => {
        if (closed) return reject(new Error('socket closed'));
        sock.send(Buffer.from(data, 'latin1'), p, address, (err) => (err ? reject(err) : resolve()));
      });
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((resolve) => sock.close(() => resolve()));
    },
  };
}

/** A connected byte stream (TCP or unix). */
export interface StreamConnection {
  readonly id: number;
  readonly remote: SocketAddress;
  readonly local: SocketAddress;
  write(data: string): boolean;
  /** Bytes written but not yet handed to the kernel (a peer that does not read makes this grow). */
  readonly pendingBytes: number;
  onData(cb: (chunk: string) => void): void;
  onClose(cb: () => void): void;
  close(): void;
  /** Closes after what was written is sent (a goodbye the peer should still read). */
  end(): void;
  readonly closed: boolean;
}

let nextConnectionId = 1;

function wrap(sock: Socket, encoding: 'latin1' | 'utf8'): StreamConnection {
  const id = nextConnectionId++;
  let closed = false;
  const closeCbs: (() => void)[] = [];
  sock.setNoDelay(true);
  sock.on('error', () => undefined);
  sock.on('close', () => {
    closed = true;
    for (const cb of closeCbs.splice(0)) cb();
  });
  return {
    id,
    remote: { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 },
    local: { address: sock.localAddress ?? '', port: sock.localPort ?? 0 },
    write(data) {
      if (closed || sock.destroyed) return false;
      sock.write(data, encoding);
      return true;
    },
    get pendingBytes() {
      return sock.writableLength;
    },
    onData(cb) {
      sock.on('data', (chunk: Buffer) => cb(chunk.toString(encoding)));
    },
    onClose(cb) {
      if (closed) cb();
      else closeCbs.push(cb);
    },
    close() {
      if (!closed) sock.destroy();
    },
    end() {
      if (!closed) sock.end();
    },
    get closed() {
      return closed;
    },
  };
}

export interface StreamServer {
  readonly local: SocketAddress;
  close(): Promise<void>;
}

function listen(server: Server, bind: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
    bind();
  });
}

function closeServer(server: Server, live: Set<Socket>): Promise<void> {
  for (const s of live) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function listenTcp(
  host: string,
  port: number,
  onConnection: (conn: StreamConnection) => void,
): Promise<StreamServer> {
  const live = new Set<Socket>();
  const server = createServer((sock) => {
    live.add(sock);
    sock.on('close', () => live.delete(sock));
    onConnection(wrap(sock, 'latin1'));
  });
  await listen(server, () => server.listen(port, host));
  const a = server.address();
  const local = typeof a === 'object' && a ? { address: a.address, port: a.port } : { address: host, port };
  return { local, close: () => closeServer(server, live) };
}

export function connectTcp(host: string, port: number, timeoutMs = 5000): Promise<StreamConnection> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`connect to ${host}:${port} timed out`));
    }, timeoutMs);
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(wrap(sock, 'latin1'));
    });
  });
}

/** Unix-domain control socket. A stale socket file from a crashed run is replaced. */
export async function listenUnix(path: string, onConnection: (conn: StreamConnection) => void): Promise<StreamServer> {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path)) {
    const alive = await new Promise<boolean>((resolve) => {
      const probe = createConnection({ path });
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (alive) throw new Error(`another PBX is already listening on ${path}`);
    unlinkSync(path);
  }
  const live = new Set<Socket>();
  const server = createServer((sock) => {
    live.add(sock);
    sock.on('close', () => live.delete(sock));
    onConnection(wrap(sock, 'utf8'));
  });
  await listen(server, () => server.listen(path));
  chmodSync(path, 0o600);
  return {
    local: { address: path, port: 0 },
    close: async () => {
      await closeServer(server, live);
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}

export function connectUnix(path: string): Promise<StreamConnection> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ path });
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.off('error', reject);
      resolve(wrap(sock, 'utf8'));
    });
  });
}

import { networkInterfaces, hostname as osHostname } from 'node:os';

/** The address to put in Via/Contact when talking to `dest` while listening on `listenHost`. */
export function advertisedAddress(listenHost: string, dest: string): string {
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return listenHost;
  if (dest.startsWith('127.') || dest === 'localhost') return '127.0.0.1';
  if (dest === '::1') return '::1';
  for (const list of Object.values(networkInterfaces())) {
    for (const ni of list ?? []) {
      if (ni.family === 'IPv4' && !ni.internal) return ni.address;
    }
  }
  return '127.0.0.1';
}

export function systemHostname(): string {
  return osHostname();
}

import { isIP } from 'node:net';

export function isIpAddress(s: string): boolean {
  return isIP(s) !== 0;
}
