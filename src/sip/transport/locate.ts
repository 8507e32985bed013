/**
 * Locating a SIP server (RFC 3263 4.1, 4.2 for a URI without NAPTR use): for a host name with no
 * explicit port, look up SRV `_sip._udp.NAME` (`_sip._tcp` for TCP) and try its targets by
 * priority, then weight (RFC 2782); when there are no SRV records, the name's A (then AAAA)
 * records at 5060. A name with an explicit port skips SRV (4.2); an IP literal needs no DNS.
 * Pure: the DNS answers come from a resolver passed in (platform/dns.ts in the PBX, a table in
 * tests), and the weighted shuffle takes its random source as a parameter.
 */
import type { Endpoint } from './types.ts';

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** The DNS questions RFC 3263 asks. Both answer [] for "no such record" (NXDOMAIN, NODATA). */
export interface SipResolver {
  srv(name: string): Promise<SrvRecord[]>;
  /** A records first, then AAAA. */
  addresses(name: string): Promise<string[]>;
}

export interface LocateTarget {
  host: string;
  port?: number;
  transport: 'udp' | 'tcp';
}

const DEFAULT_PORT = 5060;

/**
 * RFC 2782 ordering: ascending priority; within one priority, repeatedly pick a record with
 * probability proportional to its weight (weight-0 records placed first so they still get a small
 * chance, as the RFC says), `random()` in [0, 1).
 */
export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const byPriority = new Map<number, SrvRecord[]>();
  for (const r of records) {
    const list = byPriority.get(r.priority) ?? [];
    list.push(r);
    byPriority.set(r.priority, list);
  }
  const out: SrvRecord[] = [];
  for (const p of [...byPriority.keys()].sort((a, b) => a - b)) {
    const pool = byPriority.get(p)!.slice().sort((a, b) => (a.weight === 0 ? 0 : 1) - (b.weight === 0 ? 0 : 1));
    while (pool.length > 0) {
      const total = pool.reduce((s, r) => s + r.weight, 0);
      const pick = random() * (total + 1);
      let sum = 0;
      let idx = pool.length - 1;
      for (let i = 0; i < pool.length; i++) {
        sum += pool[i]!.weight;
        if (sum >= pick) {
          idx = i;
          break;
        }
      }
      out.push(pool.splice(idx, 1)[0]!);
    }
  }
  return out;
}

/** Endpoints to try, in order, for a next hop (empty when DNS knows nothing). */
export async function locate(target: LocateTarget, resolver: SipResolver, random: () => number = Math.random): Promise<Endpoint[]> {
  const protocol = target.transport === 'tcp' ? 'TCP' : 'UDP';
  const host = target.host.startsWith('[') ? target.host.slice(1, -1) : target.host;
  if (isIpLiteral(host)) return [{ protocol, address: host, port: target.port ?? DEFAULT_PORT }];
  if (target.port === undefined) {
    const srv = await quiet(resolver.srv(`_sip._${target.transport}.${host}`));
    // A single "." target means the service is decidedly not offered here (RFC 2782).
    if (srv.length === 1 && (srv[0]!.name === '.' || srv[0]!.name === '')) return [];
    if (srv.length > 0) {
      const out: Endpoint[] = [];
      for (const r of orderSrv(srv, random)) {
        for (const address of await quiet(resolver.addresses(r.name))) out.push({ protocol, address, port: r.port });
      }
      return dedupe(out);
    }
  }
  const addrs = await quiet(resolver.addresses(host));
  return dedupe(addrs.map((address) => ({ protocol, address, port: target.port ?? DEFAULT_PORT })));
}

export function isIpLiteral(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s));
}

/** A lookup that fails (SERVFAIL, timeout) counts as no answer; the next step of 4.2 applies. */
async function quiet<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch {
    return [];
  }
}

function dedupe(list: Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const k = `${e.address}:${e.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
