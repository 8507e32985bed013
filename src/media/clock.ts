/**
 * The media clock: one tick every 20 ms drives everything that produces audio on its own
 * (tone and file playback, generated RTP, later the mixer). The native addon provides the real
 * clock (a timerfd thread with absolute deadlines); until it exists, TimerMediaClock is the
 * fallback behind the same interface.
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import { FRAME_MS } from './frame.ts';

export type TickListener = (tick: number) => void;

export interface MediaClock {
  /** Tick period in milliseconds (20). */
  readonly intervalMs: number;
  /**
   * Call `cb` on every tick with the tick number (counting from the clock's start). Returns the
   * unsubscribe function. A tick that could not be delivered on time is skipped, not replayed:
   * listeners see a gap in the tick numbers and can advance their timestamps by it.
   */
  onTick(cb: TickListener): () => void;
  /** Ticks skipped because the process was late by a whole interval or more. */
  readonly overruns: number;
}

/**
 * A timer-driven MediaClock on an injected Clock. Deadlines are absolute (tick n is due at
 * start + n * interval), so lateness of one timer does not accumulate into drift. The timer
 * runs only while someone listens: with no listeners nothing is scheduled (no leaks).
 */
export class TimerMediaClock implements MediaClock {
  readonly intervalMs: number;
  private listeners: TickListener[] = [];
  private timer: TimerHandle | undefined;
  private start = 0;
  private tick = 0;
  private skipped = 0;

  constructor(
    private readonly clock: Clock,
    intervalMs = FRAME_MS,
  ) {
    this.intervalMs = intervalMs;
  }

  get overruns(): number {
    return this.skipped;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  onTick(cb: TickListener): () => void {
    // A fresh array each time: a listener may unsubscribe (itself or others) during a tick.
    this.listeners = [...this.listeners, cb];
    if (!this.timer) {
      this.start = this.clock.now();
      this.tick = 0;
      this.schedule();
    }
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.listeners = this.listeners.filter((l) => l !== cb);
      if (this.listeners.length === 0 && this.timer) {
        this.timer.cancel();
        this.timer = undefined;
      }
    };
  }

  private schedule(): void {
    this.tick++;
    const due = this.start + this.tick * this.intervalMs;
    this.timer = this.clock.setTimeout(() => this.fire(), due - this.clock.now());
  }

  private fire(): void {
    this.timer = undefined;
    const late = this.clock.now() - (this.start + this.tick * this.intervalMs);
    if (late >= this.intervalMs) {
      const missed = Math.floor(late / this.intervalMs);
      this.skipped += missed;
      this.tick += missed;
    }
    const tick = this.tick;
    for (const l of this.listeners) l(tick);
    if (this.listeners.length > 0 && !this.timer) this.schedule();
  }
}
