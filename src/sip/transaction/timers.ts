/**
 * Transaction timer values, named as in RFC 3261 section 17 and Table 4 (Appendix A), plus the
 * two RFC 6026 timers (L, M) of the Accepted states. Every state machine takes its durations from
 * here; nothing else in the folder holds a timer constant.
 *
 *   T1  500 ms   RTT estimate
 *   T2  4 s      maximum retransmit interval for non-INVITE requests and INVITE responses
 *   T4  5 s      maximum duration a message remains in the network
 *   A   T1       INVITE request retransmit interval, doubling (unreliable transport only)
 *   B   64*T1    INVITE transaction timeout
 *   D   64*T1    wait time for response retransmits (unreliable; 0 for reliable)
 *   E   T1       non-INVITE request retransmit interval, doubling to T2 (unreliable only)
 *   F   64*T1    non-INVITE transaction timeout
 *   G   T1       INVITE response retransmit interval, doubling to T2 (unreliable only)
 *   H   64*T1    wait time for ACK receipt
 *   I   T4       wait time for ACK retransmits (unreliable; 0 for reliable)
 *   J   64*T1    wait time for non-INVITE request retransmits (unreliable; 0 for reliable)
 *   K   T4       wait time for response retransmits (unreliable; 0 for reliable)
 *   L   64*T1    RFC 6026: INVITE server Accepted state, absorbs INVITE retransmissions after 2xx
 *   M   64*T1    RFC 6026: INVITE client Accepted state, passes 2xx retransmissions to the TU
 *
 * Timer C (proxy INVITE, > 3 min) is not here: it belongs to a proxy core, which we do not have.
 */

/** The three base values an operator (or a test) may tune. */
export interface TimerValues {
  T1: number;
  T2: number;
  T4: number;
}

export const DEFAULT_TIMER_VALUES: Readonly<TimerValues> = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

/**
 * RFC 3261 17.2.1: the server transaction sends 100 Trying itself unless the TU answers within
 * 200 ms. Not an RFC-lettered timer, so it is named for what it sends.
 */
export const TRYING_DELAY = 200;

/** Every duration a transaction needs, resolved for one transport (reliable or not). */
export interface TimerTable extends TimerValues {
  /** Initial interval; 0 means "do not retransmit" (reliable transport). */
  A: number;
  B: number;
  D: number;
  E: number;
  F: number;
  G: number;
  H: number;
  I: number;
  J: number;
  K: number;
  L: number;
  M: number;
}

/**
 * Resolve Table 4 for one transport. Over a reliable transport (17.1.1.2, 17.1.2.2, 17.2.1,
 * 17.2.2) the retransmit timers A, E and G are not used and the wait timers D, I, J and K are
 * zero, because the transport already guarantees delivery and there are no retransmissions to
 * absorb.
 *
 * Timer D: RFC 3261 asks for "at least 32 seconds". We use 64*T1, which is exactly 32 s with the
 * default T1 and keeps D covering the peer's response retransmission window (its Timer H is
 * 64*T1) when T1 is tuned.
 */
export function timerTable(values: Partial<TimerValues> = {}, reliable = false): TimerTable {
  const T1 = values.T1 ?? DEFAULT_TIMER_VALUES.T1;
  const T2 = values.T2 ?? DEFAULT_TIMER_VALUES.T2;
  const T4 = values.T4 ?? DEFAULT_TIMER_VALUES.T4;
  for (const [name, v] of [['T1', T1], ['T2', T2], ['T4', T4]] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`SIP timer ${name} must be a positive number of ms, got ${v}`);
  }
  if (T2 < T1) throw new RangeError(`SIP timer T2 (${T2}) must not be shorter than T1 (${T1})`);
  const unreliable = (ms: number): number => (reliable ? 0 : ms);
  return {
    T1,
    T2,
    T4,
    A: unreliable(T1),
    B: 64 * T1,
    D: unreliable(64 * T1),
    E: unreliable(T1),
    F: 64 * T1,
    G: unreliable(T1),
    H: 64 * T1,
    I: unreliable(T4),
    J: unreliable(64 * T1),
    K: unreliable(T4),
    L: 64 * T1,
    M: 64 * T1,
  };
}
