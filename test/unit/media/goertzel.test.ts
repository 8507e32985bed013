import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { detectFrequency, dominantFrequency, goertzelPower, rms, toneRatio } from '../../../src/media/goertzel.ts';

function sine(hz: number, n: number, amp = 8000, phase = 0): Int16Array {
  return new Int16Array(n).map((_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / 8000 + phase)));
}

describe('goertzel', () => {
  test('a pure tone holds nearly all its energy at its frequency and none far away', () => {
    const s = sine(1000, 400);
    assert.ok(toneRatio(s, 1000) > 0.98);
    assert.ok(toneRatio(s, 1200) < 0.01);
    assert.ok(toneRatio(s, 697) < 0.01);
  });

  test('detectFrequency picks the right DTMF row among candidates', () => {
    const rows = [697, 770, 852, 941];
    for (const hz of rows) assert.equal(detectFrequency(sine(hz, 400, 5000, 0.3), rows).hz, hz);
  });

  test('dominantFrequency finds off-grid tones to within 2 Hz', () => {
    for (const hz of [425, 1004, 2600, 3333]) {
      const found = dominantFrequency(sine(hz, 800));
      assert.ok(Math.abs(found.hz - hz) <= 2, `${hz} -> ${found.hz}`);
    }
  });

  test('silence has no tone and no power', () => {
    const z = new Int16Array(160);
    assert.equal(toneRatio(z, 1000), 0);
    assert.equal(goertzelPower(z, 1000), 0);
    assert.equal(rms(z), 0);
    assert.equal(rms(new Int16Array(0)), 0);
  });
});
