/**
 * UDP sockets for media (RTP and RTCP): binary datagrams as Uint8Array, no per-send callback
 * or promise (the media path sends 50 packets a second per stream and must not allocate for
 * bookkeeping). Send errors (ICMP unreachable, a closed peer) are counted, never thrown: RTP
 * is fire-and-forget and the RTP timeout is what notices a vanished peer.
 *
 * A buffer handed to send() must not be modified afterwards: the kernel copy may happen after
 * send() returns when the socket is momentarily not writable.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { ipLiteralLookup } from './ip-lookup.ts';

export interface MediaSocket {
  readonly address: string;
  readonly port: number;
  send(data: Uint8Array, length: number, address: string, port: number): void;
  /** Send errors seen so far. */
  readonly sendErrors: number;
  close(): Promise<void>;
}

export type MediaPacketHandler = (data: Uint8Array, address: string, port: number) => void;

/** The node error code of a failed bind (EADDRINUSE, EACCES ...), for the caller to decide. */
export class MediaBindError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function bindMediaSocket(host: string, port: number, onPacket: MediaPacketHandler): Promise<MediaSocket> {
  const sock: Socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false, lookup: ipLiteralLookup });
  let errors = 0;
  let closed = false;
  return new Promise((resolve, reject) => {
    const onBindError = (e: NodeJS.ErrnoException): void => {
      sock.close();
      reject(new MediaBindError(e.code ?? 'EUNKNOWN', `cannot bind UDP ${host}:${port}: ${e.message}`));
    };
    sock.once('error', onBindError);
    sock.bind(port, host, () => {
      sock.off('error', onBindError);
      sock.on('error', () => {
        errors++;
      });
      sock.on('message', (msg, rinfo) => {
        if (!closed) onPacket(msg, rinfo.address, rinfo.port);
      });
      const a = sock.address();
      resolve({
        address: a.address,
        port: a.port,
        send(data, length, address, p) {
          if (closed) return;
          try {
            sock.send(data, 0, length, p, address);
          } catch {
            errors++;
          }
        },
        get sendErrors() {
          return errors;
        },
        close() {
          if (closed) return Promise.resolve();
          closed = true;
          return new Promise<void>((done) => sock.close(() => done()));
        },
      });
    });
  });
}
