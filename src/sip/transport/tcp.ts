import { connectTcp, listenTcp, type StreamConnection, type StreamServer } from '../../platform/net.ts';
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import { PbxError } from '../../core/errors.ts';
import { StreamFramer } from '../message/framer.ts';
import { parseMessage } from '../message/parse.ts';
import { serializeMessage } from '../message/serialize.ts';
import type { ParseLimits, SipMessage } from '../message/types.ts';
import type { Endpoint, SipTransport, TransportEvents } from './types.ts';

interface Connection {
  conn: StreamConnection;
  framer: StreamFramer;
  key: string;
  idle?: TimerHandle;
}

/**
 * SIP over TCP (RFC 3261 18.3): messages framed by Content-Length. Responses go back on the
 * connection the request came in on (Endpoint.connectionId); new requests reuse an open
 * connection to the same address:port or open one. A framing error closes the connection,
 * since the stream position is lost. Idle connections are closed after idleMs.
 */
export class TcpTransport implements SipTransport {
  readonly protocol = 'TCP' as const;
  private byId = new Map<number, Connection>();
  private byKey = new Map<string, Connection>();
  private server?: StreamServer;

  private constructor(
    private events: TransportEvents,
    private clock: Clock,
    private limits: ParseLimits | undefined,
    private idleMs: number,
  ) {}

  get local(): { address: string; port: number } {
    return this.server?.local ?? { address: '0.0.0.0', port: 0 };
  }

  get connectionCount(): number {
    return this.byId.size;
  }

  static async listen(
    host: string,
    port: number,
    events: TransportEvents,
    clock: Clock,
    opts: { limits?: ParseLimits; idleMs?: number } = {},
  ): Promise<TcpTransport> {
    const t = new TcpTransport(events, clock, opts.limits, opts.idleMs ?? 600_000);
    t.server = await listenTcp(host, port, (conn) => t.adopt(conn));
    return t;
  }

  private adopt(conn: StreamConnection): Connection {
    const key = `${conn.remote.address}:${conn.remote.port}`;
    const c: Connection = { conn, framer: new StreamFramer(this.limits), key };
    this.byId.set(conn.id, c);
    this.byKey.set(key, c);
    const source: Endpoint = { protocol: 'TCP', address: conn.remote.address, port: conn.remote.port, connectionId: conn.id };
    this.touch(c);
    conn.onData((chunk) => {
      this.touch(c);
      let raws: string[];
      try {
        raws = c.framer.push(chunk);
      } catch (e) {
        this.events.onInvalid(chunk, source, e instanceof Error ? e : new Error(String(e)));
        conn.close();
        return;
      }
      for (const raw of raws) {
        let message: SipMessage;
        try {
          message = parseMessage(raw, this.limits);
        } catch (e) {
          this.events.onInvalid(raw, source, e instanceof Error ? e : new Error(String(e)));
          continue;
        }
        this.events.onMessage({ message, source, raw });
      }
    });
    conn.onClose(() => {
      c.idle?.cancel();
      this.byId.delete(conn.id);
      if (this.byKey.get(key) === c) this.byKey.delete(key);
    });
    return c;
  }

  private touch(c: Connection): void {
    c.idle?.cancel();
    c.idle = this.clock.setTimeout(() => c.conn.close(), this.idleMs);
  }

  async send(message: SipMessage, dest: Endpoint): Promise<void> {
    let c = dest.connectionId !== undefined ? this.byId.get(dest.connectionId) : undefined;
    c ??= this.byKey.get(`${dest.address}:${dest.port}`);
    if (!c || c.conn.closed) {
      try {
        c = this.adopt(await connectTcp(dest.address, dest.port));
      } catch (e) {
        throw new PbxError('SIP_TRANSPORT', `TCP connect to ${dest.address}:${dest.port} failed: ${(e as Error).message}`);
      }
    }
    const raw = serializeMessage(message);
    if (!c.conn.write(raw)) throw new PbxError('SIP_TRANSPORT', `TCP connection to ${dest.address}:${dest.port} is closed`);
    this.touch(c);
    this.events.onSent?.(raw, { ...dest, connectionId: c.conn.id });
  }

  async close(): Promise<void> {
    for (const c of this.byId.values()) {
      c.idle?.cancel();
      c.conn.close();
    }
    this.byId.clear();
    this.byKey.clear();
    await this.server?.close();
  }
}
