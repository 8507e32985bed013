import type { SipError } from '../../core/errors.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { assertTransition, NamedTimers, TransactionEnding, type TransactionContext } from './context.ts';
import type { ServerTransaction } from './types.ts';

/** RFC 3261 Figure 8. */
export enum NonInviteServerState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

const S = NonInviteServerState;

const LEGAL: Readonly<Record<NonInviteServerState, readonly NonInviteServerState[]>> = {
  [S.Trying]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

type NonInviteServerTimer = 'J';

/**
 * Non-INVITE server transaction, RFC 3261 section 17.2.2 (Figure 8).
 *
 * - Trying: the request went to the TU; retransmissions of it are discarded (there is nothing to
 *   resend yet).
 * - Proceeding: a provisional response was sent; a retransmitted request gets it again.
 * - Completed: a final response was sent; a retransmitted request gets the final again and further
 *   responses from the TU are discarded, until Timer J (64*T1 over unreliable transports, 0 over
 *   reliable ones, where the client never retransmits).
 * - A transport error is reported to the TU (onTransportError, a 503) and terminates.
 */
export class NonInviteServerTransaction implements ServerTransaction {
  readonly kind = 'non-invite' as const;
  onTransportError?: (err: SipError) => void;
  onTerminated?: () => void;
  private current: NonInviteServerState | undefined;
  private readonly ending: TransactionEnding;
  private readonly timers: NamedTimers<NonInviteServerTimer>;
  private last: SipResponse | undefined;

  constructor(
    private readonly ctx: TransactionContext,
    readonly request: SipRequest,
    readonly source: Endpoint,
    readonly branch: string,
  ) {
    this.timers = new NamedTimers(ctx.clock);
    this.ending = new TransactionEnding(ctx, () => this.current === S.Terminated, () => this.transition(S.Terminated));
  }

  get state(): NonInviteServerState {
    return this.current ?? S.Trying;
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  start(): void {
    this.transition(S.Trying);
  }

  respond(res: SipResponse): void {
    if (res.status < 100 || res.status > 699) throw new RangeError(`respond(): status ${res.status} out of range`);
    const state = this.state;
    if (state !== S.Trying && state !== S.Proceeding) return;
    this.last = res;
    this.transmit(res);
    if (res.status >= 200) this.transition(S.Completed);
    else if (state === S.Trying) this.transition(S.Proceeding);
  }

  /** A retransmission of the request (17.2.2): resend the latest response, if any. */
  receiveRequest(_req: SipRequest): boolean {
    this.ctx.counters.absorbed++;
    const state = this.state;
    if ((state === S.Proceeding || state === S.Completed) && this.last) this.transmit(this.last);
    return true;
  }

  terminate(): void {
    this.ending.shutdown();
  }

  /** The only place that changes state and starts or stops timers (Figure 8). */
  transition(to: NonInviteServerState): void {
    assertTransition('non-INVITE server transaction', this.current, to, LEGAL, S.Trying);
    this.current = to;
    const t = this.ctx.timers;
    switch (to) {
      case S.Trying:
      case S.Proceeding:
        break;
      case S.Completed:
        if (t.J === 0) this.transition(S.Terminated);
        else this.timers.start('J', t.J, () => this.transition(S.Terminated));
        break;
      case S.Terminated:
        this.timers.stopAll();
        this.ctx.terminated(this);
        this.onTerminated?.();
        break;
    }
  }

  private transmit(res: SipResponse): void {
    this.ctx.send(res, this.source).catch((e: unknown) => this.transportError(e));
  }

  private transportError(e: unknown): void {
    this.ending.transportError(e, (err) => this.onTransportError?.(err));
  }
}
