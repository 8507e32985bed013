import type { SipRequest, SipResponse } from '../message/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { assertTransition, NamedTimers, TransactionEnding, type TransactionContext } from './context.ts';
import type { ClientTransaction, ClientTransactionUser } from './types.ts';

/** RFC 3261 Figure 6. */
export enum NonInviteClientState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

const S = NonInviteClientState;

const LEGAL: Readonly<Record<NonInviteClientState, readonly NonInviteClientState[]>> = {
  // Trying -> Trying and Proceeding -> Proceeding are the Timer E self-loops of Figure 6.
  [S.Trying]: [S.Trying, S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

type NonInviteClientTimer = 'E' | 'F' | 'K';

/**
 * Non-INVITE client transaction, RFC 3261 section 17.1.2 (Figure 6).
 *
 * - Trying: the request is sent; over an unreliable transport Timer E retransmits it at T1, then
 *   doubling up to T2 (500, 1000, 2000, 4000, 4000 ... ms); Timer F (64*T1) reports a timeout (408).
 * - Proceeding: entered on a provisional response (passed to the TU); Timer E keeps running and is
 *   reset to T2 each time it fires (17.1.2.2).
 * - Completed: entered on a final response (passed to the TU); response retransmissions are
 *   absorbed until Timer K (T4 over unreliable transports, 0 over reliable ones).
 * - A transport error is reported to the TU (503) and terminates the transaction.
 */
export class NonInviteClientTransaction implements ClientTransaction {
  readonly kind = 'non-invite' as const;
  onTerminated?: () => void;
  private current: NonInviteClientState | undefined;
  private readonly ending: TransactionEnding;
  private readonly timers: NamedTimers<NonInviteClientTimer>;
  private intervalE = 0;

  constructor(
    private readonly ctx: TransactionContext,
    readonly request: SipRequest,
    readonly dest: Endpoint,
    readonly branch: string,
    private readonly user: ClientTransactionUser,
  ) {
    this.timers = new NamedTimers(ctx.clock);
    this.ending = new TransactionEnding(ctx, () => this.current === S.Terminated, () => this.transition(S.Terminated));
  }

  get state(): NonInviteClientState {
    return this.current ?? S.Trying;
  }

  start(): void {
    this.transition(S.Trying);
    this.transmit();
  }

  receiveResponse(res: SipResponse): void {
    const state = this.state;
    if (state === S.Trying || state === S.Proceeding) {
      const next = res.status < 200 ? (state === S.Trying ? S.Proceeding : undefined) : S.Completed;
      try {
        this.user.onResponse(res);
      } finally {
        if (next !== undefined && this.current !== S.Terminated) this.transition(next);
      }
      return;
    }
    // 17.1.2.2: in Completed, "the client transaction MUST buffer any retransmissions of the
    // final response" -- they are absorbed, never passed to the TU again.
    if (state === S.Completed) this.ctx.counters.absorbed++;
  }

  terminate(): void {
    this.ending.shutdown();
  }

  /** The only place that changes state and starts or stops timers (Figure 6). */
  transition(to: NonInviteClientState): void {
    assertTransition('non-INVITE client transaction', this.current, to, LEGAL, S.Trying);
    const from = this.current;
    this.current = to;
    const t = this.ctx.timers;
    switch (to) {
      case S.Trying:
        if (from === undefined) {
          this.timers.start('F', t.F, () => this.timerF());
          this.intervalE = t.E;
        } else {
          // 17.1.2.2: "reset with a value of MIN(4*T1, T2)" and so on: doubling, capped at T2.
          this.intervalE = Math.min(2 * this.intervalE, t.T2);
        }
        if (this.intervalE > 0) this.timers.start('E', this.intervalE, () => this.timerE());
        break;
      case S.Proceeding:
        // Entering Proceeding leaves Timer E as it is; when it fires here it is reset to T2.
        if (from === S.Proceeding) this.timers.start('E', t.T2, () => this.timerE());
        break;
      case S.Completed:
        this.timers.stop('E');
        this.timers.stop('F');
        if (t.K === 0) this.transition(S.Terminated);
        else this.timers.start('K', t.K, () => this.transition(S.Terminated));
        break;
      case S.Terminated:
        this.timers.stopAll();
        this.ctx.terminated(this);
        this.onTerminated?.();
        break;
    }
  }

  private timerE(): void {
    this.ctx.counters.retransmissions++;
    this.transmit();
    this.transition(this.state === S.Trying ? S.Trying : S.Proceeding);
  }

  private timerF(): void {
    this.ending.timeout('F', (err) => this.user.onTimeout(err));
  }

  private transmit(): void {
    this.ctx.send(this.request, this.dest).catch((e: unknown) => this.transportError(e));
  }

  private transportError(e: unknown): void {
    this.ending.transportError(e, (err) => this.user.onTransportError(err));
  }
}
