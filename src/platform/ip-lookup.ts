/**
 * The address lookup given to UDP sockets (dgram's `lookup` option). dgram resolves the
 * destination of every send() through dns.lookup, which for an IP literal answers on the next
 * tick: a queued callback and a deferred send per datagram. Every destination the PBX sends to
 * is an IP literal (Via received/rport, Contact, SDP c=), so this answers those at once with the
 * same address and family dns.lookup would give, and leaves names to dns.lookup.
 */
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

export function ipLiteralLookup(hostname: string, options: LookupOneOptions | number, callback: LookupCallback): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  dnsLookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
}
