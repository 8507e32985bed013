/**
 * The schedule of outbound registration (RFC 3261 10.2.4 refresh, chan_sip's retry habits).
 * Pure functions of seconds and counts; the state machine owns the timers that use them.
 */

/** Above this granted expiry (s), refresh a fixed GUARD_SECONDS early; at or below, a fraction early. */
export const GUARD_LIMIT_SECONDS = 30;
/** How long before expiry a long registration is refreshed (s): room for a lost request and its retry. */
export const GUARD_SECONDS = 15;
/** Share of a short expiry spent waiting before the refresh (the rest is the guard). */
export const SHORT_REFRESH_SHARE = 0.8;
/** The retry delay doubles per consecutive failure up to this multiple of registertimeout. */
export const MAX_BACKOFF_FACTOR = 8;
/** How long a shutdown waits for the answers to its un-REGISTERs (ms), at most. */
export const UNREGISTER_WAIT_MS = 2000;
/** Challenges answered within one attempt (a first challenge, then at most stale re-challenges). */
export const MAX_AUTH_ROUNDS = 3;

/**
 * Milliseconds after a 200 OK until the refresh is sent. A registration granted for E seconds is
 * refreshed GUARD_SECONDS before it lapses when E is long, and after 80% of E when E is short
 * (a 15 s guard would eat a 20 s registration whole).
 */
export function refreshDelayMs(grantedSeconds: number): number {
  const e = Math.max(1, grantedSeconds);
  return e > GUARD_LIMIT_SECONDS ? (e - GUARD_SECONDS) * 1000 : Math.round(e * SHORT_REFRESH_SHARE * 1000);
}

/**
 * Minimum spacing (ms) between the start of a failed attempt and the next one, after `failures`
 * consecutive failures: registertimeout, then doubling, capped at MAX_BACKOFF_FACTOR times.
 */
export function retrySpacingMs(registerTimeoutSeconds: number, failures: number): number {
  const factor = Math.min(MAX_BACKOFF_FACTOR, 2 ** Math.max(0, failures - 1));
  return registerTimeoutSeconds * 1000 * factor;
}
