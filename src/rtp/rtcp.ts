/**
 * RTCP (RFC 3550 section 6): parsing of incoming compound packets (SR, RR, SDES CNAME, BYE;
 * others skipped) and building of our reports (SR when we sent media since the last report,
 * else RR, each followed by SDES CNAME as 6.1 requires of every compound packet).
 *
 * Report block (6.4.1), 24 bytes:
 *   SSRC_n | fraction lost(8) cumulative lost(24, signed) | extended highest seq |
 *   interarrival jitter | last SR (LSR, middle 32 bits of its NTP time) | delay since last SR
 *   (DLSR, 1/65536 s)
 *
 * Only PbxError('RTP_PARSE') is thrown for bad input.
 */
import { PbxError } from '../core/errors.ts';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

/** Seconds between 1900-01-01 (NTP era 0) and 1970-01-01. */
export const NTP_UNIX_OFFSET = 2_208_988_800;

export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, as an 8-bit fixed point (lost/expected * 256). */
  fractionLost: number;
  /** Cumulative packets lost (may be negative with duplicates), 24-bit signed. */
  cumulativeLost: number;
  extendedHighestSequence: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  lastSr: number;
  delaySinceLastSr: number;
}

export interface SenderInfo {
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export type RtcpPacket =
  | { type: 'sr'; ssrc: number; sender: SenderInfo; reports: ReportBlock[] }
  | { type: 'rr'; ssrc: number; reports: ReportBlock[] }
  | { type: 'sdes'; chunks: { ssrc: number; cname?: string }[] }
  | { type: 'bye'; ssrcs: number[]; reason?: string }
  | { type: 'other'; packetType: number };

function bad(why: string): PbxError {
  return new PbxError('RTP_PARSE', `RTCP: ${why}`);
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function readBlocks(b: Uint8Array, at: number, count: number, end: number): ReportBlock[] {
  if (at + count * 24 > end) throw bad(`${count} report blocks run past the packet`);
  const out: ReportBlock[] = [];
  for (let i = 0; i < count; i++, at += 24) {
    const lost24 = (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!;
    out.push({
      ssrc: u32(b, at),
      fractionLost: b[at + 4]!,
      cumulativeLost: lost24 & 0x800000 ? lost24 - 0x1000000 : lost24,
      extendedHighestSequence: u32(b, at + 8),
      jitter: u32(b, at + 12),
      lastSr: u32(b, at + 16),
      delaySinceLastSr: u32(b, at + 20),
    });
  }
  return out;
}

function latin1(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function readSdes(b: Uint8Array, at: number, count: number, end: number): { ssrc: number; cname?: string }[] {
  const chunks: { ssrc: number; cname?: string }[] = [];
  for (let c = 0; c < count; c++) {
    if (at + 4 > end) throw bad('SDES chunk runs past the packet');
    const chunk: { ssrc: number; cname?: string } = { ssrc: u32(b, at) };
    at += 4;
    for (;;) {
      if (at >= end) throw bad('SDES items run past the packet');
      const type = b[at]!;
      if (type === 0) {
        // The item list ends with a null octet, then padding to the next 32-bit boundary.
        at = (at + 4) & ~3;
        break;
      }
      if (at + 2 > end) throw bad('SDES item header runs past the packet');
      const len = b[at + 1]!;
      if (at + 2 + len > end) throw bad('SDES item runs past the packet');
      if (type === 1 && chunk.cname === undefined) chunk.cname = latin1(b, at + 2, at + 2 + len);
      at += 2 + len;
    }
    chunks.push(chunk);
  }
  return chunks;
}

/**
 * Parse a compound RTCP packet with the validity checks of RFC 3550 A.2: version 2, the first
 * packet SR or RR, lengths adding up to the datagram, padding only in the last packet.
 */
export function parseRtcp(buf: Uint8Array, length = buf.length): RtcpPacket[] {
  if (length > buf.length) throw bad('length beyond buffer');
  if (length < 8) throw bad(`compound packet of ${length} bytes is too short`);
  const out: RtcpPacket[] = [];
  let at = 0;
  while (at < length) {
    if (at + 4 > length) throw bad('truncated header');
    const b0 = buf[at]!;
    if (b0 >> 6 !== 2) throw bad(`version ${b0 >> 6} is not 2`);
    const count = b0 & 0x1f;
    const pt = buf[at + 1]!;
    const words = (buf[at + 2]! << 8) | buf[at + 3]!;
    const next = at + 4 + words * 4;
    if (next > length) throw bad(`packet type ${pt} length runs past the datagram`);
    let end = next;
    if (b0 & 0x20) {
      if (next !== length) throw bad('padding before the last packet');
      const pad = buf[next - 1]!;
      if (pad === 0 || at + 4 + pad > next) throw bad('bad padding count');
      end = next - pad;
    }
    if (at === 0 && pt !== RTCP_SR && pt !== RTCP_RR) throw bad('compound packet must start with SR or RR');
    const body = at + 4;
    switch (pt) {
      case RTCP_SR: {
        if (body + 24 > end) throw bad('sender report too short');
        out.push({
          type: 'sr',
          ssrc: u32(buf, body),
          sender: {
            ntpSeconds: u32(buf, body + 4),
            ntpFraction: u32(buf, body + 8),
            rtpTimestamp: u32(buf, body + 12),
            packetCount: u32(buf, body + 16),
            octetCount: u32(buf, body + 20),
          },
          reports: readBlocks(buf, body + 24, count, end),
        });
        break;
      }
      case RTCP_RR:
        if (body + 4 > end) throw bad('receiver report too short');
        out.push({ type: 'rr', ssrc: u32(buf, body), reports: readBlocks(buf, body + 4, count, end) });
        break;
      case RTCP_SDES:
        out.push({ type: 'sdes', chunks: readSdes(buf, body, count, end) });
        break;
      case RTCP_BYE: {
        if (body + count * 4 > end) throw bad('BYE source list runs past the packet');
        const ssrcs: number[] = [];
        for (let i = 0; i < count; i++) ssrcs.push(u32(buf, body + i * 4));
        const r = body + count * 4;
        const bye: RtcpPacket = { type: 'bye', ssrcs };
        if (r < end) {
          const len = buf[r]!;
          if (r + 1 + len > end) throw bad('BYE reason runs past the packet');
          bye.reason = latin1(buf, r + 1, r + 1 + len);
        }
        out.push(bye);
        break;
      }
      default:
        out.push({ type: 'other', packetType: pt });
    }
    at = next;
  }
  return out;
}

export interface RtcpReportInput {
  ssrc: number;
  /** Present when we sent RTP since the last report: the packet is an SR. */
  sender?: SenderInfo;
  reports: ReportBlock[];
  cname: string;
}

/** Build SR-or-RR + SDES(CNAME) as one compound packet (RFC 3550 6.1). At most 31 report blocks. */
export function buildRtcpReport(r: RtcpReportInput): Uint8Array {
  const reports = r.reports.slice(0, 31);
  const cname = r.cname.slice(0, 255);
  const reportBytes = 8 + (r.sender ? 20 : 0) + reports.length * 24;
  // SDES: header(4) + SSRC(4) + CNAME item(2 + len) + null terminator, padded to 32 bits.
  const sdesBytes = 4 + ((4 + 2 + cname.length + 1 + 3) & ~3);
  const out = new Uint8Array(reportBytes + sdesBytes);
  out[0] = 0x80 | reports.length;
  out[1] = r.sender ? RTCP_SR : RTCP_RR;
  out[2] = ((reportBytes / 4 - 1) >> 8) & 0xff;
  out[3] = (reportBytes / 4 - 1) & 0xff;
  put32(out, 4, r.ssrc);
  let at = 8;
  if (r.sender) {
    put32(out, at, r.sender.ntpSeconds);
    put32(out, at + 4, r.sender.ntpFraction);
    put32(out, at + 8, r.sender.rtpTimestamp);
    put32(out, at + 12, r.sender.packetCount);
    put32(out, at + 16, r.sender.octetCount);
    at += 20;
  }
  for (const b of reports) {
    put32(out, at, b.ssrc);
    const lost = Math.max(-0x800000, Math.min(0x7fffff, b.cumulativeLost)) & 0xffffff;
    put32(out, at + 4, ((b.fractionLost & 0xff) << 24) | lost);
    put32(out, at + 8, b.extendedHighestSequence);
    put32(out, at + 12, b.jitter);
    put32(out, at + 16, b.lastSr);
    put32(out, at + 20, b.delaySinceLastSr);
    at += 24;
  }
  out[at] = 0x81;
  out[at + 1] = RTCP_SDES;
  out[at + 2] = ((sdesBytes / 4 - 1) >> 8) & 0xff;
  out[at + 3] = (sdesBytes / 4 - 1) & 0xff;
  put32(out, at + 4, r.ssrc);
  out[at + 8] = 1;
  out[at + 9] = cname.length;
  for (let i = 0; i < cname.length; i++) out[at + 10 + i] = cname.charCodeAt(i) & 0xff;
  return out;
}

/** NTP time (RFC 3550 4) from Unix milliseconds. */
export function ntpFromUnixMs(ms: number): { seconds: number; fraction: number } {
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * 2 ** 32);
  return { seconds: (seconds + NTP_UNIX_OFFSET) >>> 0, fraction: fraction >>> 0 };
}

/** The middle 32 bits of an NTP timestamp: the LSR value a receiver echoes. */
export function ntpMiddle(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}
