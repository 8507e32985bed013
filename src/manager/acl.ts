/**
 * manager.conf deny/permit, applied as Asterisk's ast_apply_ha does: the rules are read in
 * order, the last one whose network holds the source decides, and a source no rule matches is
 * permitted. So `deny = 0.0.0.0/0.0.0.0` then `permit = 127.0.0.1/255.255.255.255` admits
 * only the loopback. An IPv4-mapped IPv6 source (`::ffff:127.0.0.1`) is compared as IPv4.
 */
import type { AclRule } from '../config/manager-conf.ts';

export function aclPermits(rules: readonly AclRule[], source: string): boolean {
  const src = parseSource(source);
  if (!src) return rules.length === 0;
  let allowed = true;
  for (const r of rules) {
    if (r.v6 !== src.v6) continue;
    const net = r.v6 ? ipv6ToBigInt(r.address) : BigInt(ipv4ToNumber(r.address));
    const bits = r.v6 ? 128 : 32;
    const shift = BigInt(bits - r.prefix);
    if (net >> shift === src.value >> shift) allowed = r.sense === 'permit';
  }
  return allowed;
}

function parseSource(s: string): { v6: boolean; value: bigint } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  const v4 = mapped ? mapped[1] : s;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(v4)) return { v6: false, value: BigInt(ipv4ToNumber(v4)) };
  if (s.includes(':')) {
    const v = ipv6ToBigInt(s);
    return v < 0n ? undefined : { v6: true, value: v };
  }
  return undefined;
}

function ipv4ToNumber(s: string): number {
  return s.split('.').reduce((a, p) => a * 256 + Number(p), 0);
}

/** -1 when the text is not an IPv6 address. */
function ipv6ToBigInt(s: string): bigint {
  const addr = s.replace(/%.*$/, '');
  const halves = addr.split('::');
  if (halves.length > 2) return -1n;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (g.includes('.')) {
        const n = ipv4ToNumber(g);
        out.push(Math.floor(n / 65536), n % 65536);
      } else if (/^[0-9a-f]{1,4}$/i.test(g)) out.push(parseInt(g, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return -1n;
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return -1n;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  return all.reduce((a, g) => (a << 16n) | BigInt(g), 0n);
}
