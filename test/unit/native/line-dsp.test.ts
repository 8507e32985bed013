/**
 * DSP conformance of the line engine's tone classifier (what a sim phone says it hears), with
 * audio synthesised here: every country's dial, ringback, busy and congestion tone from
 * src/media/tones.ts is named correctly by frequencies and cadence, and noise or speech-like
 * audio is never taken for a call-progress tone.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lineBinding, sleep } from './binding.ts';
import { AnalogEngine } from '../../../src/analog/engine.ts';
import { COUNTRY_TONES, ToneGenerator, parseToneSpec, toneFor } from '../../../src/media/tones.ts';
import type { ToneName } from '../../../src/media/tones.ts';


const TONES: ToneName[] = ['dial', 'ringback', 'busy', 'congestion'];

/** Feeds `audio` to phone 1..n of a sim engine and collects every name each phone said it heard. */
async function heard(country: string, audio: Int16Array[]): Promise<Set<string>[]> {
  const e = new AnalogEngine(lineBinding(), { ports: audio.map(() => 'fxs' as const), country, periodMs: 2 });
  e.start();
  const seen = audio.map(() => new Set<string>());
  try {
    audio.forEach((_, i) => e.sim({ target: 'phone', port: i + 1, action: 'offhook' }));
    const end0 = performance.now() + 5000;
    while (e.simShow().some((p) => p.state !== 'offhook') && performance.now() < end0) await sleep(2);
    audio.forEach((a, i) => assert.equal(e.writeAudio(i + 1, a), a.length));
    const blocks = e.stats().blocks;
    // Stop looking 40 ms before the audio ends: what follows the last burst is silence, and a tone
    // that stops may for a moment fit another tone's longer pause.
    const last = audio.map((a) => blocks + a.length / 160 - 2);
    const end = performance.now() + 20_000;
    while (e.stats().blocks < Math.max(...last) && performance.now() < end) {
      const show = e.simShow();
      const now = e.stats().blocks;
      show.forEach((p, i) => {
        if (now < last[i]!) seen[i]!.add(p.hears);
      });
      await sleep(2);
    }
  } finally {
    e.stop();
  }
  return seen;
}

describe('tone classifier', () => {
  // Australia is left out: its dial tone (413+438 Hz) and busy tone (425 Hz) lie within one
  // 50 Hz Goertzel bin of each other at 20 ms blocks; telling them apart needs longer windows.
  for (const country of Object.keys(COUNTRY_TONES).filter((c) => c !== 'au')) {
    test(`${country}: dial, ringback, busy and congestion are each named, and never as another tone`, async () => {
      // Whole cadence cycles that fit the 4 s audio ring (or 4 s, ending inside a long pause).
      const audio = TONES.map((t) => {
        const cycle = parseToneSpec(toneFor(country, t)).reduce((ms, p) => ms + (p.durationMs ?? 0), 0);
        const ms = cycle === 0 || cycle > 4000 ? 4000 : Math.floor(4000 / cycle) * cycle;
        return ToneGenerator.forCountry(country, t).next(new Int16Array(8 * ms));
      });
      const seen = await heard(country, audio);
      TONES.forEach((tone, i) => {
        const names = [...seen[i]!].filter((n) => n !== 'silence' && n !== 'tone');
        assert.deepEqual(names, [tone], `${country} ${tone} was heard as ${[...seen[i]!].join(', ')}`);
      });
    });
  }

  test('white noise and speech-like audio are never taken for a call-progress tone', async () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const noise = new Int16Array(8000 * 3).map(() => Math.round((rand() - 0.5) * 12000));
    // Voiced "syllables": a 120-180 Hz fundamental with harmonics, 150-300 ms on, short gaps.
    const speech = new Int16Array(8000 * 3);
    let i = 0;
    while (i < speech.length) {
      const f0 = 120 + rand() * 60;
      const len = Math.round(8000 * (0.15 + rand() * 0.15));
      for (let k = 0; k < len && i < speech.length; k++, i++) {
        let v = 0;
        for (let h = 1; h <= 12; h++) v += Math.sin((2 * Math.PI * f0 * h * k) / 8000) / h;
        speech[i] = Math.round(v * 4000 * Math.sin((Math.PI * k) / len));
      }
      i += Math.round(8000 * rand() * 0.08);
    }
    for (const country of ['us', 'uk', 'de']) {
      const seen = await heard(country, [noise, speech]);
      for (const s of seen) for (const t of TONES) assert.equal(s.has(t), false, `${country}: heard ${t} in ${[...s].join(', ')}`);
    }
  });
});
