/**
 * Mixer: each party hears the others and not itself (Goertzel on what each receives), sums are
 * saturated (no wrap at full scale), parties come and go while it runs, µ-law parties get µ-law,
 * nothing is left on the clock after stop().
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Mixer, saturate16, type MixerParty } from '../../../src/core/mixer.ts';
import { ManualMediaClock } from '../../../src/media/manual-clock.ts';
import { convertFrame, toSlin, SAMPLES_PER_FRAME, type AudioFrame, type MediaFormat } from '../../../src/media/frame.ts';
import { toneRatio } from '../../../src/media/goertzel.ts';

/** A party sending a steady tone (one frame per tick, pushed by the test) and keeping what it hears. */
function party(hz: number, amplitude = 8000, format: MediaFormat = 'slin') {
  const heard: AudioFrame[] = [];
  let cb: ((f: AudioFrame) => void) | undefined;
  let n = 0;
  const p: MixerParty = {
    format,
    send: (f) => heard.push(f),
    onFrame: (c) => {
      cb = c;
      return () => (cb = undefined);
    },
  };
  return {
    p,
    heard,
    get listening() {
      return cb !== undefined;
    },
    /** One 20 ms frame of the tone (or of a constant when hz is 0). */
    speak() {
      const s = new Int16Array(SAMPLES_PER_FRAME);
      for (let i = 0; i < s.length; i++) s[i] = hz === 0 ? amplitude : Math.round(amplitude * Math.sin((2 * Math.PI * hz * (n + i)) / 8000));
      n += SAMPLES_PER_FRAME;
      cb?.(convertFrame({ format: 'slin', timestamp: n, data: s }, format));
    },
    /** The last `frames` frames heard, as linear samples. */
    lastSamples(frames: number): Int16Array {
      const got = heard.slice(-frames).map((f) => toSlin(f));
      const out = new Int16Array(got.length * SAMPLES_PER_FRAME);
      got.forEach((g, i) => out.set(g, i * SAMPLES_PER_FRAME));
      return out;
    },
  };
}

function run(clock: ManualMediaClock, parties: { speak(): void }[], ticks: number): void {
  for (let t = 0; t < ticks; t++) {
    for (const p of parties) p.speak();
    clock.tick();
  }
}

describe('Mixer', () => {
  test('three parties: each hears the other two frequencies and not its own', () => {
    const clock = new ManualMediaClock();
    const mixer = new Mixer(clock);
    const a = party(600);
    const b = party(1000);
    const c = party(1400, 8000, 'ulaw');
    for (const x of [a, b, c]) mixer.add(x.p);
    run(clock, [a, b, c], 20);
    const present = 0.15; // each of two equal tones holds about half the energy
    const absent = 0.01;
    for (const [x, own, others] of [
      [a, 600, [1000, 1400]],
      [b, 1000, [600, 1400]],
      [c, 1400, [600, 1000]],
    ] as const) {
      const s = x.lastSamples(8);
      for (const f of others) assert.ok(toneRatio(s, f) > present, `${own} Hz party hears ${f} Hz (${toneRatio(s, f).toFixed(3)})`);
      assert.ok(toneRatio(s, own) < absent, `${own} Hz party does not hear itself (${toneRatio(s, own).toFixed(3)})`);
    }
    assert.equal(c.heard.at(-1)!.format, 'ulaw', 'a µ-law party gets µ-law');
    assert.equal(a.heard.at(-1)!.format, 'slin');
    mixer.stop();
    assert.equal(clock.listenerCount, 0);
    assert.equal(a.listening || b.listening || c.listening, false);
  });

  test('loud parties: the sum saturates, it never wraps (the sign never flips)', () => {
    const clock = new ManualMediaClock();
    const mixer = new Mixer(clock);
    const loud = [party(0, 30000), party(0, 30000), party(0, 30000)];
    const quiet = party(0, 0);
    for (const x of [...loud, quiet]) mixer.add(x.p);
    run(clock, [...loud, quiet], 6);
    const heard = quiet.lastSamples(3);
    assert.ok(heard.every((v) => v === 32767), 'three +30000 inputs give +32767, not a negative wrap');
    const neg = [party(0, -30000), party(0, -30000)];
    const m2 = new Mixer(clock);
    const listener = party(0, 0);
    for (const x of [...neg, listener]) m2.add(x.p);
    run(clock, [...neg, listener], 6);
    assert.ok(listener.lastSamples(3).every((v) => v === -32768));
    assert.ok(mixer.stats.clipped > 0);
    assert.equal(saturate16(70000), 32767);
    assert.equal(saturate16(-70000), -32768);
    mixer.stop();
    m2.stop();
  });

  test('a party added or removed while it runs', () => {
    const clock = new ManualMediaClock();
    const mixer = new Mixer(clock);
    const a = party(600);
    const b = party(1000);
    mixer.add(a.p);
    mixer.add(b.p);
    run(clock, [a, b], 10);
    assert.ok(toneRatio(a.lastSamples(5), 1000) > 0.5, 'two parties: a plain two-way mix');
    const c = party(1400);
    mixer.add(c.p);
    run(clock, [a, b, c], 10);
    assert.ok(toneRatio(a.lastSamples(5), 1400) > 0.15, 'the newcomer is heard');
    mixer.remove(b.p);
    assert.equal(b.listening, false);
    const before = b.heard.length;
    run(clock, [a, b, c], 10);
    assert.equal(b.heard.length, before, 'a removed party hears nothing more');
    assert.ok(toneRatio(a.lastSamples(5), 1000) < 0.01, 'and is not heard');
    assert.ok(toneRatio(a.lastSamples(5), 1400) > 0.5);
    mixer.stop();
    assert.equal(clock.listenerCount, 0);
  });

  test('a party sending in bursts is bounded: old frames are dropped, not queued forever', () => {
    const clock = new ManualMediaClock();
    const mixer = new Mixer(clock, { maxQueued: 4 });
    const a = party(600);
    const b = party(1000);
    mixer.add(a.p);
    mixer.add(b.p);
    for (let i = 0; i < 20; i++) a.speak();
    clock.tick();
    assert.equal(mixer.stats.dropped, 16);
    mixer.stop();
  });
});
