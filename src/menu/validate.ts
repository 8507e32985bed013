/**
 * Checks one answer typed in the menu, with a reason a person can act on. The same rules as the
 * configuration layer (whose loader also checks the whole file before any save).
 */
import { isHost, isHostname, isIPv4, parseHostPort, sameIPv4Subnet, splitList } from '../config/values.ts';
import { TONE_COUNTRIES } from '../config/model.ts';

export type Answer<T> = { ok: true; value: T } | { ok: false; why: string };

const ok = <T>(value: T): Answer<T> => ({ ok: true, value });
const bad = <T>(why: string): Answer<T> => ({ ok: false, why });

/** `ADDRESS/PREFIX` for a static LAN address: a usable host address, prefix 1-32. */
export function lanAddress(s: string): Answer<{ address: string; prefix: number }> {
  const m = /^(\S+)\/(\d{1,2})$/.exec(s.trim());
  if (!m) return bad('write it as ADDRESS/PREFIX, for example 192.168.1.2/24');
  const [, address, p] = m;
  if (!isIPv4(address)) return bad(`'${address}' is not an IPv4 address`);
  const prefix = Number(p);
  if (prefix < 1 || prefix > 32) return bad('the prefix must be between 1 and 32 (24 means 255.255.255.0)');
  if (prefix <= 30) {
    const host = hostPart(address, prefix);
    const all = 2 ** (32 - prefix) - 1;
    if (host === 0) return bad(`${address} is the network address of /${prefix}; pick a host address`);
    if (host === all) return bad(`${address} is the broadcast address of /${prefix}; pick a host address`);
  }
  return ok({ address, prefix });
}

function hostPart(address: string, prefix: number): number {
  const n = address.split('.').reduce((acc, x) => acc * 256 + Number(x), 0);
  return n % 2 ** (32 - prefix);
}

/** Default gateway: an IPv4 address inside the LAN subnet and not the box itself. */
export function gateway(s: string, lan: { address: string; prefix: number }): Answer<string> {
  const v = s.trim();
  if (!isIPv4(v)) return bad(`'${v}' is not an IPv4 address`);
  if (v === lan.address) return bad('the gateway cannot be this box itself');
  if (!sameIPv4Subnet(v, lan.address, lan.prefix)) return bad(`${v} is not in the LAN subnet ${lan.address}/${lan.prefix}`);
  return ok(v);
}

/** DNS servers: IPv4 addresses separated by commas or spaces (at most 3, as libc reads). */
export function dnsServers(s: string): Answer<string[]> {
  const list = splitList(s);
  if (list.length === 0) return bad('give at least one address, or - for none');
  const wrong = list.find((x) => !isIPv4(x));
  if (wrong !== undefined) return bad(`'${wrong}' is not an IPv4 address`);
  if (list.length > 3) return bad('at most 3 DNS servers are used; give 3 or fewer');
  return ok(list);
}

/** Syslog server: HOST[:PORT][/udp|/tcp], normalised to HOST:PORT/PROTO with port 514 by default. */
export function syslogServer(s: string): Answer<string> {
  const v = s.trim();
  const slash = v.lastIndexOf('/');
  const proto = slash < 0 ? 'udp' : v.slice(slash + 1).toLowerCase();
  if (proto !== 'udp' && proto !== 'tcp') return bad(`the protocol after / must be udp or tcp, not '${v.slice(slash + 1)}'`);
  const hp = parseHostPort(slash < 0 ? v : v.slice(0, slash));
  if (!hp.ok) return bad(`${hp.why}; write HOST[:PORT][/udp|/tcp], for example 192.168.1.10:514`);
  const host = hp.value.host.includes(':') ? `[${hp.value.host}]` : hp.value.host;
  return ok(`${host}:${hp.value.port ?? 514}${proto === 'udp' ? '' : '/tcp'}`);
}

export function hostname(s: string): Answer<string> {
  const v = s.trim().toLowerCase();
  if (!isHostname(v) || v.includes('.')) return bad('use letters, digits and hyphens (at most 63), starting with a letter or digit');
  return ok(v);
}

export function country(s: string): Answer<string> {
  const v = s.trim().toLowerCase() === 'gb' ? 'uk' : s.trim().toLowerCase();
  if (!TONE_COUNTRIES.includes(v)) return bad(`unknown country '${s.trim()}'; known: ${TONE_COUNTRIES.join(' ')}`);
  return ok(v);
}

/** Time zone by name (Europe/Paris). `known` asks the zone database of the running system. */
export function timezone(s: string, known: (zone: string) => boolean): Answer<string> {
  const v = s.trim();
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(v)) return bad('write a zone name such as Europe/Paris, America/New_York or UTC');
  if (!known(v)) return bad(`unknown time zone '${v}'; zone names look like Europe/Paris or America/New_York`);
  return ok(v);
}

/** A host to ping: a name or an address, nothing a shell could misread. */
export function pingTarget(s: string): Answer<string> {
  const v = s.trim();
  if (!isHost(v)) return bad(`'${v}' is not a host name or IP address`);
  return ok(v);
}

/** Admin password for the shell: long enough that guessing it over a serial line is hopeless. */
export function newPassword(s: string): Answer<string> {
  if (s.length < 8) return bad('use at least 8 characters');
  if (/^\s|\s$/.test(s)) return bad('no spaces at the start or end');
  return ok(s);
}
