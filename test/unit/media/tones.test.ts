/**
 * Tones are checked by listening to them: frequencies with Goertzel on the generated samples,
 * cadences by measuring energy in 10 ms windows across whole cycles.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PbxError } from '../../../src/core/errors.ts';
import { COUNTRY_TONES, parseToneSpec, ToneGenerator, toneFor } from '../../../src/media/tones.ts';
import type { ToneName } from '../../../src/media/tones.ts';
import { rms, toneRatio } from '../../../src/media/goertzel.ts';

/** Samples of `ms` milliseconds from a generator, pulled frame by frame as a channel would. */
function generate(gen: ToneGenerator, ms: number): Int16Array {
  const out = new Int16Array((ms * 8000) / 1000);
  for (let off = 0; off < out.length; off += 160) out.set(gen.next().subarray(0, Math.min(160, out.length - off)), off);
  return out;
}

/** On/off pattern in 10 ms windows: true where there is sound. */
function onOff(samples: Int16Array): boolean[] {
  const out: boolean[] = [];
  for (let off = 0; off + 80 <= samples.length; off += 80) out.push(rms(samples.subarray(off, off + 80)) > 500);
  return out;
}

/** Run-length encoding of the on/off pattern, in ms. */
function runs(pattern: boolean[]): [boolean, number][] {
  const out: [boolean, number][] = [];
  for (const on of pattern) {
    const last = out[out.length - 1];
    if (last && last[0] === on) last[1] += 10;
    else out.push([on, 10]);
  }
  return out;
}

describe('tone table', () => {
  test('covers the required countries with all four tones, and every entry parses', () => {
    for (const c of ['us', 'uk', 'fr', 'de', 'nl', 'it', 'es', 'au']) {
      assert.ok(COUNTRY_TONES[c], c);
      for (const t of ['dial', 'ringback', 'busy', 'congestion'] as ToneName[]) assert.ok(parseToneSpec(toneFor(c, t)).length > 0);
    }
  });

  test('unknown country falls back to us', () => {
    assert.equal(toneFor('zz', 'busy'), COUNTRY_TONES.us!.busy);
  });

  test('bad specs are refused with MEDIA_TONE naming the fault', () => {
    for (const [spec, fault] of [
      ['', 'empty'],
      ['440/abc', 'duration'],
      ['440+480+620', 'two frequencies'],
      ['5000', '4 kHz'],
      ['440*20', 'modulation'],
      ['440/0', 'duration'],
    ] as const) {
      assert.throws(() => parseToneSpec(spec), (e: unknown) => e instanceof PbxError && e.code === 'MEDIA_TONE' && e.message.includes(fault), spec);
    }
  });
});

describe('generated tones', () => {
  test('US busy: 480+620 Hz for 0.5 s, silence for 0.5 s, repeating', () => {
    const s = generate(ToneGenerator.forCountry('us', 'busy'), 2000);
    const on = s.subarray(800, 3200); // 100-400 ms: inside the first burst
    assert.ok(toneRatio(on, 480) > 0.35, `480 Hz ratio ${toneRatio(on, 480)}`);
    assert.ok(toneRatio(on, 620) > 0.35, `620 Hz ratio ${toneRatio(on, 620)}`);
    assert.ok(toneRatio(on, 440) < 0.05);
    assert.ok(toneRatio(on, 350) < 0.05);
    assert.equal(rms(s.subarray(4000, 8000)), 0, 'silence during the off period');
    assert.deepEqual(runs(onOff(s)), [
      [true, 500],
      [false, 500],
      [true, 500],
      [false, 500],
    ]);
  });

  test('US ringback: 440+480 Hz, 2 s on, 4 s off', () => {
    const s = generate(ToneGenerator.forCountry('us', 'ringback'), 12_000);
    const on = s.subarray(4000, 8000);
    assert.ok(toneRatio(on, 440) > 0.35);
    assert.ok(toneRatio(on, 480) > 0.35);
    assert.deepEqual(runs(onOff(s)), [
      [true, 2000],
      [false, 4000],
      [true, 2000],
      [false, 4000],
    ]);
  });

  test('UK ringback: 400+450 Hz double ring 0.4/0.2/0.4/2.0', () => {
    const s = generate(ToneGenerator.forCountry('uk', 'ringback'), 3000);
    const on = s.subarray(400, 3200);
    assert.ok(toneRatio(on, 400) > 0.3);
    assert.ok(toneRatio(on, 450) > 0.3);
    assert.deepEqual(runs(onOff(s)), [
      [true, 400],
      [false, 200],
      [true, 400],
      [false, 2000],
    ]);
  });

  test('single-frequency countries: Germany busy is 425 Hz 480/480', () => {
    const s = generate(ToneGenerator.forCountry('de', 'busy'), 1920);
    assert.ok(toneRatio(s.subarray(0, 3840), 425) > 0.9);
    assert.deepEqual(runs(onOff(s)), [
      [true, 480],
      [false, 480],
      [true, 480],
      [false, 480],
    ]);
  });

  test('dial tone is continuous (US 350+440)', () => {
    const s = generate(ToneGenerator.forCountry('us', 'dial'), 3000);
    assert.ok(onOff(s).every((x) => x));
    assert.ok(toneRatio(s, 350) > 0.4 && toneRatio(s, 440) > 0.4);
  });

  test('every country tone stays in 16 bits and has the declared frequencies', () => {
    for (const [country, tones] of Object.entries(COUNTRY_TONES)) {
      for (const name of ['dial', 'ringback', 'busy', 'congestion'] as ToneName[]) {
        const spec = parseToneSpec(tones[name]);
        const first = spec[0]!;
        const s = generate(new ToneGenerator(tones[name]), Math.min(first.durationMs ?? 1000, 1000));
        for (const hz of first.frequencies) assert.ok(toneRatio(s, hz) > 0.25, `${country} ${name} ${hz} Hz`);
        assert.ok(s.every((x) => Math.abs(x) <= 10_000));
      }
    }
  });

  test('"!" parts play once, then the tone repeats without them', () => {
    const gen = new ToneGenerator('!1000/100,0/100,500/100');
    const s = generate(gen, 500);
    assert.ok(toneRatio(s.subarray(0, 800), 1000) > 0.9);
    assert.ok(toneRatio(s.subarray(1600, 2400), 500) > 0.9);
    assert.equal(rms(s.subarray(2400, 3200)), 0, 'the 0/100 gap after the first pass');
    assert.ok(toneRatio(s.subarray(3200, 4000), 500) > 0.9, 'then 500 Hz again, not 1000');
    const once = new ToneGenerator('!1000/40');
    generate(once, 60);
    assert.ok(once.finished);
    assert.equal(rms(once.next()), 0);
  });
});
