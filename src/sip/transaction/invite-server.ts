import { createResponse } from '../message/headers.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { assertTransition, NamedTimers, TransactionEnding, type TransactionContext } from './context.ts';
import { TRYING_DELAY } from './timers.ts';
import type { ServerTransaction } from './types.ts';
import type { SipError } from '../../core/errors.ts';

/** RFC 3261 Figure 7, with the Accepted state of RFC 6026 section 7.1. */
export enum InviteServerState {
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Confirmed = 'Confirmed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

const S = InviteServerState;

const LEGAL: Readonly<Record<InviteServerState, readonly InviteServerState[]>> = {
  // Proceeding -> Proceeding: "1xx from TU / send response"; Completed -> Completed: Timer G.
  [S.Proceeding]: [S.Proceeding, S.Completed, S.Accepted, S.Terminated],
  [S.Completed]: [S.Completed, S.Confirmed, S.Terminated],
  [S.Confirmed]: [S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Terminated]: [],
};

/** 'Trying' is the 200 ms wait before the transaction sends 100 Trying on the TU's behalf. */
type InviteServerTimer = 'Trying' | 'G' | 'H' | 'I' | 'L';

/**
 * INVITE server transaction, RFC 3261 section 17.2.1 (Figure 7) as updated by RFC 6026.
 *
 * - Proceeding: "the server transaction MUST generate a 100 (Trying) response unless it knows that
 *   the TU will generate a provisional or final response within 200 ms" -- we wait TRYING_DELAY
 *   and send it if the TU stayed silent. A retransmitted INVITE gets the latest provisional again.
 * - Completed: a 300-699 from the TU is retransmitted by Timer G (T1 doubling to T2, unreliable
 *   transports only) until an ACK arrives; Timer H (64*T1) gives up and tells the TU (onTimeout).
 * - Confirmed: the ACK arrived; further ACKs are absorbed until Timer I (T4, 0 when reliable).
 * - Accepted (RFC 6026 7.1): a 2xx was sent. Retransmitting the 2xx is the TU's job (the dialog
 *   layer, 13.3.1.4), through respond(); INVITE retransmissions are absorbed here so the TU does
 *   not see them as new requests; the ACK for the 2xx is a separate transaction that the layer
 *   hands to the TU as a stray. Timer L (64*T1) ends the state.
 * - A transport error is reported to the TU (onTransportError, a 503) and terminates.
 */
export class InviteServerTransaction implements ServerTransaction {
  readonly kind = 'invite' as const;
  onCancel?: (cancelTx: ServerTransaction, cancel: SipRequest) => void;
  onTimeout?: (err: SipError) => void;
  onTransportError?: (err: SipError) => void;
  onTerminated?: () => void;
  private current: InviteServerState | undefined;
  private readonly ending: TransactionEnding;
  private readonly timers: NamedTimers<InviteServerTimer>;
  private intervalG = 0;
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

  get state(): InviteServerState {
    return this.current ?? S.Proceeding;
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  start(): void {
    this.transition(S.Proceeding);
  }

  /** The TU's response. Calls that the state does not allow (a second final) are ignored. */
  respond(res: SipResponse): void {
    if (res.status < 100 || res.status > 699) throw new RangeError(`respond(): status ${res.status} out of range`);
    const state = this.state;
    if (state === S.Proceeding) {
      this.last = res;
      this.transmit(res);
      if (res.status < 200) this.transition(S.Proceeding);
      else if (res.status < 300) this.transition(S.Accepted);
      else this.transition(S.Completed);
    } else if (state === S.Accepted && res.status >= 200 && res.status < 300) {
      // RFC 6026 7.1: "2xx from TU / send response" -- the TU's 2xx retransmissions pass through.
      this.last = res;
      this.transmit(res);
    }
  }

  /**
   * A request the layer matched to this transaction (17.2.3): an INVITE retransmission or the
   * ACK for a non-2xx final. Returns false when the request is not ours to absorb (an ACK seen
   * in Accepted belongs to the 2xx, i.e. to the dialog), so the layer passes it on.
   */
  receiveRequest(req: SipRequest): boolean {
    const state = this.state;
    if (req.method === 'ACK') {
      if (state === S.Accepted) return false;
      if (state === S.Completed) this.transition(S.Confirmed);
      else this.ctx.counters.absorbed++;
      return true;
    }
    this.ctx.counters.absorbed++;
    // 17.2.1: a retransmitted INVITE in Proceeding or Completed gets the most recent response again.
    if ((state === S.Proceeding || state === S.Completed) && this.last) this.transmit(this.last);
    return true;
  }

  terminate(): void {
    this.ending.shutdown();
  }

  /** The only place that changes state and starts or stops timers (Figure 7). */
  transition(to: InviteServerState): void {
    assertTransition('INVITE server transaction', this.current, to, LEGAL, S.Proceeding);
    const from = this.current;
    this.current = to;
    const t = this.ctx.timers;
    switch (to) {
      case S.Proceeding:
        if (from === undefined) this.timers.start('Trying', TRYING_DELAY, () => this.sendTrying());
        else this.timers.stop('Trying');
        break;
      case S.Completed:
        if (from === S.Proceeding) {
          this.timers.stop('Trying');
          this.intervalG = t.G;
          this.timers.start('H', t.H, () => this.timerH());
        } else {
          // 17.2.1: G is reset to MIN(2*T1, T2), then MIN(4*T1, T2) ...
          this.intervalG = Math.min(2 * this.intervalG, t.T2);
        }
        if (this.intervalG > 0) this.timers.start('G', this.intervalG, () => this.timerG());
        break;
      case S.Confirmed:
        this.timers.stop('G');
        this.timers.stop('H');
        if (t.I === 0) this.transition(S.Terminated);
        else this.timers.start('I', t.I, () => this.transition(S.Terminated));
        break;
      case S.Accepted:
        this.timers.stop('Trying');
        this.timers.start('L', t.L, () => this.transition(S.Terminated));
        break;
      case S.Terminated:
        this.timers.stopAll();
        this.ctx.terminated(this);
        this.onTerminated?.();
        break;
    }
  }

  private sendTrying(): void {
    this.respond(createResponse(this.request, 100, 'Trying'));
  }

  private timerG(): void {
    if (!this.last) return;
    this.ctx.counters.retransmissions++;
    this.transmit(this.last);
    this.transition(S.Completed);
  }

  private timerH(): void {
    this.ending.timeout('H', (err) => this.onTimeout?.(err));
  }

  private transmit(res: SipResponse): void {
    this.ctx.send(res, this.source).catch((e: unknown) => this.transportError(e));
  }

  private transportError(e: unknown): void {
    this.ending.transportError(e, (err) => this.onTransportError?.(err));
  }
}
