import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TIMER_VALUES, TRYING_DELAY, timerTable } from '../../../src/sip/transaction/timers.ts';

describe('RFC 3261 Table 4 timers', () => {
  test('defaults over an unreliable transport', () => {
    const t = timerTable();
    assert.deepEqual(DEFAULT_TIMER_VALUES, { T1: 500, T2: 4000, T4: 5000 });
    assert.deepEqual(
      { A: t.A, B: t.B, D: t.D, E: t.E, F: t.F, G: t.G, H: t.H, I: t.I, J: t.J, K: t.K, L: t.L, M: t.M },
      { A: 500, B: 32_000, D: 32_000, E: 500, F: 32_000, G: 500, H: 32_000, I: 5000, J: 32_000, K: 5000, L: 32_000, M: 32_000 },
    );
    assert.equal(TRYING_DELAY, 200);
  });

  test('reliable transport: no retransmit timers, zero waits for D, I, J, K; timeouts unchanged', () => {
    const t = timerTable({}, true);
    assert.deepEqual([t.A, t.E, t.G, t.D, t.I, t.J, t.K], [0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual([t.B, t.F, t.H, t.L, t.M], [32_000, 32_000, 32_000, 32_000, 32_000]);
  });

  test('derived timers follow a tuned T1 and T4', () => {
    const t = timerTable({ T1: 250, T4: 2500 });
    assert.deepEqual([t.A, t.B, t.D, t.F, t.H, t.J, t.I, t.K, t.T2], [250, 16_000, 16_000, 16_000, 16_000, 16_000, 2500, 2500, 4000]);
  });

  test('nonsense values are refused', () => {
    assert.throws(() => timerTable({ T1: 0 }), RangeError);
    assert.throws(() => timerTable({ T2: Number.NaN }), RangeError);
    assert.throws(() => timerTable({ T1: 5000, T2: 4000 }), /T2/);
  });
});
