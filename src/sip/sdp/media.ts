/**
 * Reading the meaning out of a parsed description: effective connection, direction, ptime and
 * RTP payload mappings of one media section, with session-level values as fallbacks
 * (RFC 4566 5.7, 6; RFC 3264 5.1). parseSdp has validated every attribute read here.
 */
import type { Direction, RtpMap, SdpConnection, SdpMedia, SessionDescription } from './types.ts';

/** Static payload types of RFC 3551 table 4 (audio) that a PBX meets in offers. */
export const STATIC_PAYLOAD_TYPES: Readonly<Record<number, Omit<RtpMap, 'payloadType'>>> = {
  0: { encoding: 'PCMU', clockRate: 8000, channels: 1 },
  3: { encoding: 'GSM', clockRate: 8000, channels: 1 },
  4: { encoding: 'G723', clockRate: 8000, channels: 1 },
  8: { encoding: 'PCMA', clockRate: 8000, channels: 1 },
  9: { encoding: 'G722', clockRate: 8000, channels: 1 },
  13: { encoding: 'CN', clockRate: 8000, channels: 1 },
  18: { encoding: 'G729', clockRate: 8000, channels: 1 },
};

const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

function findAttr(attrs: { name: string; value?: string }[], name: string): string | undefined {
  for (const a of attrs) if (a.name === name) return a.value ?? '';
  return undefined;
}

/** The direction attribute of the section, else of the session, else sendrecv (RFC 3264 5.1). */
export function mediaDirection(sd: SessionDescription, m: SdpMedia): Direction {
  for (const attrs of [m.attributes, sd.attributes]) {
    for (const a of attrs) if ((DIRECTIONS as readonly string[]).includes(a.name)) return a.name as Direction;
  }
  return 'sendrecv';
}

/** The media-level c= line, else the session-level one. */
export function mediaConnection(sd: SessionDescription, m: SdpMedia): SdpConnection | undefined {
  return m.connection ?? sd.connection;
}

/** a=ptime in ms (media level, else session level), or undefined. */
export function mediaPtime(sd: SessionDescription, m: SdpMedia): number | undefined {
  const v = findAttr(m.attributes, 'ptime') ?? findAttr(sd.attributes, 'ptime');
  return v === undefined ? undefined : Number(v);
}

/** a=rtcp (RFC 3605): the RTCP port and optional address the peer wants RTCP on. */
export function mediaRtcp(m: SdpMedia): { port: number; address?: string } | undefined {
  const v = findAttr(m.attributes, 'rtcp');
  if (v === undefined) return undefined;
  const [port, , , address] = v.split(' ');
  return address === undefined ? { port: Number(port) } : { port: Number(port), address };
}

/**
 * Every payload type of the m= line with its mapping: the a=rtpmap when present (it overrides a
 * static assignment), else the static table; unknown dynamic types without rtpmap are left out.
 */
export function rtpMaps(m: SdpMedia): RtpMap[] {
  const explicit = new Map<number, RtpMap>();
  for (const a of m.attributes) {
    if (a.name !== 'rtpmap' || a.value === undefined) continue;
    const match = /^(\d+) ([^ /]+)\/(\d+)(?:\/(\d+))?$/.exec(a.value);
    if (!match) continue;
    const pt = Number(match[1]);
    if (explicit.has(pt)) continue;
    const map: RtpMap = { payloadType: pt, encoding: match[2]!, clockRate: Number(match[3]) };
    if (match[4] !== undefined) map.channels = Number(match[4]);
    explicit.set(pt, map);
  }
  const out: RtpMap[] = [];
  const seen = new Set<number>();
  for (const f of m.formats) {
    const pt = Number(f);
    if (!/^\d+$/.test(f) || seen.has(pt)) continue;
    seen.add(pt);
    const map = explicit.get(pt) ?? (STATIC_PAYLOAD_TYPES[pt] ? { payloadType: pt, ...STATIC_PAYLOAD_TYPES[pt] } : undefined);
    if (map) out.push(map);
  }
  return out;
}

/** The a=fmtp parameters for a payload type, or undefined. */
export function fmtpFor(m: SdpMedia, payloadType: number): string | undefined {
  for (const a of m.attributes) {
    if (a.name !== 'fmtp' || a.value === undefined) continue;
    const sp = a.value.indexOf(' ');
    const pt = sp < 0 ? a.value : a.value.slice(0, sp);
    if (pt === String(payloadType)) return sp < 0 ? '' : a.value.slice(sp + 1).trim();
  }
  return undefined;
}

/** The direction the other side must use when answering `d` (RFC 3264 6.1). */
export function mirrorDirection(d: Direction): Direction {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

/** Both wishes at once: a side sends only if both allow it (used to combine our hold with theirs). */
export function combineDirections(a: Direction, b: Direction): Direction {
  const send = (a === 'sendrecv' || a === 'sendonly') && (b === 'sendrecv' || b === 'sendonly');
  const recv = (a === 'sendrecv' || a === 'recvonly') && (b === 'sendrecv' || b === 'recvonly');
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}
