/** The TypeScript side of the native clock against a fake binding: no addon, no real time. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import type { Clock } from '../../../src/platform/clock.ts';
import { loadFrom, nativeAddonCandidates } from '../../../src/platform/native.ts';
import type { NativeBinding, NativeClock, NativeClockOptions, NativeClockStats, NativeTickCallback } from '../../../src/platform/native.ts';
import { TimerMediaClock } from '../../../src/media/clock.ts';
import type { MediaClock, TickListener } from '../../../src/media/clock.ts';
import { createMediaClock, formatTimingTest, NativeMediaClock, timingTest } from '../../../src/media/native-clock.ts';

class FakeNativeClock implements NativeClock {
  cb: NativeTickCallback | undefined;
  starts = 0;
  stops = 0;
  failStart: string | undefined;
  constructor(readonly options: NativeClockOptions | undefined) {}
  start(cb: NativeTickCallback): void {
    if (this.failStart) throw new Error(this.failStart);
    if (this.cb) throw new Error('already running');
    this.cb = cb;
    this.starts++;
  }
  stop(): void {
    if (this.cb) this.stops++;
    this.cb = undefined;
  }
  stats(): NativeClockStats {
    return { periodMs: 20, running: this.cb !== undefined, ticks: 0, overruns: 0, deliveries: 0, droppedDeliveries: 0, maxLateUs: 0, p50LateUs: 0, p99LateUs: 0, maxWakeLateUs: 0, p50WakeLateUs: 0, p99WakeLateUs: 0, realtime: false, realtimeError: 'Operation not permitted' };
  }
  tick(ticks: number, lateUs = 0): void {
    assert.ok(this.cb, 'clock running');
    this.cb(ticks, lateUs);
  }
}

function fakeBinding(failStart?: string): NativeBinding & { clocks: FakeNativeClock[] } {
  const clocks: FakeNativeClock[] = [];
  return {
    clocks,
    createClock(options) {
      const c = new FakeNativeClock(options);
      c.failStart = failStart;
      clocks.push(c);
      return c;
    },
    spandspVersion: () => 'fake',
    dtmfRoundTrip: (d) => d,
    napiVersion: 8,
  };
}

describe('NativeMediaClock', () => {
  test('runs the native thread only while someone listens', () => {
    const b = fakeBinding();
    const clock = new NativeMediaClock(b);
    const native = b.clocks[0];
    assert.equal(clock.intervalMs, 20);
    assert.equal(native.options?.periodMs, 20);
    assert.equal(native.starts, 0, 'not started before a listener');
    const offA = clock.onTick(() => {});
    const offB = clock.onTick(() => {});
    assert.equal(native.starts, 1);
    assert.equal(clock.running, true);
    offA();
    offA();
    assert.equal(native.stops, 0, 'still one listener');
    offB();
    assert.equal(native.stops, 1);
    assert.equal(clock.running, false);
    clock.onTick(() => {})();
    assert.equal(native.starts, 2, 'restarts for a new listener');
  });

  test('hands tick numbers to listeners and counts the ticks they missed as overruns', () => {
    const b = fakeBinding();
    const clock = new NativeMediaClock(b, { periodMs: 10 });
    assert.equal(clock.intervalMs, 10);
    const seen: number[] = [];
    const off = clock.onTick((t) => seen.push(t));
    const native = b.clocks[0];
    native.tick(1, 120);
    native.tick(2, 90);
    native.tick(5, 30_000);
    native.tick(6, 50);
    assert.deepEqual(seen, [1, 2, 5, 6]);
    assert.equal(clock.overruns, 2, 'ticks 3 and 4 were coalesced into 5');
    assert.equal(clock.lastLateUs, 50);
    assert.equal(clock.stats().realtimeError, 'Operation not permitted');
    off();
    // A restart counts from 1 again: that is not a gap.
    clock.onTick(() => {});
    native.tick(1);
    assert.equal(clock.overruns, 2);
  });

  test('a listener may unsubscribe another during a tick', () => {
    const b = fakeBinding();
    const clock = new NativeMediaClock(b);
    const seen: string[] = [];
    let offB: () => void = () => {};
    clock.onTick(() => {
      seen.push('a');
      offB();
    });
    offB = clock.onTick(() => seen.push('b'));
    b.clocks[0].tick(1);
    b.clocks[0].tick(2);
    assert.deepEqual(seen, ['a', 'b', 'a']);
  });
});

describe('createMediaClock', () => {
  const time = new FakeClock();

  test('uses the native clock when the addon loads, after checking that its thread starts', () => {
    const b = fakeBinding();
    const warnings: string[] = [];
    const choice = createMediaClock({ time, warn: (m) => warnings.push(m), load: () => ({ ok: true, binding: b, path: '/x/pbx_native.node' }) });
    assert.equal(choice.kind, 'native');
    assert.ok(choice.clock instanceof NativeMediaClock);
    assert.deepEqual(warnings, []);
    assert.equal(b.clocks[0].starts, 1);
    assert.equal(b.clocks[0].stops, 1, 'the probe left nothing running');
  });

  test('falls back to the timer clock with one warning naming the reason and the paths tried', () => {
    const warnings: string[] = [];
    const choice = createMediaClock({
      time,
      warn: (m) => warnings.push(m),
      load: () => ({ ok: false, reason: 'native addon not found', tried: ['/a/pbx_native.node', '/b/pbx_native.node'] }),
    });
    assert.equal(choice.kind, 'timer');
    assert.ok(choice.clock instanceof TimerMediaClock);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /timer fallback.*not found.*\/a\/pbx_native\.node, \/b\/pbx_native\.node/);
  });

  test('falls back when the native thread cannot start', () => {
    const warnings: string[] = [];
    const b = fakeBinding('Resource temporarily unavailable');
    const choice = createMediaClock({ time, warn: (m) => warnings.push(m), load: () => ({ ok: true, binding: b, path: '/x' }) });
    assert.equal(choice.kind, 'timer');
    assert.match(choice.reason ?? '', /failed to start: Resource temporarily unavailable/);
    assert.equal(warnings.length, 1);
  });
});

describe('addon loading', () => {
  test('PBX_NATIVE overrides the search; otherwise next to the code, then native/build one and two levels up', () => {
    assert.deepEqual(nativeAddonCandidates('/opt/pbx/dist', '/lib/pbx.node'), ['/lib/pbx.node']);
    assert.deepEqual(nativeAddonCandidates('/opt/pbx/dist', undefined), [
      '/opt/pbx/dist/pbx_native.node',
      '/opt/pbx/native/build/Release/pbx_native.node',
      '/opt/native/build/Release/pbx_native.node',
    ]);
    assert.equal(nativeAddonCandidates('/w/src/platform', undefined)[2], resolve('/w/native/build/Release/pbx_native.node'));
  });

  test('a missing or broken addon is a result with the reason, never a throw', () => {
    const missing = loadFrom(['/nonexistent/pbx_native.node']);
    assert.equal(missing.ok, false);
    if (!missing.ok) {
      assert.match(missing.reason, /not found/);
      assert.deepEqual(missing.tried, ['/nonexistent/pbx_native.node']);
    }
    const dir = mkdtempSync(join(tmpdir(), 'pbx-native-'));
    try {
      const broken = join(dir, 'pbx_native.node');
      writeFileSync(broken, 'not an ELF file');
      const r = loadFrom([broken]);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, /failed to load/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

/** A MediaClock whose tick n arrives at n * 20 ms + delays[n]; ticks in `lost` never arrive. */
class ScriptedMediaClock implements MediaClock {
  readonly intervalMs = 20;
  readonly overruns = 0;
  constructor(
    private readonly time: Clock,
    private readonly delays: Record<number, number>,
    private readonly lost: Set<number>,
  ) {}
  onTick(cb: TickListener): () => void {
    let live = true;
    const start = this.time.now();
    const schedule = (n: number) => {
      const at = start + n * 20 + (this.delays[n] ?? 0);
      this.time.setTimeout(() => {
        if (!live) return;
        if (!this.lost.has(n)) cb(n);
        schedule(n + 1);
      }, at - this.time.now());
    };
    schedule(1);
    return () => {
      live = false;
    };
  }
}

describe('timingTest', () => {
  test('a perfect clock: every tick on time, 100 %', async () => {
    const time = new FakeClock();
    const clock = new TimerMediaClock(time);
    const p = timingTest(1, { clock, time });
    time.advance(1000);
    const r = await p;
    assert.equal(r.expected, 50);
    assert.equal(r.delivered, 50);
    assert.equal(r.onTime, 50);
    assert.equal(r.percent, 100);
    assert.equal(r.rateAccuracy, 100);
    assert.equal(r.worstLateMs, 0);
    assert.equal(time.pending(), 0, 'the test unsubscribed: no timer left');
  });

  test('late and coalesced ticks lower the percentage; the worst lateness is reported', async () => {
    const time = new FakeClock();
    const clock = new ScriptedMediaClock(time, { 10: 7, 30: 3 }, new Set([20]));
    const p = timingTest(1, { clock, time });
    time.advance(1000);
    const r = await p;
    assert.equal(r.expected, 50);
    assert.equal(r.delivered, 49, 'tick 20 never arrived');
    assert.equal(r.onTime, 48, 'tick 10 was 7 ms late, over the 5 ms bound; tick 30 (3 ms) was on time');
    assert.equal(r.percent, 96);
    assert.equal(r.worstLateMs, 7);
    assert.equal(r.rateAccuracy, 100);
    const lines = formatTimingTest(r, 'native');
    assert.match(lines[1], /49 delivered of 50 due, 48 within 5 ms/);
    assert.match(lines[2], /On time: 96\.000%/);
  });

  test('measures against the clock phase, so a clock already running for calls is measured right', async () => {
    const time = new FakeClock();
    const clock = new TimerMediaClock(time);
    const offCall = clock.onTick(() => {});
    time.advance(70);
    const p = timingTest(0.5, { clock, time });
    time.advance(500);
    const r = await p;
    offCall();
    assert.equal(r.worstLateMs, 0);
    assert.equal(r.percent, 100);
    assert.equal(r.delivered, 25);
  });
});
