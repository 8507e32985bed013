/**
 * Contact handling for REGISTER (RFC 3261 sections 10.2.1 and 10.3): the Contact URI text to
 * echo, URI equality for binding matching (19.1.4), expiry values and the address a binding is
 * reached at.
 */
import type { NameAddr, SipUri } from '../message/types.ts';
import type { Endpoint, TransportProtocol } from '../transport/types.ts';
import { parseNameAddr } from '../message/headers.ts';

export interface RequestedContact {
  /** The URI exactly as written inside <...> (or before the first ';' in the bare form). */
  uriText: string;
  uri: SipUri;
  /** The expires header parameter, when present and well-formed. */
  expires?: number;
}

/** RFC 3261 20.19 / 20.10: delta-seconds, at most 2**32-1; larger values are taken as that. */
export function parseDeltaSeconds(v: string | null | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  const t = v.trim();
  if (!/^\d{1,20}$/.test(t)) return undefined;
  return Math.min(Number(t), 0xffff_ffff);
}

/** Parses one Contact element (not '*'). Throws the message layer's SipError 400 when malformed. */
export function parseContact(value: string): RequestedContact {
  const na: NameAddr = parseNameAddr(value);
  const lt = value.indexOf('<');
  const uriText = lt >= 0 ? value.slice(lt + 1, value.indexOf('>', lt)) : (value.split(';')[0] ?? '').trim();
  const out: RequestedContact = { uriText, uri: na.uri };
  const expires = parseDeltaSeconds(na.params.expires);
  if (expires !== undefined) out.expires = expires;
  return out;
}

/**
 * URI equality as RFC 3261 19.1.4 has it, for the parts that identify a phone: scheme, user,
 * host (case-insensitive), port (an explicit default port differs from none) and the transport
 * parameter (case-insensitive).
 */
export function sameContactUri(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if ((a.user ?? '') !== (b.user ?? '')) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase()) return false;
  if (a.port !== b.port) return false;
  return (a.params.transport ?? '').toLowerCase() === (b.params.transport ?? '').toLowerCase();
}

const TRANSPORTS: Record<string, TransportProtocol> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS' };

/**
 * Where to send requests for a binding. nat=yes: the address the REGISTER came from (the
 * phone's NAT mapping, Asterisk's nat=force_rport,comedia); otherwise the Contact URI, with the
 * transport from ;transport= (sips: means TLS, no parameter means UDP, RFC 3263 4.1) and the
 * default port for it. For TCP/TLS on the same transport the REGISTER's connection is kept as a
 * hint: the sender should reuse it while it is open (RFC 5626 style), else connect anew.
 * A host name stays a name; resolving it is the sender's job.
 */
export function reachFor(uri: SipUri, source: Endpoint, nat: boolean): Endpoint {
  if (nat) return { ...source };
  const tp = uri.params.transport;
  let protocol: TransportProtocol = uri.scheme === 'sips' ? 'TLS' : 'UDP';
  if (typeof tp === 'string' && TRANSPORTS[tp.toLowerCase()]) protocol = TRANSPORTS[tp.toLowerCase()] as TransportProtocol;
  const address = uri.host.startsWith('[') ? uri.host.slice(1, -1) : uri.host;
  const port = uri.port ?? (protocol === 'TLS' ? 5061 : 5060);
  const reach: Endpoint = { protocol, address, port };
  if (source.connectionId !== undefined && source.protocol === protocol) reach.connectionId = source.connectionId;
  return reach;
}
