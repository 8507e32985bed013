/**
 * A MediaClock that ticks only when told to: tests of anything paced by the media clock
 * (playback, tones, recording, digit timeouts) drive it tick by tick and stay deterministic.
 * Lives in src/ (like platform/fake-clock.ts) so every layer's tests share one implementation;
 * `listenerCount` lets a test prove that nothing was left subscribed.
 */
import type { MediaClock, TickListener } from './clock.ts';
import { FRAME_MS } from './frame.ts';

export class ManualMediaClock implements MediaClock {
  readonly intervalMs = FRAME_MS;
  private listeners: TickListener[] = [];
  private current = 0;
  private skipped = 0;

  get overruns(): number {
    return this.skipped;
  }

  /** Listeners subscribed now (0 once every user has unsubscribed). */
  get listenerCount(): number {
    return this.listeners.length;
  }

  onTick(cb: TickListener): () => void {
    // A fresh array each time, as the real clocks do: listeners may unsubscribe during a tick.
    this.listeners = [...this.listeners, cb];
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.listeners = this.listeners.filter((l) => l !== cb);
    };
  }

  /** Deliver `count` consecutive ticks. */
  tick(count = 1): void {
    for (let i = 0; i < count; i++) {
      this.current++;
      for (const l of this.listeners) l(this.current);
    }
  }

  /** Deliver one tick after `missed` ticks that never reached JS (a stall): listeners see the gap. */
  tickAfterStall(missed: number): void {
    this.current += missed;
    this.skipped += missed;
    this.tick();
  }

  /** Tick until `done()` holds or `max` ticks passed, letting promise callbacks run between ticks. */
  async runUntil(done: () => boolean, max = 100_000): Promise<number> {
    let n = 0;
    await settle();
    while (!done() && n < max) {
      this.tick();
      n++;
      await settle();
    }
    return n;
  }
}

/** Let every already-queued promise callback run (a few microtask turns). */
export async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}
