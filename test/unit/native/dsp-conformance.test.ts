/**
 * DSP conformance of the line engine's detectors, judged against the field's norms with signals
 * synthesised here (dsp-signals.ts, never spandsp) and run through the DSP probe, which builds
 * the detectors exactly as the engine does (native/src/port-dsp.h, CidReceiver, ToneClassifier).
 *
 * - DTMF on FXS ports: ITU-T Q.24 (the Bellcore figures spandsp documents): accept -25..-3 dBm0
 *   per tone, 4 dB reverse / 8 dB normal twist, +-1.5% frequency, 40 ms tones and pauses, a 10 ms
 *   break inside a tone, S/N 15 dB; reject beyond (-55 dBm0, 7 dB reverse / 12 dB normal twist,
 *   +-3.5%, 20-23 ms tones). Each row holds for 60 variants of tone phase and block alignment.
 * - Caller ID on FXO ports: a Bell 202 and an ETSI V.23 FSK spill, and DTMF CLIP ('A' and the
 *   Danish 'D' start), decode to the exact number, name and date/time, also at -30 dBm0 and with
 *   noise; a corrupted checksum or a cut spill gives nothing.
 * - Busy/congestion on FXO ports: every country's cadence (and 10% slower or faster) is named
 *   right; dial tone and ringback never raise busy.
 * - A minute of speech-like audio raises no digit, no caller ID and no busy.
 *
 * Rows that spandsp cannot meet are `todo` with the measured figure.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBinding } from './binding.ts';
import * as S from './dsp-signals.ts';
import { engineTones } from '../../../src/analog/country.ts';
import { COUNTRY_TONES } from '../../../src/media/tones.ts';
import type {
  NativeBinding,
  NativeCidDetection,
  NativeCidStandard,
  NativeDtmfDetection,
  NativeToneDef,
  NativeToneDetection,
} from '../../../src/platform/native.ts';

type ProbeBinding = NativeBinding & { dspDetect: NonNullable<NativeBinding['dspDetect']> };

let cachedProbe: ProbeBinding | undefined;

function probe(): ProbeBinding {
  if (cachedProbe) return cachedProbe;
  const b = requireBinding();
  if (typeof b.dspDetect !== 'function') assert.fail('the native addon has no dspDetect (rebuild it: node scripts/build-native.mjs)');
  cachedProbe = b as ProbeBinding;
  return cachedProbe;
}

function digitsIn(x: Float64Array): NativeDtmfDetection[] {
  return probe().dspDetect({ kind: 'dtmf', samples: S.toPcm(x) });
}

function callerIdsIn(standard: Exclude<NativeCidStandard, 'none'>, x: Float64Array): NativeCidDetection[] {
  return probe().dspDetect({ kind: 'cid', cidStandard: standard, samples: S.toPcm(x) });
}

function tonesIn(tones: NativeToneDef[], x: Float64Array): NativeToneDetection[] {
  return probe().dspDetect({ kind: 'tones', samples: S.toPcm(x), tones });
}

/** What an FXO port reports: a busy event each time the classifier turns to busy or congestion. */
const busyEvents = (d: NativeToneDetection[]): NativeToneDetection[] => d.filter((e) => e.tone === 'busy' || e.tone === 'congestion');

// ---------------------------------------------------------------------------------------------
// DTMF

interface DtmfRow {
  name: string;
  digits: string;
  options: S.DtmfOptions;
  /** The digits the port must report, each exactly once, in order ('' = none). */
  expect: string;
  todo?: string;
}

const ALL = S.ALL_DTMF_DIGITS;

const FREQUENCY_TODO =
  'spandsp 0.0.6 keeps every digit only to +-1.2%; at +1.5% it keeps 785 of 960 digits (778 at -1.5%), losing D ' +
  'always and C, B, # often (the 1633 and 1477 Hz columns): its 102-sample Goertzel window puts a 1.5% offset far ' +
  'enough from the bin to fail its fixed energy-ratio test, which no dtmf_rx_parms setting reaches';
const DURATION_TODO =
  'spandsp 0.0.6 reports 164 of 960 tones of 23 ms (17%): it confirms a digit on two 12.75 ms blocks, and a block ' +
  'only partly filled by the tone can pass; 20 ms tones are always rejected';

const DTMF_ROWS: DtmfRow[] = [
  // Level per tone (equal levels, no twist).
  { name: 'level -3 dBm0 per tone (the loudest pair that does not clip)', digits: ALL, options: { lowDbm0: -3, highDbm0: -3 }, expect: ALL },
  { name: 'level -10 dBm0 per tone', digits: ALL, options: { lowDbm0: -10, highDbm0: -10 }, expect: ALL },
  { name: 'level -25 dBm0 per tone (Q.24 operate limit)', digits: ALL, options: { lowDbm0: -25, highDbm0: -25 }, expect: ALL },
  { name: 'level -55 dBm0 per tone (tone-off level) is rejected', digits: ALL, options: { lowDbm0: -55, highDbm0: -55 }, expect: '' },
  // Twist: reverse = high group louder (accept 4 dB), normal = high group quieter (accept 8 dB).
  { name: 'reverse twist 4 dB accepted', digits: ALL, options: { lowDbm0: -10, highDbm0: -6 }, expect: ALL },
  { name: 'reverse twist 4 dB at the operate limit (-25/-21 dBm0) accepted', digits: ALL, options: { lowDbm0: -25, highDbm0: -21 }, expect: ALL },
  { name: 'normal twist 6 dB accepted', digits: ALL, options: { lowDbm0: -10, highDbm0: -16 }, expect: ALL },
  {
    name: 'normal twist 8 dB accepted',
    digits: ALL,
    options: { lowDbm0: -10, highDbm0: -18 },
    expect: ALL,
    todo:
      'spandsp 0.0.6 keeps 954 of 960 digits (99.4%) at 8 dB normal twist over these phases and alignments; the misses ' +
      '(0 and *, on the 941 Hz row) fail its fixed 8 dB relative-peak test, where the loud low tone leaks into the other ' +
      'column bins of its 102-sample window; no dtmf_rx_parms setting reaches that test',
  },
  { name: 'reverse twist 7 dB rejected', digits: ALL, options: { lowDbm0: -10, highDbm0: -3 }, expect: '' },
  { name: 'normal twist 12 dB rejected', digits: ALL, options: { lowDbm0: -10, highDbm0: -22 }, expect: '' },
  // Frequency deviation of both tones.
  {
    name: 'frequency +1.5% accepted',
    digits: ALL,
    options: { deviation: 0.015, lowDbm0: -8, highDbm0: -8 },
    expect: ALL,
    todo: FREQUENCY_TODO,
  },
  {
    name: 'frequency -1.5% accepted',
    digits: ALL,
    options: { deviation: -0.015, lowDbm0: -8, highDbm0: -8 },
    expect: ALL,
    todo: FREQUENCY_TODO,
  },
  { name: 'frequency +1.2% accepted (the limit spandsp holds)', digits: ALL, options: { deviation: 0.012, lowDbm0: -8, highDbm0: -8 }, expect: ALL },
  { name: 'frequency -1.2% accepted (the limit spandsp holds)', digits: ALL, options: { deviation: -0.012, lowDbm0: -8, highDbm0: -8 }, expect: ALL },
  { name: 'frequency +3.5% rejected', digits: ALL, options: { deviation: 0.035 }, expect: '' },
  { name: 'frequency -3.5% rejected', digits: ALL, options: { deviation: -0.035 }, expect: '' },
  // Timing.
  { name: 'tones of 40 ms with 40 ms pauses accepted', digits: ALL, options: { onMs: 40, offMs: 40 }, expect: ALL },
  { name: 'a repeated digit with 40 ms pauses counts every press', digits: '11110000####', options: { onMs: 40, offMs: 40 }, expect: '11110000####' },
  { name: 'long presses (1 s) count once', digits: '159D', options: { onMs: 1000, offMs: 100 }, expect: '159D' },
  { name: 'tones of 20 ms rejected', digits: ALL, options: { onMs: 20, offMs: 100 }, expect: '' },
  {
    name: 'tones of 23 ms rejected',
    digits: ALL,
    options: { onMs: 23, offMs: 100 },
    expect: '',
    todo: DURATION_TODO,
  },
  { name: 'a 10 ms break inside a tone does not make a second digit', digits: ALL, options: { onMs: 100, offMs: 60, breakMs: 10 }, expect: ALL },
  // Noise.
  {
    name: 'S/N 15 dB (white noise) at -20 dBm0 per tone accepted',
    digits: ALL,
    options: { lowDbm0: -20, highDbm0: -20 },
    expect: ALL,
  },
];

/** The signal of a row; the S/N row adds noise 15 dB below the pair's total power. */
function dtmfSignal(row: DtmfRow): Float64Array {
  const x = S.dtmf(row.digits, row.options);
  return row.name.startsWith('S/N') ? S.addNoise(x, -20 + 3 - 15, row.options.seed ?? 1) : x;
}

/**
 * Every row runs with 10 tone phases (seeds) times 6 leading silences, which put the digits at
 * different phases of spandsp's 102-sample blocks: a row holds only if it holds for all 60.
 */
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const LEADS_MS = [100, 103, 120, 151, 177, 190];

describe('DTMF detection on FXS ports (ITU-T Q.24)', () => {
  for (const row of DTMF_ROWS) {
    test(row.name, row.todo ? { todo: row.todo } : {}, () => {
      for (const seed of SEEDS) {
        for (const lead of LEADS_MS) {
          const found = digitsIn(dtmfSignal({ ...row, options: { ...row.options, leadMs: lead, seed } }));
          assert.equal(found.map((d) => d.digit).join(''), row.expect, `tone phases ${seed}, starting at ${lead} ms`);
          // Each digit is reported while it sounds or in the pause right after it, never later.
          const on = row.options.onMs ?? 50;
          const off = row.options.offMs ?? 50;
          found.forEach((d, i) => {
            const start = S.samplesOf(lead + i * (on + off));
            assert.ok(d.offset > start && d.offset <= start + S.samplesOf(on + off + 40), `digit ${i} '${d.digit}' at sample ${d.offset}`);
          });
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Caller ID

interface CidRow {
  name: string;
  standard: Exclude<NativeCidStandard, 'none'>;
  signal: () => Float64Array;
  /** The one message the port must report, or null for none. */
  expect: { number: string; name: string; datetime: string; absence?: 'withheld' | 'unavailable' } | null;
  todo?: string;
}

const P = S.CID_PARAM;
const A = S.CID_ABSENCE;
const NUMBER = '5551234567';
const NAME = 'DOE JOHN';
const STAMP = '12011745'; // 1 December, 17:45

function callSetup(corrupt = false): number[] {
  return S.mdmf([[P.dateTime, STAMP], [P.number, NUMBER], [P.name, NAME]], corrupt);
}

const FULL = { number: NUMBER, name: NAME, datetime: STAMP };

function fskRows(standard: 'bell202' | 'v23', modem: S.FskModem): CidRow[] {
  const label = standard === 'bell202' ? 'Bell 202 (GR-30-CORE)' : 'V.23 (ETSI EN 300 659)';
  return [
    { name: `${label}: MDMF date/time, number, name at -13.5 dBm0`, standard, signal: () => S.fskSpill(modem, callSetup()), expect: FULL },
    { name: `${label}: the same at -30 dBm0`, standard, signal: () => S.fskSpill(modem, callSetup(), { dbm0: -30 }), expect: FULL },
    { name: `${label}: the same at -6 dBm0`, standard, signal: () => S.fskSpill(modem, callSetup(), { dbm0: -6 }), expect: FULL },
    {
      name: `${label}: the same with white noise 20 dB below`,
      standard,
      signal: () => S.addNoise(S.fskSpill(modem, callSetup()), -33.5, 5),
      expect: FULL,
    },
    {
      name: `${label}: a shortened mark (80 bits) and no seizure`,
      standard,
      signal: () => S.fskSpill(modem, callSetup(), { seizureBits: 0, markBits: 80 }),
      expect: FULL,
    },
    {
      name: `${label}: number only, 20 digits`,
      standard,
      signal: () => S.fskSpill(modem, S.mdmf([[P.dateTime, STAMP], [P.number, '00451234567890123456']])),
      expect: { number: '00451234567890123456', name: '', datetime: STAMP },
    },
    {
      name: `${label}: number absent 'P' (withheld), name absent 'P'`,
      standard,
      signal: () => S.fskSpill(modem, S.mdmf([[P.dateTime, STAMP], [P.numberAbsent, A.private], [P.nameAbsent, A.private]])),
      expect: { number: '', name: '', datetime: STAMP, absence: 'withheld' },
    },
    {
      name: `${label}: number absent 'O' (unavailable), name absent 'O'`,
      standard,
      signal: () => S.fskSpill(modem, S.mdmf([[P.dateTime, STAMP], [P.numberAbsent, A.unavailable], [P.nameAbsent, A.unavailable]])),
      expect: { number: '', name: '', datetime: STAMP, absence: 'unavailable' },
    },
    {
      name: `${label}: a number with the name absent 'P' is the number (nothing absent about it)`,
      standard,
      signal: () => S.fskSpill(modem, S.mdmf([[P.dateTime, STAMP], [P.number, NUMBER], [P.nameAbsent, A.private]])),
      expect: { number: NUMBER, name: '', datetime: STAMP },
    },
    { name: `${label}: a corrupted checksum yields nothing`, standard, signal: () => S.fskSpill(modem, callSetup(true)), expect: null },
    {
      name: `${label}: a spill cut off mid-message yields nothing`,
      standard,
      signal: () => {
        const x = S.fskSpill(modem, callSetup(), { tailMs: 0 });
        return S.concat(x.subarray(0, x.length - S.samplesOf(60)), S.silence(300));
      },
      expect: null,
    },
  ];
}

const CID_ROWS: CidRow[] = [
  ...fskRows('bell202', S.BELL_202),
  {
    name: 'Bell 202: SDMF (date/time and number)',
    standard: 'bell202',
    signal: () => S.fskSpill(S.BELL_202, S.sdmf(STAMP, NUMBER)),
    expect: { number: NUMBER, name: '', datetime: STAMP },
  },
  {
    name: "Bell 202: SDMF with 'P' for the number (withheld)",
    standard: 'bell202',
    signal: () => S.fskSpill(S.BELL_202, S.sdmf(STAMP, A.private)),
    expect: { number: '', name: '', datetime: STAMP, absence: 'withheld' },
  },
  {
    name: "Bell 202: SDMF with 'O' for the number (unavailable)",
    standard: 'bell202',
    signal: () => S.fskSpill(S.BELL_202, S.sdmf(STAMP, A.unavailable)),
    expect: { number: '', name: '', datetime: STAMP, absence: 'unavailable' },
  },
  ...fskRows('v23', S.V23),
  {
    name: "DTMF CLIP: 'A' number 'C'",
    standard: 'dtmf',
    signal: () => S.dtmfSpill('A', '4512345678'),
    expect: { number: '4512345678', name: '', datetime: '' },
  },
  {
    name: "DTMF CLIP: 'D' number 'C' (Danish practice)",
    standard: 'dtmf',
    signal: () => S.dtmfSpill('D', '4512345678'),
    expect: { number: '4512345678', name: '', datetime: '' },
  },
  { name: "DTMF CLIP: 'B' \"10\" 'C' (withheld)", standard: 'dtmf', signal: () => S.dtmfAbsenceSpill('etsi', '10'), expect: { number: '', name: '', datetime: '', absence: 'withheld' } },
  { name: "DTMF CLIP: 'B' \"00\" 'C' (unavailable)", standard: 'dtmf', signal: () => S.dtmfAbsenceSpill('etsi', '00'), expect: { number: '', name: '', datetime: '', absence: 'unavailable' } },
  { name: "DTMF CLIP: 'D' 1 '#' (Danish withheld)", standard: 'dtmf', signal: () => S.dtmfAbsenceSpill('danish', '1'), expect: { number: '', name: '', datetime: '', absence: 'withheld' } },
  { name: "DTMF CLIP: 'D' 2 '#' (Danish unavailable)", standard: 'dtmf', signal: () => S.dtmfAbsenceSpill('danish', '2'), expect: { number: '', name: '', datetime: '', absence: 'unavailable' } },
  {
    name: 'DTMF CLIP at -25 dBm0 per tone',
    standard: 'dtmf',
    signal: () => S.dtmfSpill('A', '4512345678', { lowDbm0: -25, highDbm0: -25 }),
    expect: { number: '4512345678', name: '', datetime: '' },
  },
  {
    name: "DTMF CLIP cut before its closing 'C' yields nothing",
    standard: 'dtmf',
    signal: () => S.dtmf('A4512345678', { lowDbm0: -10, highDbm0: -8, onMs: 60, offMs: 60 }),
    expect: null,
  },
];

describe('caller ID on FXO ports', () => {
  for (const row of CID_ROWS) {
    test(row.name, row.todo ? { todo: row.todo } : {}, () => {
      const x = row.signal();
      const found = callerIdsIn(row.standard, x);
      if (row.expect === null) {
        assert.deepEqual(found, []);
        return;
      }
      assert.equal(found.length, 1, `messages: ${JSON.stringify(found)}`);
      const { number, name, datetime, absence } = found[0]!;
      assert.deepEqual({ number, name, datetime, ...(absence ? { absence } : {}) }, row.expect);
      assert.ok(found[0]!.offset <= x.length + 160);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Busy and congestion

const COUNTRIES = Object.keys(COUNTRY_TONES);
/**
 * Australia's congestion differs from its busy only by 420 vs 425 Hz in our table (the real one
 * differs in level), which a 20 ms block cannot hear: the classifier reports either as busy, which
 * hangs an FXO port up all the same.
 */
function expectedName(country: string, tone: 'busy' | 'congestion'): string {
  return country === 'au' ? 'busy' : tone;
}

describe('busy and congestion on FXO ports', () => {
  for (const country of COUNTRIES) {
    const tones = engineTones(country);
    for (const tone of ['busy', 'congestion'] as const) {
      const parts = tones.find((t) => t.name === tone)!.parts;
      const cycleMs = parts.reduce((ms, p) => ms + p.ms, 0);
      for (const [scale, dbm0] of [[1, -20], [0.9, -20], [1.1, -20], [1, -33]] as const) {
        const how = `${scale === 1 ? 'cadence as specified' : `cadence ${scale > 1 ? '10% slow' : '10% fast'}`}, ${dbm0} dBm0`;
        test(`${country} ${tone} (${how}) is named ${expectedName(country, tone)}`, () => {
          const x = S.concat(S.silence(200), S.progressTone(parts, 8000, dbm0, scale));
          const events = busyEvents(tonesIn(tones, x));
          assert.ok(events.length > 0, `no busy event for ${country} ${tone}`);
          assert.deepEqual([...new Set(events.map((e) => e.tone))], [expectedName(country, tone)]);
          // Named within three cadence cycles, or 2 s for short ones (Spain's busy, 200/200, fits
          // its congestion's first cycles until that one's long pause fails to come).
          const boundMs = 200 + Math.max(3 * cycleMs * scale, 2000);
          assert.ok(events[0]!.offset <= S.samplesOf(boundMs), `first at ${events[0]!.offset / 8} ms`);
        });
      }
    }
    for (const tone of ['dial', 'ringback'] as const) {
      test(`${country} ${tone} tone never raises busy`, () => {
        const parts = tones.find((t) => t.name === tone)!.parts;
        for (const scale of [0.9, 1, 1.1]) {
          const d = tonesIn(tones, S.concat(S.silence(200), S.progressTone(parts, 12_000, -20, scale)));
          assert.deepEqual(busyEvents(d), [], `scale ${scale}`);
        }
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Speech-like audio

describe('no false detection on a minute of speech-like audio', () => {
  const speech = S.speechLike(60_000, 42);

  test('the audio is speech-like: a talker level about -18 dBm0, never clipped', () => {
    const pcm = S.toPcm(speech);
    let energy = 0;
    let clipped = 0;
    for (const v of pcm) {
      energy += v * v;
      if (v === 32767 || v === -32768) clipped++;
    }
    const dbm0 = 10 * Math.log10(energy / pcm.length / (S.DBM0_PEAK ** 2 / 2));
    assert.ok(dbm0 > -25 && dbm0 < -12, `level ${dbm0.toFixed(1)} dBm0`);
    assert.equal(clipped, 0);
  });

  test('no DTMF digit', () => {
    assert.deepEqual(digitsIn(speech), []);
  });

  for (const standard of ['bell202', 'v23', 'dtmf'] as const) {
    test(`no caller ID (${standard})`, () => {
      assert.deepEqual(callerIdsIn(standard, speech), []);
    });
  }

  for (const country of COUNTRIES) {
    test(`no busy or congestion (${country})`, () => {
      assert.deepEqual(busyEvents(tonesIn(engineTones(country), speech)), []);
    });
  }
});
