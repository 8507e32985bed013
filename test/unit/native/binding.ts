/**
 * The real addon for the native tests. A missing addon is a failure, not a skip: CI builds it
 * at `npm ci` (scripts/build-native.mjs), so its absence means the build broke.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { loadNativeBinding } from '../../../src/platform/native.ts';
import type { NativeBinding } from '../../../src/platform/native.ts';

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
