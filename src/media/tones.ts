/**
 * Call-progress tones per country: dial, ringback, busy and congestion, described in the
 * indications.conf notation Asterisk users know, so a user's `indications.conf` can later add
 * or override countries with the same strings:
 *
 *   tone     = part ("," part)*
 *   part     = ["!"] freqs ["/" duration_ms]
 *   freqs    = hz ["+" hz]          (0 means silence)
 *
 * Parts play in order and the list repeats; a part starting with "!" plays only on the first
 * pass; a part without a duration plays forever. (Asterisk also has amplitude modulation
 * "f1*f2" and a "#" suffix; no table here needs them, so they are refused rather than guessed.)
 *
 * The table is our own, written from the frequencies and cadences published for each national
 * network (ITU-T E.180 supplement 2 "Various tones used in national networks").
 */
import { PbxError } from '../core/errors.ts';
import { SAMPLE_RATE, SAMPLES_PER_FRAME } from './frame.ts';

export type ToneName = 'dial' | 'ringback' | 'busy' | 'congestion';

export interface TonePart {
  /** One or two frequencies in Hz; empty means silence. */
  frequencies: number[];
  /** Milliseconds, or undefined for "until stopped". */
  durationMs: number | undefined;
  /** Plays on the first pass only ("!" prefix). */
  once: boolean;
}

export type ToneSpec = TonePart[];

export interface CountryTones {
  description: string;
  dial: string;
  ringback: string;
  busy: string;
  congestion: string;
}

export const COUNTRY_TONES: Readonly<Record<string, CountryTones>> = {
  us: {
    description: 'United States / Canada (North American precise tone plan)',
    dial: '350+440',
    ringback: '440+480/2000,0/4000',
    busy: '480+620/500,0/500',
    congestion: '480+620/250,0/250',
  },
  uk: {
    description: 'United Kingdom',
    dial: '350+440',
    ringback: '400+450/400,0/200,400+450/400,0/2000',
    busy: '400/375,0/375',
    congestion: '400/400,0/350,400/225,0/525',
  },
  fr: {
    description: 'France',
    dial: '440',
    ringback: '440/1500,0/3500',
    busy: '440/500,0/500',
    congestion: '440/250,0/250',
  },
  de: {
    description: 'Germany',
    dial: '425',
    ringback: '425/1000,0/4000',
    busy: '425/480,0/480',
    congestion: '425/240,0/240',
  },
  nl: {
    description: 'Netherlands',
    dial: '425',
    ringback: '425/1000,0/4000',
    busy: '425/500,0/500',
    congestion: '425/250,0/250',
  },
  it: {
    description: 'Italy',
    dial: '425/200,0/200,425/600,0/1000',
    ringback: '425/1000,0/4000',
    busy: '425/500,0/500',
    congestion: '425/200,0/200',
  },
  es: {
    description: 'Spain',
    dial: '425',
    ringback: '425/1500,0/3000',
    busy: '425/200,0/200',
    congestion: '425/200,0/200,425/200,0/200,425/200,0/600',
  },
  au: {
    description: 'Australia',
    dial: '413+438',
    ringback: '400+450/400,0/200,400+450/400,0/2000',
    busy: '425/375,0/375',
    congestion: '425/375,0/375,420/375,0/375',
  },
};

export const DEFAULT_COUNTRY = 'us';

const MAX_PARTS = 32;
const MAX_FREQUENCY = SAMPLE_RATE / 2 - 1;

function bad(spec: string, why: string): PbxError {
  return new PbxError('MEDIA_TONE', `tone '${spec.slice(0, 80)}': ${why}`);
}

function parseHz(text: string, spec: string): number {
  if (!/^\d{1,4}$/.test(text)) throw bad(spec, `'${text}' is not a frequency in Hz`);
  const hz = Number(text);
  if (hz > MAX_FREQUENCY) throw bad(spec, `${hz} Hz is above the 4 kHz band`);
  return hz;
}

/** Parse an indications.conf tone string. Throws PbxError('MEDIA_TONE') naming the fault. */
export function parseToneSpec(spec: string): ToneSpec {
  const text = spec.trim();
  if (text === '') throw bad(spec, 'empty');
  const parts = text.split(',');
  if (parts.length > MAX_PARTS) throw bad(spec, `more than ${MAX_PARTS} parts`);
  return parts.map((raw) => {
    let p = raw.trim();
    const once = p.startsWith('!');
    if (once) p = p.slice(1);
    const slash = p.indexOf('/');
    const freqText = slash < 0 ? p : p.slice(0, slash);
    let durationMs: number | undefined;
    if (slash >= 0) {
      const d = p.slice(slash + 1);
      if (!/^\d{1,6}$/.test(d) || Number(d) === 0) throw bad(spec, `'${d}' is not a duration in ms`);
      durationMs = Number(d);
    }
    if (freqText.includes('*')) throw bad(spec, 'amplitude modulation (f1*f2) is not supported');
    const freqs = freqText.split('+');
    if (freqs.length > 2) throw bad(spec, 'at most two frequencies per part');
    const frequencies = freqs.map((f) => parseHz(f.trim(), spec)).filter((hz) => hz > 0);
    return { frequencies, durationMs, once };
  });
}

/** The tone string for a country (falls back to `us` for unknown countries, as Asterisk does). */
export function toneFor(country: string, tone: ToneName): string {
  return (COUNTRY_TONES[country.toLowerCase()] ?? COUNTRY_TONES[DEFAULT_COUNTRY]!)[tone];
}

/** Peak amplitude of each component: two components sum to about -9 dBFS, no clipping. */
const COMPONENT_AMPLITUDE = 5000;

/**
 * Produces a tone as 20 ms slin frames, keeping oscillator phase and cadence position across
 * frames so the sound is continuous. Frequencies and cadence boundaries are sample-exact.
 */
export class ToneGenerator {
  private readonly parts: ToneSpec;
  private partIndex = 0;
  private samplesIntoPart = 0;
  private firstPass = true;
  private phase = [0, 0];
  private done = false;

  constructor(spec: string | ToneSpec, private readonly amplitude = COMPONENT_AMPLITUDE) {
    this.parts = typeof spec === 'string' ? parseToneSpec(spec) : spec;
    if (this.parts.length === 0) throw bad('', 'no parts');
  }

  static forCountry(country: string, tone: ToneName): ToneGenerator {
    return new ToneGenerator(toneFor(country, tone));
  }

  /** True once a tone made only of "!" parts has played out. */
  get finished(): boolean {
    return this.done;
  }

  /** The next `n` samples (a frame by default) into `out`. */
  next(out: Int16Array = new Int16Array(SAMPLES_PER_FRAME)): Int16Array {
    for (let i = 0; i < out.length; i++) out[i] = this.sample();
    return out;
  }

  private sample(): number {
    if (this.done) return 0;
    const part = this.parts[this.partIndex]!;
    let v = 0;
    for (let k = 0; k < part.frequencies.length; k++) {
      v += Math.sin(this.phase[k]!) * this.amplitude;
      this.phase[k] = (this.phase[k]! + (2 * Math.PI * part.frequencies[k]!) / SAMPLE_RATE) % (2 * Math.PI);
    }
    this.samplesIntoPart++;
    if (part.durationMs !== undefined && this.samplesIntoPart >= (part.durationMs * SAMPLE_RATE) / 1000) this.advance();
    return Math.round(v);
  }

  private advance(): void {
    this.samplesIntoPart = 0;
    this.phase[0] = 0;
    this.phase[1] = 0;
    for (let guard = 0; guard <= this.parts.length; guard++) {
      this.partIndex++;
      if (this.partIndex >= this.parts.length) {
        this.partIndex = 0;
        this.firstPass = false;
      }
      if (this.firstPass || !this.parts[this.partIndex]!.once) return;
    }
    this.done = true;
  }
}
