/**
 * DNS for trunks and for a PBX behind a router, on top of platform/dns.ts:
 * - `locate(peer)`: RFC 3263 next hops of a static-host peer (SRV then A/AAAA for a name without
 *   port; A only with a port; nothing to ask for an IP literal), remembered per peer so that an
 *   INVITE from the provider can be matched by its source address (insecure=invite) and qualify
 *   has somewhere to send OPTIONS.
 * - `external()`: sip.conf externip (a literal, at once) or externhost (a name looked up now and
 *   again every `externrefresh` seconds, the last good answer kept while a lookup fails).
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import { SystemDns } from '../platform/dns.ts';
import type { PbxConfig, SipPeer } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import { isIpLiteral, locate, type SipResolver } from '../sip/transport/locate.ts';
import type { ExternalAddress } from '../sip/transport/localnet.ts';
import type { Endpoint } from '../sip/transport/types.ts';

export interface TrunkDnsOptions {
  clock: Clock;
  config(): PbxConfig;
  log: Logger;
  /** Tests give a table; the PBX uses the system resolver. */
  resolver?: SipResolver;
}

export class TrunkDns {
  private readonly resolver: SipResolver;
  private readonly known = new Map<string, Endpoint[]>();
  private externResolved: ExternalAddress | undefined;
  private externName: string | undefined;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(private readonly o: TrunkDnsOptions) {
    this.resolver = o.resolver ?? new SystemDns();
    this.reconfigure();
  }

  /** The external address for Contact/Via/SDP, if one is configured and known. */
  external(): ExternalAddress | undefined {
    const ext = this.o.config().sip.externAddress;
    if (!ext) return undefined;
    if (!ext.resolve) return { host: ext.host, ...(ext.port !== undefined ? { port: ext.port } : {}) };
    return this.externResolved;
  }

  /** Called at start and after reload: (re)starts the externhost refresh when it is a name. */
  reconfigure(): void {
    const ext = this.o.config().sip.externAddress;
    const name = ext?.resolve ? ext.host : undefined;
    if (name === this.externName) return;
    this.externName = name;
    this.externResolved = undefined;
    this.timer?.cancel();
    this.timer = undefined;
    if (name !== undefined) void this.refreshExtern();
  }

  private async refreshExtern(): Promise<void> {
    const name = this.externName;
    if (name === undefined || this.closed) return;
    const addrs = await this.resolver.addresses(name).catch(() => [] as string[]);
    if (this.closed || name !== this.externName) return;
    const ext = this.o.config().sip.externAddress;
    if (addrs[0] !== undefined) {
      if (this.externResolved?.host !== addrs[0]) this.o.log.notice(`externhost ${name} is ${addrs[0]}`);
      this.externResolved = { host: addrs[0], ...(ext?.port !== undefined ? { port: ext.port } : {}) };
    } else {
      this.o.log.warning(`externhost ${name} did not resolve; ${this.externResolved ? `keeping ${this.externResolved.host}` : 'advertising the local address'}`);
    }
    this.timer = this.o.clock.setTimeout(() => void this.refreshExtern(), this.o.config().sip.externRefresh * 1000);
  }

  /** Next hops for a static-host peer, in RFC 3263 order (also remembered for matching). */
  async locate(peer: SipPeer): Promise<Endpoint[]> {
    if (peer.host === 'dynamic') return [];
    const transport = peer.transport[0] === 'tcp' ? 'tcp' : 'udp';
    const found = await locate({ host: peer.host, ...(peer.port !== undefined ? { port: peer.port } : {}), transport }, this.resolver);
    if (found.length > 0) this.known.set(peer.name, found);
    else this.o.log.warning(`peer '${peer.name}': host ${peer.host} did not resolve`);
    return found;
  }

  /** Addresses a static-host peer was last found at (the literal itself for an IP host). */
  addresses(peer: SipPeer): string[] {
    if (peer.host === 'dynamic') return [];
    if (isIpLiteral(peer.host)) return [peer.host];
    return (this.known.get(peer.name) ?? []).map((e) => e.address);
  }

  /** Where a static-host peer named by DNS was last located (its first RFC 3263 answer). */
  endpoint(peer: SipPeer): Endpoint | undefined {
    return this.known.get(peer.name)?.[0];
  }

  /** Looks up every static-host peer named by DNS (at start and reload), so inbound matching works before the first call. */
  async warm(): Promise<void> {
    for (const peer of this.o.config().peers.values()) {
      if (peer.host !== 'dynamic' && !isIpLiteral(peer.host)) await this.locate(peer);
    }
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
  }
}
