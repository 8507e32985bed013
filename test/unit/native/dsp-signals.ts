/**
 * Test signals for the DSP conformance tests, synthesised here from the standards' figures and
 * never with spandsp (whose detectors the tests judge): DTMF digits with a level per tone, twist,
 * duration, gap and frequency offset; caller-ID spills (Bell 202 and ETSI V.23 FSK, written bit by
 * bit with channel seizure, mark, framed bytes and checksum; DTMF CLIP); call-progress tones with
 * scaled cadences; and speech-like audio. Everything is deterministic (seeded PRNG), at 8 kHz,
 * built as floating point and quantised once to 16-bit PCM with clipping.
 */
import { prng } from '../sdp/helpers.ts';

export const RATE = 8000;

/**
 * Peak of a 0 dBm0 sine in 16-bit PCM. G.711 puts the codec's overload point at +3.14 dBm0
 * (A-law; +3.17 for mu-law), i.e. a full-scale sine is 3.14 dB above the 0 dBm0 reference.
 */
export const DBM0_PEAK = 32767 * 10 ** (-3.14 / 20);

/** Peak amplitude of a sine at `dbm0`. */
export function sineAmplitude(dbm0: number): number {
  return DBM0_PEAK * 10 ** (dbm0 / 20);
}

/** Number of samples in `ms` milliseconds. */
export function samplesOf(ms: number): number {
  return Math.round((ms * RATE) / 1000);
}


/** Standard normal deviate from `rand` (Box-Muller). */
function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Joins pieces of signal. */
export function concat(...parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function silence(ms: number): Float64Array {
  return new Float64Array(samplesOf(ms));
}

/** Adds white Gaussian noise at `dbm0` (its power, as a sine of that level would have). */
export function addNoise(x: Float64Array, dbm0: number, seed: number): Float64Array {
  const rand = prng(seed);
  const rms = sineAmplitude(dbm0) / Math.SQRT2;
  return x.map((v) => v + rms * gaussian(rand));
}

/** Quantises to 16-bit PCM, clipping as a codec would. */
export function toPcm(x: Float64Array): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(x[i]!)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// DTMF (ITU-T Q.23 frequencies)

const DTMF_ROWS = [697, 770, 852, 941];
const DTMF_COLS = [1209, 1336, 1477, 1633];
const DTMF_KEYS = ['123A', '456B', '789C', '*0#D'];

export const ALL_DTMF_DIGITS = '123A456B789C*0#D';

/** The low (row) and high (column) frequency of a DTMF digit. */
export function dtmfFrequencies(digit: string): [number, number] {
  for (let r = 0; r < 4; r++) {
    const c = DTMF_KEYS[r]!.indexOf(digit.toUpperCase());
    if (c >= 0) return [DTMF_ROWS[r]!, DTMF_COLS[c]!];
  }
  throw new Error(`not a DTMF digit: ${digit}`);
}

export interface DtmfOptions {
  /** Level of the low-group tone, dBm0 (default -7, a telephone's nominal send level). */
  lowDbm0?: number;
  /** Level of the high-group tone, dBm0 (default: lowDbm0 + 2, a telephone's pre-emphasis). */
  highDbm0?: number;
  /** Tone on, ms (default 50). */
  onMs?: number;
  /** Silence after each digit, ms (default 50). */
  offMs?: number;
  /** Relative frequency error applied to both tones, e.g. 0.015 for +1.5% (default 0). */
  deviation?: number;
  /** Silence before the first digit, ms (default 100). */
  leadMs?: number;
  /** Silence after the last digit, ms (default 200): the detector confirms a digit's end. */
  tailMs?: number;
  /** Breaks of this many ms in the middle of every tone (default none). */
  breakMs?: number;
  seed?: number;
}

/** A string of DTMF digits; each tone starts at a pseudo-random phase. */
export function dtmf(digits: string, o: DtmfOptions = {}): Float64Array {
  const rand = prng(o.seed ?? 1);
  const low = o.lowDbm0 ?? -7;
  const high = o.highDbm0 ?? low + 2;
  const dev = 1 + (o.deviation ?? 0);
  const parts: Float64Array[] = [silence(o.leadMs ?? 100)];
  for (const d of digits) {
    const [fl, fh] = dtmfFrequencies(d);
    const n = samplesOf(o.onMs ?? 50);
    const tone = new Float64Array(n);
    const al = sineAmplitude(low);
    const ah = sineAmplitude(high);
    const pl = 2 * Math.PI * rand();
    const ph = 2 * Math.PI * rand();
    for (let i = 0; i < n; i++) {
      tone[i] = al * Math.sin(pl + (2 * Math.PI * fl * dev * i) / RATE) + ah * Math.sin(ph + (2 * Math.PI * fh * dev * i) / RATE);
    }
    if (o.breakMs) tone.fill(0, Math.floor(n / 2 - samplesOf(o.breakMs) / 2), Math.floor(n / 2 + samplesOf(o.breakMs) / 2));
    parts.push(tone, silence(o.offMs ?? 50));
  }
  parts.push(silence(o.tailMs ?? 200));
  return concat(...parts);
}

// ---------------------------------------------------------------------------------------------
// FSK caller ID

export interface FskModem {
  name: string;
  baud: number;
  markHz: number;
  spaceHz: number;
}

/** Bell 202 (Telcordia GR-30-CORE): 1200 baud, mark (1) 1200 Hz, space (0) 2200 Hz. */
export const BELL_202: FskModem = { name: 'Bell 202', baud: 1200, markHz: 1200, spaceHz: 2200 };
/** ITU-T V.23 forward channel (ETSI EN 300 659-1): 1200 baud, mark 1300 Hz, space 2100 Hz. */
export const V23: FskModem = { name: 'V.23', baud: 1200, markHz: 1300, spaceHz: 2100 };

/** Continuous-phase FSK of `bits`; bit k covers samples [k*RATE/baud, (k+1)*RATE/baud). */
export function fsk(modem: FskModem, bits: number[], dbm0: number, phase = 0): Float64Array {
  const n = Math.ceil((bits.length * RATE) / modem.baud);
  const out = new Float64Array(n);
  const a = sineAmplitude(dbm0);
  let p = phase;
  for (let i = 0; i < n; i++) {
    const bit = bits[Math.min(bits.length - 1, Math.floor((i * modem.baud) / RATE))]!;
    out[i] = a * Math.sin(p);
    p += (2 * Math.PI * (bit ? modem.markHz : modem.spaceHz)) / RATE;
  }
  return out;
}

/** Asynchronous framing: a start bit (0), eight data bits LSB first, a stop bit (1). */
export function asyncBits(bytes: number[]): number[] {
  const bits: number[] = [];
  for (const b of bytes) {
    bits.push(0);
    for (let k = 0; k < 8; k++) bits.push((b >> k) & 1);
    bits.push(1);
  }
  return bits;
}

/** Parameter types shared by Bell MDMF (GR-30-CORE) and ETSI EN 300 659-3 call set-up messages. */
export const CID_PARAM = { dateTime: 0x01, number: 0x02, numberAbsent: 0x04, name: 0x07, nameAbsent: 0x08 } as const;
/**
 * Reason-for-absence values of parameters 0x04 (number) and 0x08 (name), one character: 'P'
 * private (withheld by the caller), 'O' out of area / unavailable (GR-30-CORE; EN 300 659-3 5.4.4).
 */
export const CID_ABSENCE = { private: 'P', unavailable: 'O' } as const;
/** Message types: multiple data message (call set-up) and Bell's single data message. */
export const CID_MESSAGE = { mdmf: 0x80, sdmf: 0x04 } as const;

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0) & 0x7f);

/**
 * A caller-ID message: type, length, body, then the checksum that makes the sum of every byte
 * (checksum included) 0 modulo 256. MDMF bodies are (parameter type, length, value) triples.
 */
export function cidMessage(type: number, body: number[], corruptChecksum = false): number[] {
  const bytes = [type, body.length, ...body];
  const sum = bytes.reduce((s, b) => (s + b) & 0xff, 0);
  const checksum = (0x100 - sum) & 0xff;
  return [...bytes, corruptChecksum ? checksum ^ 0x01 : checksum];
}

/** An MDMF (call set-up) message with the given parameters in order. */
export function mdmf(params: Array<[number, string]>, corruptChecksum = false): number[] {
  const body = params.flatMap(([t, v]) => [t, v.length, ...ascii(v)]);
  return cidMessage(CID_MESSAGE.mdmf, body, corruptChecksum);
}

/** A Bell SDMF message: 8 characters of date/time (MMDDHHMM), then the number. */
export function sdmf(datetime: string, number: string): number[] {
  return cidMessage(CID_MESSAGE.sdmf, ascii(datetime + number));
}

export interface SpillOptions {
  /** Level, dBm0 (default -13.5, the nominal send level of GR-30-CORE and EN 300 659-1). */
  dbm0?: number;
  /** Channel seizure: alternating 0101... bits (default 300). */
  seizureBits?: number;
  /** Mark (1) bits before the message (default 180). */
  markBits?: number;
  /** Mark bits after the message before the carrier stops (default 2). */
  trailingMarkBits?: number;
  /** Silence before and after, ms (default 100 and 300). */
  leadMs?: number;
  tailMs?: number;
}

/** An FSK caller-ID spill: seizure, mark, the framed message, silence around it. */
export function fskSpill(modem: FskModem, message: number[], o: SpillOptions = {}): Float64Array {
  const bits: number[] = [];
  for (let i = 0; i < (o.seizureBits ?? 300); i++) bits.push(i % 2);
  for (let i = 0; i < (o.markBits ?? 180); i++) bits.push(1);
  bits.push(...asyncBits(message));
  for (let i = 0; i < (o.trailingMarkBits ?? 2); i++) bits.push(1);
  return concat(silence(o.leadMs ?? 100), fsk(modem, bits, o.dbm0 ?? -13.5), silence(o.tailMs ?? 300));
}

/**
 * A DTMF caller-ID spill (ETSI EN 300 659-1 annex B, Nordic/Dutch practice): a start digit ('A'
 * for the calling number; Danish exchanges send 'D'), the number, then 'C' as the end.
 */
export function dtmfSpill(start: 'A' | 'D', number: string, o: DtmfOptions = {}): Float64Array {
  return dtmf(`${start}${number}C`, { lowDbm0: -10, highDbm0: -8, onMs: 60, offMs: 60, ...o });
}

/**
 * A DTMF CLIP spill saying why there is no number. `etsi`: the information start digit 'B', a
 * two-digit code ("00" unavailable, "10" withheld), then 'C' (EN 300 659-1 annex B, Nordic
 * practice). `danish`: 'D', one digit (1 withheld, 2 or 3 unavailable), then '#'.
 */
export function dtmfAbsenceSpill(form: 'etsi' | 'danish', code: string, o: DtmfOptions = {}): Float64Array {
  const text = form === 'etsi' ? `B${code}C` : `D${code}#`;
  return dtmf(text, { lowDbm0: -10, highDbm0: -8, onMs: 60, offMs: 60, ...o });
}

// ---------------------------------------------------------------------------------------------
// Call-progress tones

export interface CadencePart {
  f1: number;
  f2: number;
  /** 0: forever */
  ms: number;
}

/**
 * A call-progress tone for `totalMs`: the parts repeat with every duration scaled by `scale`
 * (1.1 = cadence 10% slow), each frequency component at `dbm0`.
 */
export function progressTone(parts: CadencePart[], totalMs: number, dbm0: number, scale = 1): Float64Array {
  const out = new Float64Array(samplesOf(totalMs));
  const a = sineAmplitude(dbm0);
  let i = 0;
  let k = 0;
  let p1 = 0;
  let p2 = 0;
  while (i < out.length) {
    const part = parts[k % parts.length]!;
    const n = part.ms === 0 ? out.length - i : samplesOf(part.ms * scale);
    for (let j = 0; j < n && i < out.length; j++, i++) {
      let v = 0;
      if (part.f1 > 0) v += a * Math.sin(p1);
      if (part.f2 > 0) v += a * Math.sin(p2);
      p1 += (2 * Math.PI * part.f1) / RATE;
      p2 += (2 * Math.PI * part.f2) / RATE;
      out[i] = v;
    }
    k++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Speech-like audio

/** Formant frequencies (F1, F2, F3 in Hz) of a few vowels, men's averages. */
const VOWELS: Array<[number, number, number]> = [
  [730, 1090, 2440], // a
  [530, 1840, 2480], // e
  [270, 2290, 3010], // i
  [570, 840, 2410], // o
  [300, 870, 2240], // u
  [660, 1720, 2410], // ae
  [490, 1350, 1690], // er
];

/** Two-pole resonator (formant filter) with centre `hz` and bandwidth `bw` Hz. */
class Resonator {
  private y1 = 0;
  private y2 = 0;
  private readonly a1: number;
  private readonly a2: number;
  private readonly gain: number;
  constructor(hz: number, bw: number) {
    const r = Math.exp((-Math.PI * bw) / RATE);
    this.a1 = 2 * r * Math.cos((2 * Math.PI * hz) / RATE);
    this.a2 = -r * r;
    this.gain = 1 - r;
  }
  step(x: number): number {
    const y = this.gain * x + this.a1 * this.y1 + this.a2 * this.y2;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

/** Copies `piece` into `out` at `at`, scaled so its largest sample is `peak`; returns the end. */
function place(out: Float64Array, at: number, piece: Float64Array, peak: number): number {
  const max = piece.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-9);
  const n = Math.min(piece.length, out.length - at);
  for (let j = 0; j < n; j++) out[at + j] = (piece[j]! * peak) / max;
  return at + n;
}

/**
 * Speech-like audio: syllables of voiced sound (a glottal pulse train at 100-250 Hz with
 * intonation, through vowel formants, gliding between vowels), fricative bursts (noise through
 * 2.5-4 kHz resonators), short stops, and pauses holding low pink-ish noise. Levels swing as
 * speech does, about -25..-10 dBm0. Deterministic for a seed.
 */
export function speechLike(ms: number, seed: number): Float64Array {
  const rand = prng(seed);
  const out = new Float64Array(samplesOf(ms));
  let i = 0;
  let pink = 0;
  let glottal = 0;
  while (i < out.length) {
    const kind = rand();
    if (kind < 0.65) {
      // A voiced syllable: 120-350 ms, f0 gliding, formants moving from one vowel to another.
      const n = samplesOf(120 + rand() * 230);
      const f0a = 100 + rand() * 150;
      const f0b = Math.max(90, Math.min(260, f0a * (0.8 + rand() * 0.4)));
      const va = VOWELS[Math.floor(rand() * VOWELS.length)]!;
      const vb = VOWELS[Math.floor(rand() * VOWELS.length)]!;
      const peak = sineAmplitude(-3 - rand() * 15);
      let res: Resonator[] = [];
      const syllable = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const t = j / n;
        if (j % 80 === 0) {
          // Formants glide: new filters every 10 ms (their state restarts, as articulation does).
          res = [0, 1, 2].map((k) => new Resonator(va[k]! + (vb[k]! - va[k]!) * t, 60 + 40 * k));
        }
        const f0 = f0a + (f0b - f0a) * t + 3 * Math.sin(2 * Math.PI * 5.5 * (j / RATE));
        glottal += f0 / RATE;
        // A glottal pulse: a sawtooth-like excitation, rich in harmonics.
        const excitation = glottal % 1 < 0.08 ? 1 : -0.087;
        let v = 0;
        for (const r of res) v += r.step(excitation);
        syllable[j] = v * Math.sin(Math.PI * t) ** 0.6;
      }
      i = place(out, i, syllable, peak);
    } else if (kind < 0.8) {
      // A fricative (s, sh, f): noise through high resonators, 60-180 ms.
      const n = samplesOf(60 + rand() * 120);
      const r1 = new Resonator(2500 + rand() * 1300, 600);
      const r2 = new Resonator(3500, 500);
      const peak = sineAmplitude(-20 - rand() * 10);
      const burst = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const x = gaussian(rand);
        burst[j] = (r1.step(x) + r2.step(x)) * Math.sin((Math.PI * j) / n);
      }
      i = place(out, i, burst, peak);
    } else {
      // A pause or stop closure: low pink-ish noise (leaky integrated white noise), 30-400 ms.
      const n = samplesOf(30 + rand() * 370);
      const level = sineAmplitude(-50);
      for (let j = 0; j < n && i < out.length; j++, i++) {
        pink = 0.97 * pink + gaussian(rand) * 0.25;
        out[i] = pink * level;
      }
    }
  }
  return out;
}
