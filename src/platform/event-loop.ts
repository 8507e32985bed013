/**
 * Giving the event loop a turn. Long chains of already-resolved promises (a dialplan running
 * thousands of priorities that never wait) would otherwise starve timers and sockets, because
 * awaiting a resolved promise only queues a microtask.
 */

/** Resolves on the next macrotask turn (after pending I/O callbacks and timers). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
