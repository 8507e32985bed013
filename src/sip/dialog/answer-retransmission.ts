/**
 * Retransmission of a 2xx to INVITE by the UAS core, RFC 3261 section 13.3.1.4 (and RFC 6026:
 * the INVITE server transaction only passes these through, it does not retransmit them):
 *
 *   "The 2xx response is passed to the transport with an interval that starts at T1 seconds and
 *   doubles for each retransmission until it reaches T2 seconds. Response retransmissions cease
 *   when an ACK request for the response is received. [...] If the server retransmits the 2xx
 *   response for 64*T1 seconds without receiving an ACK, the dialog is confirmed, but the session
 *   SHOULD be terminated. This is accomplished with a BYE."
 *
 * Retransmission does not depend on the transport being reliable: the 2xx crosses proxies end to
 * end, and a hop-by-hop reliable transport does not make it reach the UAC.
 *
 * Two timers, named for what they do (the RFC leaves them unnamed): Retransmit (T1, doubling to
 * T2) and Abandon (64*T1 from the first send).
 */
import type { Clock } from '../../platform/clock.ts';
import { NamedTimers } from '../transaction/context.ts';

export enum AnswerRetransmissionState {
  Retransmitting = 'Retransmitting',
  Acknowledged = 'Acknowledged',
  Abandoned = 'Abandoned',
  Stopped = 'Stopped',
}

const S = AnswerRetransmissionState;

const LEGAL: Readonly<Record<AnswerRetransmissionState, readonly AnswerRetransmissionState[]>> = {
  // Retransmitting -> Retransmitting is the Retransmit timer firing.
  [S.Retransmitting]: [S.Retransmitting, S.Acknowledged, S.Abandoned, S.Stopped],
  [S.Acknowledged]: [],
  [S.Abandoned]: [],
  [S.Stopped]: [],
};

export interface AnswerTimers {
  T1: number;
  T2: number;
}

export class AnswerRetransmission {
  private current: AnswerRetransmissionState | undefined;
  private interval = 0;
  private readonly timers: NamedTimers<'Retransmit' | 'Abandon'>;

  /**
   * resend is called at T1, 3*T1, 7*T1 ... after start(); abandoned once, 64*T1 after start()
   * with no acknowledge() or stop() (the session then sends BYE).
   */
  constructor(
    clock: Clock,
    private readonly t: AnswerTimers,
    private readonly resend: () => void,
    private readonly abandoned: () => void,
  ) {
    this.timers = new NamedTimers(clock);
  }

  get state(): AnswerRetransmissionState | undefined {
    return this.current;
  }

  /** The 2xx has just been sent once by the caller. */
  start(): void {
    this.transition(S.Retransmitting);
  }

  /** The ACK arrived. */
  acknowledge(): void {
    if (this.current === S.Retransmitting) this.transition(S.Acknowledged);
  }

  /** The session ended some other way (BYE received, shutdown). */
  stop(): void {
    if (this.current === S.Retransmitting) this.transition(S.Stopped);
  }

  /** The only place that changes state and starts or stops timers. */
  private transition(to: AnswerRetransmissionState): void {
    const from = this.current;
    const ok = from === undefined ? to === S.Retransmitting : LEGAL[from].includes(to);
    if (!ok) throw new Error(`2xx retransmission: illegal transition ${from ?? '(start)'} -> ${to}`);
    this.current = to;
    switch (to) {
      case S.Retransmitting:
        if (from === undefined) {
          this.interval = this.t.T1;
          this.timers.start('Abandon', 64 * this.t.T1, () => this.transition(S.Abandoned));
        } else {
          this.interval = Math.min(2 * this.interval, this.t.T2);
        }
        this.timers.start('Retransmit', this.interval, () => {
          this.resend();
          if (this.current === S.Retransmitting) this.transition(S.Retransmitting);
        });
        break;
      case S.Abandoned:
        this.timers.stopAll();
        this.abandoned();
        break;
      case S.Acknowledged:
      case S.Stopped:
        this.timers.stopAll();
        break;
    }
  }
}
