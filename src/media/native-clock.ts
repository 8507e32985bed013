/**
 * The media clock on the native addon: ticks come from a timerfd thread (absolute deadlines,
 * SCHED_FIFO when allowed) through a bounded thread-safe function, so a JS stall delays a tick's
 * delivery but never shifts later deadlines or loses count of them. Implements the same
 * MediaClock interface as the timer fallback in clock.ts; createMediaClock() picks the native
 * one and falls back, with a warning, when the addon is missing or cannot start.
 *
 * `timingTest()` is the console's `timing test` (in the spirit of DAHDI's zttest).
 */
import type { Clock } from '../platform/clock.ts';
import { loadNativeBinding } from '../platform/native.ts';
import type { NativeBinding, NativeClock, NativeClockOptions, NativeClockStats, NativeLoadResult } from '../platform/native.ts';
import { TimerMediaClock } from './clock.ts';
import type { MediaClock, TickListener } from './clock.ts';
import { FRAME_MS } from './frame.ts';

/** A MediaClock driven by the addon's clock thread. The thread runs only while someone listens. */
export class NativeMediaClock implements MediaClock {
  readonly intervalMs: number;
  private listeners: TickListener[] = [];
  private readonly native: NativeClock;
  private lastTick = 0;
  private skipped = 0;
  private late = 0;
  private active = false;

  constructor(binding: Pick<NativeBinding, 'createClock'>, options: NativeClockOptions = {}) {
    this.intervalMs = options.periodMs ?? FRAME_MS;
    this.native = binding.createClock({ ...options, periodMs: this.intervalMs });
  }

  /** Ticks listeners never saw: coalesced because JS was a whole period or more behind. */
  get overruns(): number {
    return this.skipped;
  }

  get running(): boolean {
    return this.active;
  }

  /** Lateness of the latest tick when it reached JS, in microseconds. */
  get lastLateUs(): number {
    return this.late;
  }

  /** The native counters (ticks, overruns of the thread, dropped deliveries, lateness, realtime). */
  stats(): NativeClockStats {
    return this.native.stats();
  }

  onTick(cb: TickListener): () => void {
    // A fresh array each time: a listener may unsubscribe (itself or others) during a tick.
    this.listeners = [...this.listeners, cb];
    if (!this.active) {
      this.lastTick = 0;
      this.native.start((ticks, lateUs) => this.fire(ticks, lateUs));
      this.active = true;
    }
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.listeners = this.listeners.filter((l) => l !== cb);
      if (this.listeners.length === 0 && this.active) {
        this.active = false;
        this.native.stop();
      }
    };
  }

  private fire(ticks: number, lateUs: number): void {
    if (ticks > this.lastTick + 1) this.skipped += ticks - this.lastTick - 1;
    this.lastTick = ticks;
    this.late = lateUs;
    for (const l of this.listeners) l(ticks);
  }
}

export interface MediaClockChoice {
  clock: MediaClock;
  kind: 'native' | 'timer';
  /** Why the native clock is not used (kind 'timer'). */
  reason?: string;
}

export interface MediaClockDeps {
  /** Time for the fallback timer clock. */
  time: Clock;
  /** Told once when the PBX falls back to the timer clock (the caller logs it). */
  warn: (message: string) => void;
  /** The addon loader (default: the real one in platform/native.ts; tests pass a fake). */
  load?: () => NativeLoadResult;
  options?: NativeClockOptions;
}

/**
 * The media clock the PBX should use: native when the addon loads and its thread starts (checked
 * by starting and stopping it once), else the timer clock with a warning naming the reason.
 * The product never dies because the addon is absent.
 */
export function createMediaClock(deps: MediaClockDeps): MediaClockChoice {
  const loaded = (deps.load ?? loadNativeBinding)();
  let reason: string;
  if (loaded.ok) {
    try {
      const clock = new NativeMediaClock(loaded.binding, deps.options);
      clock.onTick(() => {})();
      return { clock, kind: 'native' };
    } catch (e) {
      reason = `native media clock failed to start: ${(e as Error).message}`;
    }
  } else {
    reason = `${loaded.reason}; tried ${loaded.tried.join(', ')}`;
  }
  deps.warn(`media clock: using the JS timer fallback (${reason})`);
  return { clock: new TimerMediaClock(deps.time, deps.options?.periodMs ?? FRAME_MS), kind: 'timer', reason };
}

export interface TimingTestResult {
  /** Measured duration in seconds. */
  seconds: number;
  intervalMs: number;
  /** Ticks that fell due between the first and the last one seen. */
  expected: number;
  /** Ticks the listener received (the rest were coalesced or skipped). */
  delivered: number;
  /** Ticks received within `onTimeMs` of their deadline. */
  onTime: number;
  /** 100 * onTime / expected: the share of ticks that reached JS on time. */
  percent: number;
  /**
   * Like zttest's figure: 100 minus the relative error between the time that passed from the
   * first to the last tick and the time those ticks should span (a drifting clock loses here).
   */
  rateAccuracy: number;
  /** Worst and 99th-percentile lateness in ms (see timingTest for what lateness is measured against). */
  worstLateMs: number;
  p99LateMs: number;
  onTimeMs: number;
}

export interface TimingTestDeps {
  clock: MediaClock;
  time: Clock;
  /** A tick reaching JS later than this counts as not on time (default a quarter period, 5 ms). */
  onTimeMs?: number;
}

/**
 * `timing test`: listens to the media clock for `seconds` and reports how many ticks reached JS
 * on time. Lateness is measured against the clock's own phase, estimated as the earliest
 * arrival over the run (arrival - tick * interval, minimum over all ticks), so the test works on
 * a clock that is already running for calls and on either implementation; it is exact up to the
 * smallest delivery latency (tens of µs natively).
 */
export async function timingTest(seconds: number, deps: TimingTestDeps): Promise<TimingTestResult> {
  const { clock, time } = deps;
  const interval = clock.intervalMs;
  const onTimeMs = deps.onTimeMs ?? interval / 4;
  const ticks: number[] = [];
  const arrivals: number[] = [];
  const unsubscribe = clock.onTick((tick) => {
    ticks.push(tick);
    arrivals.push(time.now());
  });
  await new Promise<void>((done) => time.setTimeout(done, seconds * 1000));
  unsubscribe();

  const n = ticks.length;
  if (n === 0) {
    return { seconds, intervalMs: interval, expected: Math.floor((seconds * 1000) / interval), delivered: 0, onTime: 0, percent: 0, rateAccuracy: 0, worstLateMs: 0, p99LateMs: 0, onTimeMs };
  }
  let phase = Infinity;
  for (let i = 0; i < n; i++) phase = Math.min(phase, arrivals[i] - ticks[i] * interval);
  const late = ticks.map((t, i) => arrivals[i] - (phase + t * interval)).sort((a, b) => a - b);
  const expected = ticks[n - 1] - ticks[0] + 1;
  const onTime = late.filter((l) => l <= onTimeMs).length;
  const spanShould = (ticks[n - 1] - ticks[0]) * interval;
  const spanWas = arrivals[n - 1] - arrivals[0];
  const rateAccuracy = spanShould > 0 ? Math.max(0, 100 - (Math.abs(spanWas - spanShould) / spanShould) * 100) : 100;
  return {
    seconds,
    intervalMs: interval,
    expected,
    delivered: n,
    onTime,
    percent: (100 * onTime) / expected,
    rateAccuracy,
    worstLateMs: late[n - 1],
    p99LateMs: late[Math.min(n - 1, Math.floor(0.99 * n))],
    onTimeMs,
  };
}

/** The console lines of `timing test`, zttest style. */
export function formatTimingTest(r: TimingTestResult, kind: 'native' | 'timer'): string[] {
  return [
    `Media clock: ${kind}, ${r.intervalMs} ms ticks, ${r.seconds} s`,
    `Ticks: ${r.delivered} delivered of ${r.expected} due, ${r.onTime} within ${r.onTimeMs} ms`,
    `On time: ${r.percent.toFixed(3)}%   rate accuracy: ${r.rateAccuracy.toFixed(4)}%`,
    `Lateness: p99 ${r.p99LateMs.toFixed(3)} ms, worst ${r.worstLateMs.toFixed(3)} ms`,
  ];
}
