import { bindUdp, type UdpSocket } from '../../platform/net.ts';
import { PbxError } from '../../core/errors.ts';
import { parseMessage } from '../message/parse.ts';
import { serializeMessage } from '../message/serialize.ts';
import type { ParseLimits, SipMessage } from '../message/types.ts';
import type { Endpoint, SipTransport, TransportEvents } from './types.ts';

/**
 * SIP over UDP (RFC 3261 18). One datagram is one message; CRLF keep-alives (RFC 5626 3.5.1)
 * are ignored. Parsing happens here so every layer above sees only well-formed messages; parse
 * failures go to events.onInvalid, which decides between a 400 and a silent drop.
 */
export class UdpTransport implements SipTransport {
  readonly protocol = 'UDP' as const;
  private constructor(
    private sock: UdpSocket,
    private events: TransportEvents,
  ) {}

  get local(): { address: string; port: number } {
    return this.sock.local;
  }

  static async listen(host: string, port: number, events: TransportEvents, limits?: ParseLimits): Promise<UdpTransport> {
    let transport: UdpTransport | undefined;
    const sock = await bindUdp(host, port, (raw, from) => {
      if (!transport) return;
      const source: Endpoint = { protocol: 'UDP', address: from.address, port: from.port };
      if (isKeepAlive(raw)) return;
      let message: SipMessage;
      try {
        message = parseMessage(raw, limits);
      } catch (e) {
        events.onInvalid(raw, source, e instanceof Error ? e : new Error(String(e)));
        return;
      }
      events.onMessage({ message, source, raw });
    });
    transport = new UdpTransport(sock, events);
    return transport;
  }

  async send(message: SipMessage, dest: Endpoint): Promise<void> {
    const raw = serializeMessage(message);
    try {
      await this.sock.send(raw, dest.address, dest.port);
    } catch (e) {
      throw new PbxError('SIP_TRANSPORT', `UDP send to ${dest.address}:${dest.port} failed: ${(e as Error).message}`);
    }
    this.events.onSent?.(raw, dest);
  }

  close(): Promise<void> {
    return this.sock.close();
  }
}

function isKeepAlive(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 13 && c !== 10) return false;
  }
  return true;
}
