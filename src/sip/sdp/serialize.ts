/**
 * SDP serialiser: RFC 4566 line order (v o s i u e p c b t r z k a, then per media m i c b k a),
 * CRLF after every line including the last.
 */
import type { SdpAttribute, SdpConnection, SdpLine, SdpMedia, SessionDescription } from './types.ts';

function connection(c: SdpConnection): string {
  let addr = c.address;
  if (c.addrType === 'IP4' && c.ttl !== undefined) addr += `/${c.ttl}${c.count !== undefined ? `/${c.count}` : ''}`;
  else if (c.addrType === 'IP6' && c.count !== undefined) addr += `/${c.count}`;
  return `c=${c.netType} ${c.addrType} ${addr}`;
}

function attribute(a: SdpAttribute): string {
  return a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

function extras(out: string[], extra: SdpLine[], types: string): void {
  for (const t of types) for (const l of extra) if (l.type === t) out.push(`${l.type}=${l.value}`);
}

function media(out: string[], m: SdpMedia): void {
  const port = m.portCount !== undefined ? `${m.port}/${m.portCount}` : String(m.port);
  out.push(`m=${[m.type, port, m.proto, ...m.formats].join(' ')}`);
  extras(out, m.extra, 'i');
  if (m.connection) out.push(connection(m.connection));
  extras(out, m.extra, 'bk');
  for (const a of m.attributes) out.push(attribute(a));
}

export function serializeSdp(sd: SessionDescription): string {
  const o = sd.origin;
  const out: string[] = ['v=0', `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`];
  // RFC 4566 5.3: s= must not be empty; "-" is the conventional placeholder.
  out.push(`s=${sd.sessionName === '' ? '-' : sd.sessionName}`);
  extras(out, sd.extra, 'iuep');
  if (sd.connection) out.push(connection(sd.connection));
  extras(out, sd.extra, 'b');
  // RFC 4566 5.9: at least one t= line; "0 0" is an unbounded session.
  const timing = sd.timing.length ? sd.timing : [{ start: '0', stop: '0', repeats: [] }];
  for (const t of timing) {
    out.push(`t=${t.start} ${t.stop}`);
    for (const r of t.repeats) out.push(`r=${r}`);
  }
  extras(out, sd.extra, 'zk');
  for (const a of sd.attributes) out.push(attribute(a));
  for (const m of sd.media) media(out, m);
  return out.join('\r\n') + '\r\n';
}
