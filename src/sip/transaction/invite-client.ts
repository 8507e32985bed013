import { cseq, getHeader, getHeaders } from '../message/headers.ts';
import type { SipHeader, SipRequest, SipResponse } from '../message/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { assertTransition, NamedTimers, TransactionEnding, type TransactionContext } from './context.ts';
import type { ClientTransaction, ClientTransactionUser } from './types.ts';

/** RFC 3261 Figure 5, with the Accepted state of RFC 6026 section 7.2. */
export enum InviteClientState {
  Calling = 'Calling',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

const S = InviteClientState;

const LEGAL: Readonly<Record<InviteClientState, readonly InviteClientState[]>> = {
  // Calling -> Calling is the Timer A self-loop ("Timer A fires / Reset A, INVITE sent").
  [S.Calling]: [S.Calling, S.Proceeding, S.Completed, S.Accepted, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Accepted, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Terminated]: [],
};

type InviteClientTimer = 'A' | 'B' | 'D' | 'M';

/**
 * INVITE client transaction, RFC 3261 section 17.1.1 (Figure 5) as updated by RFC 6026.
 *
 * - Calling: the INVITE is sent; over an unreliable transport Timer A retransmits it at T1, 2*T1,
 *   4*T1 ... (no cap: 17.1.1.2); Timer B (64*T1) reports a timeout (408) to the TU.
 * - Proceeding: a provisional response stops retransmissions; further 1xx go to the TU.
 * - Completed: a 300-699 response is passed to the TU and acknowledged with an ACK built here
 *   (17.1.1.3); retransmissions of it are answered with the same ACK until Timer D (32 s over
 *   unreliable transports, 0 over reliable ones).
 * - Accepted (RFC 6026 7.2): a 2xx goes to the TU, which sends the ACK itself (it is a separate
 *   transaction, 13.2.2.4); further 2xx (retransmissions or forks) also go to the TU until Timer M.
 * - A transport error in any state is reported to the TU (503) and terminates the transaction.
 */
export class InviteClientTransaction implements ClientTransaction {
  readonly kind = 'invite' as const;
  onTerminated?: () => void;
  private current: InviteClientState | undefined;
  private readonly ending: TransactionEnding;
  private readonly timers: NamedTimers<InviteClientTimer>;
  private intervalA = 0;
  private ack: SipRequest | undefined;

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

  get state(): InviteClientState {
    return this.current ?? S.Calling;
  }

  /** Enter Calling and send the INVITE (17.1.1.2: "the client transaction MUST ... send it"). */
  start(): void {
    this.transition(S.Calling);
    this.transmit(this.request);
  }

  /** A response matched to this transaction by the layer (17.1.3). */
  receiveResponse(res: SipResponse): void {
    const state = this.state;
    if (state === S.Calling || state === S.Proceeding) {
      if (res.status < 200) {
        this.deliver(res, state === S.Calling ? S.Proceeding : undefined);
      } else if (res.status < 300) {
        this.deliver(res, S.Accepted);
      } else {
        this.ack = buildAckForNon2xx(this.request, res);
        this.transmit(this.ack);
        this.deliver(res, S.Completed);
      }
      return;
    }
    if (state === S.Completed) {
      // 17.1.1.2: "Any retransmissions of the final response that are received while in the
      // Completed state MUST cause the ACK to be re-passed to the transport layer".
      if (res.status >= 300 && this.ack) {
        this.ctx.counters.absorbed++;
        this.transmit(this.ack);
      }
      return;
    }
    if (state === S.Accepted && res.status >= 200 && res.status < 300) {
      // RFC 6026 7.2: 2xx retransmissions (and 2xx from other forks) go to the TU, which ACKs them.
      this.user.onResponse(res);
    }
  }

  /** Shutdown: stop timers and leave the table without a TU callback. */
  terminate(): void {
    this.ending.shutdown();
  }

  /**
   * The only place that changes state and the only place that starts or stops a timer.
   * Throws (a bug) when Figure 5 has no such arrow.
   */
  transition(to: InviteClientState): void {
    assertTransition('INVITE client transaction', this.current, to, LEGAL, S.Calling);
    const from = this.current;
    this.current = to;
    const t = this.ctx.timers;
    switch (to) {
      case S.Calling:
        if (from === undefined) {
          this.timers.start('B', t.B, () => this.timerB());
          this.intervalA = t.A;
        } else {
          // 17.1.1.2: "the client transaction MUST ... reset the timer with a value of 2*T1".
          this.intervalA *= 2;
        }
        if (this.intervalA > 0) this.timers.start('A', this.intervalA, () => this.timerA());
        break;
      case S.Proceeding:
        this.timers.stop('A');
        this.timers.stop('B');
        break;
      case S.Completed:
        this.timers.stop('A');
        this.timers.stop('B');
        if (t.D === 0) this.transition(S.Terminated);
        else this.timers.start('D', t.D, () => this.transition(S.Terminated));
        break;
      case S.Accepted:
        this.timers.stop('A');
        this.timers.stop('B');
        this.timers.start('M', t.M, () => this.transition(S.Terminated));
        break;
      case S.Terminated:
        this.timers.stopAll();
        this.ctx.terminated(this);
        this.onTerminated?.();
        break;
    }
  }

  /** Pass a response to the TU, then move (TU first, so it hears the response before Terminated). */
  private deliver(res: SipResponse, next: InviteClientState | undefined): void {
    try {
      this.user.onResponse(res);
    } finally {
      if (next !== undefined && this.current !== S.Terminated) this.transition(next);
    }
  }

  private timerA(): void {
    this.ctx.counters.retransmissions++;
    this.transmit(this.request);
    this.transition(S.Calling);
  }

  private timerB(): void {
    this.ending.timeout('B', (err) => this.user.onTimeout(err));
  }

  private transmit(msg: SipRequest): void {
    this.ctx.send(msg, this.dest).catch((e: unknown) => this.transportError(e));
  }

  private transportError(e: unknown): void {
    this.ending.transportError(e, (err) => this.user.onTransportError(err));
  }
}

/**
 * RFC 3261 17.1.1.3: the ACK for a 300-699 response is part of the INVITE transaction. It has the
 * INVITE's Request-URI, Call-ID, From and CSeq number (method ACK), the To of the response (which
 * carries the tag), a single Via equal to the INVITE's top Via (so the same branch), and the
 * INVITE's Route headers. It carries no body.
 */
export function buildAckForNon2xx(invite: SipRequest, response: SipResponse): SipRequest {
  const headers: SipHeader[] = [];
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined) headers.push({ name, value });
  };
  // The parser keeps one entry per Via element, so the first entry is exactly the top Via.
  add('Via', getHeader(invite, 'Via'));
  add('Max-Forwards', getHeader(invite, 'Max-Forwards') ?? '70');
  for (const route of getHeaders(invite, 'Route')) add('Route', route);
  add('From', getHeader(invite, 'From'));
  add('To', getHeader(response, 'To'));
  add('Call-ID', getHeader(invite, 'Call-ID'));
  add('CSeq', `${cseq(invite).seq} ACK`);
  add('Content-Length', '0');
  return {
    kind: 'request',
    method: 'ACK',
    uri: structuredClone(invite.uri),
    headers,
    body: '',
  };
}
