/**
 * ITU-T G.711 companding: 16-bit linear PCM <-> 8-bit µ-law (PCMU, North America/Japan) and
 * A-law (PCMA, rest of the world). Everything is a table lookup so the per-sample cost on the
 * media path is one indexed load:
 * - encode tables have 65,536 entries indexed by the sample as an unsigned 16-bit value
 *   (`s & 0xffff`), so no branch on sign or clipping is needed at run time;
 * - decode tables have 256 entries;
 * - transcoding tables (µ-law <-> A-law) have 256 entries and equal encode(decode(x)), the
 *   mapping a PBX applies when two legs use different laws.
 *
 * The tables are computed once at load from the G.711 segment definitions (µ-law: bias 0x84,
 * 8 segments of 16 steps on a 14-bit magnitude; A-law: 13-bit magnitude, 8 segments, even bits
 * inverted with 0x55).
 */

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

/** The reference µ-law encoder used to build the table (G.711 table 2a). */
function ulawEncodeSample(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > ULAW_CLIP) s = ULAW_CLIP;
  s += ULAW_BIAS;
  // The segment (exponent) is the position of the highest set bit above bit 7.
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function ulawDecodeSample(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

/** Segment end points of the 13-bit A-law magnitude (G.711 table 1a). */
const ALAW_SEGMENT_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function alawEncodeSample(sample: number): number {
  let s = sample >> 3;
  let mask: number;
  if (s >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    s = -s - 1;
  }
  let segment = 0;
  while (segment < 8 && s > ALAW_SEGMENT_END[segment]!) segment++;
  if (segment >= 8) return 0x7f ^ mask;
  let value = segment << 4;
  value |= segment < 2 ? (s >> 1) & 0x0f : (s >> segment) & 0x0f;
  return value ^ mask;
}

function alawDecodeSample(byte: number): number {
  const a = byte ^ 0x55;
  const segment = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (segment === 0) t += 8;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

function buildEncode(fn: (s: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = fn(i < 32768 ? i : i - 65536);
  return table;
}

function buildDecode(fn: (b: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let i = 0; i < 256; i++) table[i] = fn(i);
  return table;
}

/** Linear (as unsigned 16-bit index) -> µ-law byte. */
export const ULAW_ENCODE: Uint8Array = buildEncode(ulawEncodeSample);
/** Linear (as unsigned 16-bit index) -> A-law byte. */
export const ALAW_ENCODE: Uint8Array = buildEncode(alawEncodeSample);
/** µ-law byte -> linear. */
export const ULAW_DECODE: Int16Array = buildDecode(ulawDecodeSample);
/** A-law byte -> linear. */
export const ALAW_DECODE: Int16Array = buildDecode(alawDecodeSample);

function buildTranscode(decode: Int16Array, encode: Uint8Array): Uint8Array {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) table[i] = encode[decode[i]! & 0xffff]!;
  return table;
}

/** µ-law byte -> A-law byte (encode_alaw(decode_ulaw(x))). */
export const ULAW_TO_ALAW: Uint8Array = buildTranscode(ULAW_DECODE, ALAW_ENCODE);
/** A-law byte -> µ-law byte. */
export const ALAW_TO_ULAW: Uint8Array = buildTranscode(ALAW_DECODE, ULAW_ENCODE);

export function ulawEncode(sample: number): number {
  return ULAW_ENCODE[sample & 0xffff]!;
}

export function alawEncode(sample: number): number {
  return ALAW_ENCODE[sample & 0xffff]!;
}

export function ulawDecode(byte: number): number {
  return ULAW_DECODE[byte & 0xff]!;
}

export function alawDecode(byte: number): number {
  return ALAW_DECODE[byte & 0xff]!;
}

/**
 * Encode linear samples into `out` (allocated when omitted). Samples outside 16 bits wrap, so
 * callers mixing signals must saturate first.
 */
export function encodeUlaw(samples: Int16Array, out: Uint8Array = new Uint8Array(samples.length)): Uint8Array {
  const n = samples.length;
  for (let i = 0; i < n; i++) out[i] = ULAW_ENCODE[samples[i]! & 0xffff]!;
  return out;
}

export function encodeAlaw(samples: Int16Array, out: Uint8Array = new Uint8Array(samples.length)): Uint8Array {
  const n = samples.length;
  for (let i = 0; i < n; i++) out[i] = ALAW_ENCODE[samples[i]! & 0xffff]!;
  return out;
}

export function decodeUlaw(bytes: Uint8Array, out: Int16Array = new Int16Array(bytes.length)): Int16Array {
  const n = bytes.length;
  for (let i = 0; i < n; i++) out[i] = ULAW_DECODE[bytes[i]!]!;
  return out;
}

export function decodeAlaw(bytes: Uint8Array, out: Int16Array = new Int16Array(bytes.length)): Int16Array {
  const n = bytes.length;
  for (let i = 0; i < n; i++) out[i] = ALAW_DECODE[bytes[i]!]!;
  return out;
}

/**
 * Apply a 256-entry byte table to `bytes[start, end)` in place: the µ-law <-> A-law transcoding
 * step of the RTP relay, which rewrites a received packet's payload without copying it.
 */
export function transcodeInPlace(table: Uint8Array, bytes: Uint8Array, start = 0, end = bytes.length): void {
  for (let i = start; i < end; i++) bytes[i] = table[bytes[i]!]!;
}

/** The byte a law uses for digital silence (linear 0). */
export const ULAW_SILENCE = 0xff;
export const ALAW_SILENCE = 0xd5;
