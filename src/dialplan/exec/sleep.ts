/**
 * Sleeping on a channel: resolves after ms on the injected clock, or rejects as soon as the
 * channel hangs up, so every application waiting on it (Wait, Busy, Answer's delay) stops at
 * once. The timer is cancelled either way: nothing is left running after a hangup.
 */
import type { Clock } from '../../platform/clock.ts';
import { PbxError } from '../../core/errors.ts';

export function hangupError(signal: AbortSignal, name: string): Error {
  return signal.reason instanceof Error ? signal.reason : new PbxError('DIALPLAN_APP', `${name} hung up`);
}

export function sleepOn(clock: Clock, signal: AbortSignal, name: string, ms: number): Promise<void> {
  if (signal.aborted) return Promise.reject(hangupError(signal, name));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      timer.cancel();
      reject(hangupError(signal, name));
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when the channel hangs up (Busy() without a timeout waits for that). */
export function untilHangup(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
