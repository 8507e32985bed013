/**
 * The real addon for the native tests. A missing addon is a failure, not a skip: CI builds it
 * at `npm ci` (scripts/build-native.mjs), so its absence means the build broke.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { loadNativeBinding } from '../../../src/platform/native.ts';
import type { NativeBinding } from '../../../src/platform/native.ts';
import { AnalogEngine, lineBindingOf, type AnalogEngineOptions, type AnalogEvent, type LineBinding } from '../../../src/analog/engine.ts';

export function requireBinding(): NativeBinding {
  const r = loadNativeBinding();
  if (!r.ok) {
    assert.fail(
      `native addon not available: ${r.reason}; tried ${r.tried.join(', ')}.\n` +
        'Build it with `node scripts/build-native.mjs` (npm ci runs it as the install script).',
    );
  }
  return r.binding;
}

/** The addon's line engine part; fails the test when the addon lacks it. */
export function lineBinding(): LineBinding {
  const b = lineBindingOf(requireBinding());
  if (typeof b === 'string') assert.fail(b);
  return b;
}

/** Runs `body` on a started engine that records every event; stops it whatever happens. */
export async function withEngine(options: AnalogEngineOptions, body: (e: AnalogEngine, events: AnalogEvent[]) => Promise<void>): Promise<void> {
  const engine = new AnalogEngine(lineBinding(), options);
  const events: AnalogEvent[] = [];
  engine.onEvent((ev) => events.push(ev));
  engine.start();
  try {
    await body(engine, events);
  } finally {
    engine.stop();
  }
}

/** Threads of this process named pbx-clock (the addon names its clock threads so). */
export function clockThreads(): number {
  let n = 0;
  for (const task of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === 'pbx-clock') n++;
    } catch {
      // the thread ended while we listed it
    }
  }
  return n;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds; the bound only guards against hanging, it is not the assertion. */
export async function until(check: () => boolean, boundMs = 15_000): Promise<void> {
  const end = performance.now() + boundMs;
  while (!check() && performance.now() < end) await sleep(2);
}

/**
 * Waits until `count` pbx-clock threads remain. pthread_join returns when the thread has
 * finished, but the kernel may list the exiting task for a moment longer; the bound is generous.
 */
export async function settledClockThreads(count: number, boundMs = 2000): Promise<number> {
  const end = performance.now() + boundMs;
  let n = clockThreads();
  while (n !== count && performance.now() < end) {
    await sleep(5);
    n = clockThreads();
  }
  return n;
}

/** Resolves with `promise`'s value, or with 'timeout' after ms; leaves no timer behind. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
