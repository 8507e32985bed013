/**
 * RTP packets (RFC 3550 section 5.1):
 *
 *    0                   1                   2                   3
 *   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *   |                           timestamp                           |
 *   |           synchronization source (SSRC) identifier            |
 *   |            contributing source (CSRC) identifiers (CC)        |
 *   | [extension: profile(16) | length in words(16) | data ...]     |
 *   | payload ... [padding ... | pad count(8)]                      |
 *
 * Two APIs: `parseRtp`/`serializeRtp` work on a structured packet (tests, generated media),
 * and the raw accessors (`rtpPayloadOffset`, `readSequence` ...) read and rewrite fields in a
 * received buffer in place, so the relay touches no allocator per packet.
 *
 * Only PbxError('RTP_PARSE') is thrown for bad input.
 */
import { PbxError } from '../core/errors.ts';

export const RTP_VERSION = 2;
export const RTP_HEADER_BYTES = 12;
/** Ethernet MTU minus IP/UDP headers: no legitimate audio packet is larger. */
export const RTP_MAX_PACKET = 1500;

export interface RtpExtension {
  /** "defined by profile" 16 bits (0xBEDE for RFC 8285 one-byte headers). */
  profile: number;
  /** The extension data, a multiple of 4 bytes. */
  data: Uint8Array;
}

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  csrc: number[];
  extension?: RtpExtension;
  payload: Uint8Array;
  /** Number of padding bytes (including the count byte) to append; 0 for none. */
  padding: number;
}

function bad(why: string): PbxError {
  return new PbxError('RTP_PARSE', `RTP: ${why}`);
}

/**
 * Where the payload starts in `buf[0, length)`, after validating the header chain (version,
 * CSRC list, extension and padding bounds); -1 when the packet is malformed. The payload ends
 * at `rtpPayloadEnd`. This is the receive hot path: no allocation, no throw.
 */
export function rtpPayloadOffset(buf: Uint8Array, length = buf.length): number {
  if (length < RTP_HEADER_BYTES || length > buf.length) return -1;
  const b0 = buf[0]!;
  if (b0 >> 6 !== RTP_VERSION) return -1;
  let off = RTP_HEADER_BYTES + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (off + 4 > length) return -1;
    off += 4 + ((buf[off + 2]! << 8) | buf[off + 3]!) * 4;
  }
  if (off > length) return -1;
  if (b0 & 0x20) {
    const pad = buf[length - 1]!;
    if (pad === 0 || off + pad > length) return -1;
  }
  return off;
}

/** End of the payload (before any padding). Call after rtpPayloadOffset accepted the packet. */
export function rtpPayloadEnd(buf: Uint8Array, length = buf.length): number {
  return buf[0]! & 0x20 ? length - buf[length - 1]! : length;
}

export function readPayloadType(buf: Uint8Array): number {
  return buf[1]! & 0x7f;
}

export function readMarker(buf: Uint8Array): boolean {
  return (buf[1]! & 0x80) !== 0;
}

export function readSequence(buf: Uint8Array): number {
  return (buf[2]! << 8) | buf[3]!;
}

export function readTimestamp(buf: Uint8Array): number {
  return ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
}

export function readSsrc(buf: Uint8Array): number {
  return ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
}

export function writePayloadType(buf: Uint8Array, pt: number): void {
  buf[1] = (buf[1]! & 0x80) | (pt & 0x7f);
}

export function writeMarker(buf: Uint8Array, marker: boolean): void {
  buf[1] = marker ? buf[1]! | 0x80 : buf[1]! & 0x7f;
}

export function writeSequence(buf: Uint8Array, seq: number): void {
  buf[2] = (seq >> 8) & 0xff;
  buf[3] = seq & 0xff;
}

export function writeTimestamp(buf: Uint8Array, ts: number): void {
  buf[4] = (ts >>> 24) & 0xff;
  buf[5] = (ts >>> 16) & 0xff;
  buf[6] = (ts >>> 8) & 0xff;
  buf[7] = ts & 0xff;
}

export function writeSsrc(buf: Uint8Array, ssrc: number): void {
  buf[8] = (ssrc >>> 24) & 0xff;
  buf[9] = (ssrc >>> 16) & 0xff;
  buf[10] = (ssrc >>> 8) & 0xff;
  buf[11] = ssrc & 0xff;
}

/** Parse a whole packet into fields (copies the payload). Throws PbxError('RTP_PARSE'). */
export function parseRtp(buf: Uint8Array, length = buf.length): RtpPacket {
  if (length > buf.length) throw bad('length beyond buffer');
  if (length < RTP_HEADER_BYTES) throw bad(`packet of ${length} bytes is shorter than the 12-byte header`);
  if (length > RTP_MAX_PACKET) throw bad(`packet of ${length} bytes exceeds ${RTP_MAX_PACKET}`);
  const b0 = buf[0]!;
  if (b0 >> 6 !== RTP_VERSION) throw bad(`version ${b0 >> 6} is not 2`);
  const cc = b0 & 0x0f;
  let off = RTP_HEADER_BYTES;
  if (off + cc * 4 > length) throw bad(`CSRC count ${cc} runs past the packet`);
  const csrc: number[] = [];
  for (let i = 0; i < cc; i++, off += 4) csrc.push(((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0);
  let extension: RtpExtension | undefined;
  if (b0 & 0x10) {
    if (off + 4 > length) throw bad('extension header runs past the packet');
    const profile = (buf[off]! << 8) | buf[off + 1]!;
    const words = (buf[off + 2]! << 8) | buf[off + 3]!;
    off += 4;
    if (off + words * 4 > length) throw bad(`extension of ${words} words runs past the packet`);
    extension = { profile, data: buf.slice(off, off + words * 4) };
    off += words * 4;
  }
  let end = length;
  let padding = 0;
  if (b0 & 0x20) {
    padding = buf[length - 1]!;
    if (padding === 0) throw bad('padding bit set with a zero pad count');
    if (off + padding > length) throw bad(`pad count ${padding} runs into the header`);
    end = length - padding;
  }
  const packet: RtpPacket = {
    marker: readMarker(buf),
    payloadType: readPayloadType(buf),
    sequence: readSequence(buf),
    timestamp: readTimestamp(buf),
    ssrc: readSsrc(buf),
    csrc,
    payload: buf.slice(off, end),
    padding,
  };
  if (extension) packet.extension = extension;
  return packet;
}

/** Bytes serializeRtp will write for the packet. */
export function rtpPacketSize(p: RtpPacket): number {
  return RTP_HEADER_BYTES + p.csrc.length * 4 + (p.extension ? 4 + p.extension.data.length : 0) + p.payload.length + p.padding;
}

/**
 * Write the packet into `out` (allocated when omitted) and return the bytes written as a view.
 * Throws PbxError('RTP_PARSE') when a field is out of range (a bug in the caller, reported the
 * same way so a bad frame cannot crash the media path).
 */
export function serializeRtp(p: RtpPacket, out?: Uint8Array): Uint8Array {
  if (p.csrc.length > 15) throw bad('more than 15 CSRCs');
  if (p.payloadType < 0 || p.payloadType > 127) throw bad(`payload type ${p.payloadType} out of range`);
  if (p.extension && (p.extension.data.length % 4 !== 0 || p.extension.data.length > 0x3fffc)) throw bad('extension data must be whole 32-bit words');
  if (p.padding < 0 || p.padding > 255) throw bad('padding must be 0-255 bytes');
  const size = rtpPacketSize(p);
  const buf = out ?? new Uint8Array(size);
  if (buf.length < size) throw bad(`buffer of ${buf.length} bytes too small for ${size}`);
  buf[0] = (RTP_VERSION << 6) | (p.padding ? 0x20 : 0) | (p.extension ? 0x10 : 0) | p.csrc.length;
  buf[1] = (p.marker ? 0x80 : 0) | p.payloadType;
  writeSequence(buf, p.sequence);
  writeTimestamp(buf, p.timestamp);
  writeSsrc(buf, p.ssrc);
  let off = RTP_HEADER_BYTES;
  for (const c of p.csrc) {
    buf[off++] = (c >>> 24) & 0xff;
    buf[off++] = (c >>> 16) & 0xff;
    buf[off++] = (c >>> 8) & 0xff;
    buf[off++] = c & 0xff;
  }
  if (p.extension) {
    const words = p.extension.data.length / 4;
    buf[off++] = (p.extension.profile >> 8) & 0xff;
    buf[off++] = p.extension.profile & 0xff;
    buf[off++] = (words >> 8) & 0xff;
    buf[off++] = words & 0xff;
    buf.set(p.extension.data, off);
    off += p.extension.data.length;
  }
  buf.set(p.payload, off);
  off += p.payload.length;
  if (p.padding) {
    buf.fill(0, off, off + p.padding - 1);
    buf[off + p.padding - 1] = p.padding;
    off += p.padding;
  }
  return buf.subarray(0, off);
}
