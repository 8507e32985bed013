/**
 * What the line engine must know about a country: its call-progress tones (taken from
 * src/media/tones.ts, the one table, so the sim line plays and the classifier recognises exactly
 * what the PBX generates), its ring cadence, and how caller ID is signalled on its lines.
 * Caller-ID standards follow the national practice Asterisk's chan_dahdi users configure with
 * `cidsignalling`/`cidstart`: Bell 202 after the first ring in North America, ETSI V.23 FSK
 * before the first ring in most of Europe and Australia, DTMF before the ring in the Nordic
 * countries and the Netherlands.
 */
import { COUNTRY_TONES, DEFAULT_COUNTRY, parseToneSpec } from '../media/tones.ts';
import type { ToneName } from '../media/tones.ts';
import type { NativeCidStandard, NativeToneDef } from '../platform/native.ts';

export interface AnalogCountry {
  country: string;
  tones: NativeToneDef[];
  /** On/off pairs in ms. */
  ringCadenceMs: number[];
  cidStandard: NativeCidStandard;
}

/** Ring cadences (ITU-T E.180 supplement 2 and national specifications). */
const RING_CADENCE_MS: Readonly<Record<string, number[]>> = {
  us: [2000, 4000],
  uk: [400, 200, 400, 2000],
  fr: [1500, 3500],
  de: [1000, 4000],
  nl: [1000, 4000],
  it: [1000, 4000],
  es: [1500, 3000],
  au: [400, 200, 400, 2000],
  dk: [1000, 4000],
  se: [1000, 5000],
  fi: [1000, 4000],
};

const CID_STANDARD: Readonly<Record<string, NativeCidStandard>> = {
  us: 'bell202',
  ca: 'bell202',
  uk: 'v23',
  fr: 'v23',
  de: 'v23',
  it: 'v23',
  es: 'v23',
  au: 'v23',
  nl: 'dtmf',
  dk: 'dtmf',
  se: 'dtmf',
  fi: 'dtmf',
};

const TONE_NAMES: ToneName[] = ['dial', 'ringback', 'busy', 'congestion'];

/** The tone table in the engine's form: one or two frequencies per part, 0 ms = forever. */
export function engineTones(country: string): NativeToneDef[] {
  const table = COUNTRY_TONES[country] ?? COUNTRY_TONES[DEFAULT_COUNTRY]!;
  const tones: NativeToneDef[] = TONE_NAMES.map((name) => ({
    name,
    parts: parseToneSpec(table[name]).map((p) => ({
      f1: p.frequencies[0] ?? 0,
      f2: p.frequencies[1] ?? 0,
      ms: p.durationMs ?? 0,
    })),
  }));
  tones.push({ name: 'dialrecall', parts: stutterParts(tones[0]!.parts) });
  tones.push({ name: 'callwaiting', parts: parseToneSpec(CALL_WAITING_TONES[country] ?? CALL_WAITING_TONES[DEFAULT_COUNTRY]!).map((p) => ({ f1: p.frequencies[0] ?? 0, f2: p.frequencies[1] ?? 0, ms: p.durationMs ?? 0 })) });
  return tones;
}

/**
 * The call-waiting beep a phone in a call hears once per alert (indications.conf `callwaiting`,
 * one pass of it: the engine plays the parts once, never repeating), from the national plans in
 * ITU-T E.180 supplement 2.
 */
const CALL_WAITING_TONES: Readonly<Record<string, string>> = {
  us: '440/300',
  ca: '440/300',
  uk: '400/100,0/400,400/100',
  fr: '440/300',
  de: '425/200,0/200,425/200',
  nl: '425/500',
  it: '425/400,0/100,425/250',
  es: '425/175,0/175,425/175',
  au: '425/200,0/200,425/200',
  dk: '425/200,0/600,425/200',
  se: '425/200,0/500,425/200',
  fi: '425/150,0/150,425/150',
};

/**
 * Stutter dial tone, what chan_dahdi plays to an FXS phone whose mailbox has new messages
 * (indications.conf `dialrecall`): three 100 ms bursts of the dial tone's frequencies with
 * 100 ms gaps, then steady dial tone. Built from the country's dial tone so every country has
 * one; a cadenced dial tone (Italy) continues steady at its frequencies.
 */
function stutterParts(dial: readonly { f1: number; f2: number }[]): { f1: number; f2: number; ms: number }[] {
  const first = dial.find((p) => p.f1 !== 0 || p.f2 !== 0) ?? { f1: 350, f2: 440 };
  const burst = { f1: first.f1, f2: first.f2, ms: 100 };
  const gap = { f1: 0, f2: 0, ms: 100 };
  return [burst, gap, { ...burst }, { ...gap }, { ...burst }, { ...gap }, { f1: first.f1, f2: first.f2, ms: 0 }];
}

/** Line settings for `country` (lower case, as pbx.conf's [system] country); unknown -> us tones. */
export function analogCountry(country: string, cidOverride?: NativeCidStandard): AnalogCountry {
  const c = country.toLowerCase();
  return {
    country: c,
    tones: engineTones(c),
    ringCadenceMs: RING_CADENCE_MS[c] ?? RING_CADENCE_MS[DEFAULT_COUNTRY]!,
    cidStandard: cidOverride ?? CID_STANDARD[c] ?? 'v23',
  };
}
