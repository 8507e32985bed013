/**
 * DNS for SIP server location (RFC 3263) and sip.conf externhost: SRV through the system's
 * resolver (node:dns/promises, /etc/resolv.conf), A and AAAA through getaddrinfo. "No such name" and "no record of
 * that type" answer []; other failures reject and the caller decides.
 */
import { lookup, Resolver } from 'node:dns/promises';

export interface DnsSrv {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

const NO_ANSWER = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'ENONAME']);

function emptyOnNoAnswer<T>(e: unknown): T[] {
  const code = (e as { code?: string } | null)?.code;
  if (code !== undefined && NO_ANSWER.has(code)) return [];
  throw e;
}

export class SystemDns {
  private readonly resolver = new Resolver({ timeout: 3000, tries: 2 });

  srv(name: string): Promise<DnsSrv[]> {
    return this.resolver.resolveSrv(name).then((rs) => rs.map((r) => ({ name: r.name, port: r.port, priority: r.priority, weight: r.weight })), emptyOnNoAnswer<DnsSrv>);
  }

  /**
   * A records, then AAAA, through getaddrinfo (so /etc/hosts answers too, as it does for
   * Asterisk's ast_sockaddr_resolve).
   */
  async addresses(name: string): Promise<string[]> {
    const all = await lookup(name, { all: true }).catch(emptyOnNoAnswer<{ address: string; family: number }>);
    return [...all.filter((a) => a.family === 4), ...all.filter((a) => a.family === 6)].map((a) => a.address);
  }
}
