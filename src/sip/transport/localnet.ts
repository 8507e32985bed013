/**
 * Which address we show to a destination when the PBX sits behind a router (sip.conf `externip`
 * / `externhost` and `localnet`, Asterisk's chan_sip rule): a destination inside one of the
 * local networks sees our own address; one outside all of them sees the external address. With
 * no localnet at all nothing is rewritten (Asterisk cannot tell inside from outside then either).
 * Pure: addresses and `ADDRESS/PREFIX` strings in, a decision out.
 */

/** `ADDRESS/PREFIX` (IPv4 or IPv6) containing `address`; false for a malformed network or mixed families. */
export function inNetwork(address: string, network: string): boolean {
  const slash = network.indexOf('/');
  const base = slash < 0 ? network : network.slice(0, slash);
  const a = addressBits(address);
  const b = addressBits(base);
  if (!a || !b || a.length !== b.length) return false;
  const prefix = slash < 0 ? a.length : Number(network.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > a.length) return false;
  for (let i = 0; i < prefix; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isLocalDestination(address: string, localnets: readonly string[]): boolean {
  return localnets.some((n) => inNetwork(address, n));
}

export interface ExternalAddress {
  host: string;
  /** Port to advertise instead of the listening one (a router forwarding another port). */
  port?: number;
}

/**
 * Our host and port as `dest` should see them: the external address when one is known, some
 * localnet is configured and `dest` is in none of them; else the local one.
 */
export function advertisedFor(
  dest: string,
  local: { host: string; port: number },
  external: ExternalAddress | undefined,
  localnets: readonly string[],
): { host: string; port: number } {
  if (!external || localnets.length === 0 || isLocalDestination(dest, localnets)) return local;
  return { host: external.host, port: external.port ?? local.port };
}

/** The bits of an IPv4 or IPv6 literal as a '0'/'1' string (32 or 128 long), or undefined. */
function addressBits(s: string): string | undefined {
  const v4 = ipv4Bits(s);
  if (v4) return v4;
  let t = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  if (!t.includes(':')) return undefined;
  const lastColon = t.lastIndexOf(':');
  const dotted = t.slice(lastColon + 1);
  if (dotted.includes('.')) {
    // ::ffff:192.0.2.1 and the like: the dotted quad is the last two groups.
    const b = ipv4Bits(dotted);
    if (!b) return undefined;
    t = t.slice(0, lastColon + 1) + parseInt(b.slice(0, 16), 2).toString(16) + ':' + parseInt(b.slice(16), 2).toString(16);
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const groups = (x: string): string[] => (x === '' ? [] : x.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return undefined;
  const all = [...head, ...Array<string>(fill).fill('0'), ...rest];
  let out = '';
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out += parseInt(g, 16).toString(2).padStart(16, '0');
  }
  return out;
}

function ipv4Bits(s: string): string | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let out = '';
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    out += Number(p).toString(2).padStart(8, '0');
  }
  return out;
}
