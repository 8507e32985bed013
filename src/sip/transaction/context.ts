import { SipError } from '../../core/errors.ts';
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { SipMessage } from '../message/types.ts';
import type { Endpoint } from '../transport/types.ts';
import type { TimerTable } from './timers.ts';

/** Counters kept by the layer and bumped by the state machines (exposed through stats()). */
export interface TransactionCounters {
  /** Transactions created, client and server. */
  created: number;
  /** Timer-driven resends: requests on Timer A/E, final responses on Timer G. */
  retransmissions: number;
  /** Duplicates absorbed: request retransmissions at a server, response retransmissions at a client. */
  absorbed: number;
  /** Timer B, F or H fired. */
  timeouts: number;
  /** A send failed while the transaction was alive (reported to the TU as 503). */
  transportErrors: number;
}

export function newCounters(): TransactionCounters {
  return { created: 0, retransmissions: 0, absorbed: 0, timeouts: 0, transportErrors: 0 };
}

/** What a state machine needs from the layer that owns it. */
export interface TransactionContext {
  clock: Clock;
  /** Table 4 resolved for this transaction's transport (reliable transports have zero waits). */
  timers: TimerTable;
  /** Whether the transport is reliable (TCP, TLS): no retransmission timers. */
  reliable: boolean;
  send(message: SipMessage, dest: Endpoint): Promise<void>;
  counters: TransactionCounters;
  /** Called once when the transaction reaches Terminated, so the layer drops it from its table. */
  terminated(tx: object): void;
}

/**
 * The running timers of one transaction, by RFC letter. Starting a timer that is already running
 * replaces it, so a transaction never holds two instances of the same timer.
 */
export class NamedTimers<Name extends string> {
  // A plain object, created on first use: most server transactions of a busy registrar only
  // ever run one timer, and table creation is on the per-request path.
  private live: Partial<Record<Name, TimerHandle>> | undefined;

  constructor(private clock: Clock) {}

  start(name: Name, ms: number, fire: () => void): void {
    this.stop(name);
    const live = this.live ?? (this.live = {} as Partial<Record<Name, TimerHandle>>);
    live[name] = this.clock.setTimeout(() => {
      delete live[name];
      fire();
    }, ms);
  }

  stop(name: Name): void {
    const h = this.live?.[name];
    if (h) {
      h.cancel();
      delete this.live![name];
    }
  }

  stopAll(): void {
    if (!this.live) return;
    for (const h of Object.values(this.live) as TimerHandle[]) h.cancel();
    this.live = undefined;
  }
}

/**
 * Assert a state change is one the RFC figure draws. An illegal move is a bug in this folder,
 * never bad input, so it throws a plain Error.
 */
export function assertTransition<S extends string>(
  machine: string,
  from: S | undefined,
  to: S,
  legal: Readonly<Record<S, readonly S[]>>,
  initial: S,
): void {
  const ok = from === undefined ? to === initial : legal[from].includes(to);
  if (!ok) throw new Error(`${machine}: illegal transition ${from ?? '(start)'} -> ${to}`);
}

/**
 * RFC 3261 17.1.4 / 17.2.4: a transport failure is reported to the TU, which treats it as a 503.
 * The error carries that status so the TU can answer or fail over without mapping it again.
 */
export function transportFailure(e: unknown): SipError {
  if (e instanceof SipError && e.code === 'SIP_TRANSPORT') return e;
  const why = e instanceof Error ? e.message : String(e);
  return new SipError('SIP_TRANSPORT', 503, 'Service Unavailable', `transport error: ${why}`);
}

/** RFC 3261 17.1.1.2 / 17.1.2.2: a timeout is reported to the TU, which treats it as a 408. */
export function timeoutFailure(timer: string): SipError {
  return new SipError('SIP_TIMEOUT', 408, 'Request Timeout', `transaction Timer ${timer} fired`);
}

/**
 * How every transaction ends, shared by the four state machines: `shutdown()` (terminate without
 * telling the TU), `timeout()` (Timer B, F or H: 408 to the TU) and `transportError()` (503 to
 * the TU, reported once, never after shutdown, even when a zero wait timer already ended the
 * transaction over a reliable transport). A TU report that throws still ends the transaction.
 */
export class TransactionEnding {
  private stopped = false;
  private failed = false;

  constructor(
    private readonly ctx: TransactionContext,
    private readonly isTerminated: () => boolean,
    private readonly toTerminated: () => void,
  ) {}

  shutdown(): void {
    this.stopped = true;
    this.end();
  }

  timeout(timer: string, report: ((err: SipError) => void) | undefined): void {
    this.ctx.counters.timeouts++;
    this.after(() => report?.(timeoutFailure(timer)));
  }

  transportError(e: unknown, report: ((err: SipError) => void) | undefined): void {
    if (this.stopped || this.failed) return;
    this.failed = true;
    this.ctx.counters.transportErrors++;
    this.after(() => report?.(transportFailure(e)));
  }

  private after(report: () => void): void {
    try {
      report();
    } finally {
      this.end();
    }
  }

  private end(): void {
    if (!this.isTerminated()) this.toTerminated();
  }
}
