import type { SipMessage } from '../message/types.ts';

export type TransportProtocol = 'UDP' | 'TCP' | 'TLS' | 'LOOP';

/** Where a message came from or goes to. For TCP, connectionId pins the connection it arrived on. */
export interface Endpoint {
  protocol: TransportProtocol;
  address: string;
  port: number;
  connectionId?: number;
}

export interface ReceivedMessage {
  message: SipMessage;
  source: Endpoint;
  /** The raw bytes as received (latin1), for `sip set debug`. */
  raw: string;
}

/**
 * A SIP transport (CONVENTIONS: `{ protocol; send(message, dest) }` plus one inbound callback).
 * Transports frame and parse; they never answer requests themselves. A message that fails to
 * parse is reported through onInvalid with the error, so the layer above can answer 400 (when a
 * response can be addressed) or drop and count it.
 */
export interface SipTransport {
  readonly protocol: TransportProtocol;
  readonly local: { address: string; port: number };
  /** Serialises and sends. Rejects with PbxError code SIP_TRANSPORT when it cannot. */
  send(message: SipMessage, dest: Endpoint): Promise<void>;
  close(): Promise<void>;
}

export interface TransportEvents {
  onMessage(received: ReceivedMessage): void;
  onInvalid(raw: string, source: Endpoint, error: Error): void;
  /** Every message sent, serialised, for `sip set debug`. */
  onSent?(raw: string, dest: Endpoint): void;
}

/** Reliable transports do not need retransmission timers (RFC 3261 17.1.1.2: Timer A only for unreliable). */
export function isReliable(protocol: TransportProtocol): boolean {
  return protocol === 'TCP' || protocol === 'TLS';
}
