import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { TimerMediaClock } from '../../../src/media/clock.ts';
import { convertFrame, framesFromSlin, SAMPLES_PER_FRAME, silentFrame, toSlin } from '../../../src/media/frame.ts';
import { ulawEncode } from '../../../src/media/g711.ts';

describe('frames', () => {
  test('a frame is 160 samples of 8 kHz; silence is the law\'s zero byte', () => {
    assert.equal(SAMPLES_PER_FRAME, 160);
    assert.ok(silentFrame('ulaw').data.every((b) => b === 0xff));
    assert.ok(silentFrame('alaw').data.every((b) => b === 0xd5));
    assert.ok(silentFrame('slin').data.every((b) => b === 0));
  });

  test('conversion between every pair keeps the signal and the timestamp', () => {
    const slin = new Int16Array(160).map((_, i) => Math.round(Math.sin(i / 4) * 9000));
    const start = { format: 'slin' as const, timestamp: 4242, data: slin };
    for (const f of ['ulaw', 'alaw'] as const) {
      const g = convertFrame(start, f);
      assert.equal(g.timestamp, 4242);
      const other = convertFrame(g, f === 'ulaw' ? 'alaw' : 'ulaw');
      const back = toSlin(other);
      for (let i = 0; i < 160; i++) assert.ok(Math.abs(back[i]! - slin[i]!) < 600);
    }
    assert.equal(convertFrame(start, 'slin'), start);
    assert.equal(convertFrame({ format: 'slin', timestamp: 0, data: new Int16Array([1000]) }, 'ulaw').data[0], ulawEncode(1000));
  });

  test('framesFromSlin pads the tail', () => {
    const frames = framesFromSlin(new Int16Array(161).fill(1000), 'slin', 10);
    assert.equal(frames.length, 2);
    assert.equal(frames[1]!.timestamp, 170);
    assert.equal(frames[1]!.data[1], 0);
  });
});

describe('TimerMediaClock', () => {
  test('ticks every 20 ms on absolute deadlines and stops when nobody listens', () => {
    const clock = new FakeClock();
    const mc = new TimerMediaClock(clock);
    const ticks: [number, number][] = [];
    const off = mc.onTick((n) => ticks.push([n, clock.now()]));
    clock.advance(100);
    assert.deepEqual(ticks, [
      [1, 20],
      [2, 40],
      [3, 60],
      [4, 80],
      [5, 100],
    ]);
    off();
    assert.equal(clock.pending(), 0);
    assert.equal(mc.running, false);
    clock.advance(100);
    assert.equal(ticks.length, 5);
  });

  test('a late timer does not drift the schedule; a tick missed entirely is skipped and counted', () => {
    // A clock whose timers fire 7 ms late, like a busy event loop.
    const base = new FakeClock();
    const late = { ...base, now: () => base.now(), wallNow: () => base.wallNow(), pending: () => base.pending(), setTimeout: (fn: () => void, ms: number) => base.setTimeout(fn, ms + 7) };
    const mc = new TimerMediaClock(late);
    const at: number[] = [];
    const off = mc.onTick(() => at.push(base.now()));
    base.advance(200);
    // Each deadline is start + n*20; lateness is 7 ms every time, never accumulating.
    assert.deepEqual(at.slice(0, 5), [27, 47, 67, 87, 107]);
    off();
    const mc2 = new TimerMediaClock(base);
    const seen: number[] = [];
    const off2 = mc2.onTick((n) => {
      seen.push(n);
      if (n === 2) {
        // Block for 50 ms: ticks 3 and 4 cannot be delivered on time.
        const t = base.now();
        while (base.now() < t + 50) base.advance(50);
      }
    });
    base.advance(200);
    off2();
    assert.ok(mc2.overruns >= 1, `overruns ${mc2.overruns}`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!);
    assert.equal(base.pending(), 0);
  });

  test('several listeners share one timer; unsubscribing inside a tick is safe', () => {
    const clock = new FakeClock();
    const mc = new TimerMediaClock(clock);
    let a = 0;
    let b = 0;
    const offB = mc.onTick(() => b++);
    const offA = mc.onTick(() => {
      a++;
      if (a === 2) offA();
    });
    clock.advance(60);
    assert.equal(a, 2);
    assert.equal(b, 3);
    assert.equal(clock.pending(), 1);
    offB();
    assert.equal(clock.pending(), 0);
  });
});
