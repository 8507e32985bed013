/**
 * Media clock lateness as JS sees it, issue 5's benchmark: the native clock (timerfd thread,
 * SCHED_FIFO when allowed, ticks through a bounded thread-safe function) against the JS timer
 * fallback (setTimeout with absolute deadlines), each for PHASE_MS at 20 ms ticks:
 *   1. idle event loop;
 *   2. a 5 ms busy loop on the event loop every ~100 ms (a stand-in for a burst of SIP parsing).
 * Lateness is "when the listener ran" minus "when the tick was due". For the native clock the
 * addon measures it on CLOCK_MONOTONIC against its own deadlines; for the timer clock it is
 * performance.now() against start + n * 20 ms (it can be negative: libuv's timers have 1 ms
 * granularity and may fire up to 1 ms early). The two clocks run one after the other, not
 * together, so neither delays the other. Alongside, `timing test`'s percentage for each run.
 */
import type { LoadResult } from '../run.ts';
import { NativeMediaClock, timingTest } from '../../src/media/native-clock.ts';
import type { TimingTestResult } from '../../src/media/native-clock.ts';
import { TimerMediaClock } from '../../src/media/clock.ts';
import type { MediaClock } from '../../src/media/clock.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { loadNativeBinding } from '../../src/platform/native.ts';

const PHASE_MS = 10_000;
// 101 ms rather than 100: a stall period that is a multiple of the tick period would always hit
// the same phase of the tick (with JS timers, always just after it), hiding its effect.
const STALL_EVERY_MS = 101;
const STALL_MS = 5;

interface Run {
  lates: number[];
  timing: TimingTestResult;
  ticksSkipped: number;
  extra: string;
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the stall being measured
  }
}

async function measure(clock: MediaClock, lateUs: (tick: number) => number, stall: boolean, extra: () => string): Promise<Run> {
  const lates: number[] = [];
  const stallTimer = stall ? setInterval(() => busy(STALL_MS), STALL_EVERY_MS) : undefined;
  const off = clock.onTick((tick) => lates.push(lateUs(tick)));
  const timing = await timingTest(PHASE_MS / 1000, { clock, time: systemClock });
  off();
  clearInterval(stallTimer);
  return { lates, timing, ticksSkipped: clock.overruns, extra: extra() };
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function row(name: string, r: Run): LoadResult[] {
  const s = [...r.lates].sort((a, b) => a - b);
  const us = (v: number) => `${Math.round(v).toLocaleString('en-US')} µs`;
  return [
    {
      name: `${name}: lateness delivered to JS`,
      figure: `p50 ${us(percentile(s, 0.5))}, p99 ${us(percentile(s, 0.99))}, max ${us(s[s.length - 1])}`,
      note: `${s.length} ticks over ${PHASE_MS / 1000} s, ${r.ticksSkipped} skipped${r.extra ? `, ${r.extra}` : ''}`,
    },
    {
      name: `${name}: timing test`,
      figure: `${r.timing.percent.toFixed(3)}% on time (≤ ${r.timing.onTimeMs} ms)`,
      note: `rate accuracy ${r.timing.rateAccuracy.toFixed(4)}%, worst ${r.timing.worstLateMs.toFixed(2)} ms`,
    },
  ];
}

export default async function (): Promise<LoadResult[]> {
  const loaded = loadNativeBinding();
  if (!loaded.ok) throw new Error(`native addon not available: ${loaded.reason} (node scripts/build-native.mjs)`);
  const results: LoadResult[] = [];
  for (const stall of [false, true]) {
    const condition = stall ? `${STALL_MS} ms JS stall every ${STALL_EVERY_MS} ms` : 'idle';

    const native = new NativeMediaClock(loaded.binding, { periodMs: 20 });
    const nativeRun = await measure(native, () => native.lastLateUs, stall, () => {
      const st = native.stats();
      return `${st.droppedDeliveries} coalesced, thread wake p99 ${Math.round(st.p99WakeLateUs)} µs, ${st.realtime ? 'SCHED_FIFO' : `SCHED_OTHER (${st.realtimeError})`}`;
    });
    results.push(...row(`native clock, ${condition}`, nativeRun));

    const timer = new TimerMediaClock(systemClock, 20);
    // The timer clock's phase starts at its first listener, subscribed microseconds after this.
    const t0 = systemClock.now();
    const timerRun = await measure(timer, (tick) => (systemClock.now() - (t0 + tick * 20)) * 1000, stall, () => '');
    results.push(...row(`JS timer clock, ${condition}`, timerRun));
  }
  return results;
}
