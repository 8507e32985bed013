/**
 * The UAS side of an INVITE session, RFC 3261 section 13.3 (with 9.2 for CANCEL, 15 for BYE):
 *
 * - Proceeding: created from the INVITE's server transaction; 100 Trying goes out at once
 *   (17.2.1 lets the TU send it; the caller stops retransmitting sooner).
 * - Early: ringing()/progress() sent a 1xx with our To tag and Contact, which creates the early
 *   dialog (12.1.1); 183 carries early media SDP.
 * - Accepted: answer() sent 200 with Contact and SDP; the 2xx is retransmitted by us (T1
 *   doubling to T2) until the ACK arrives through the DialogLayer (13.3.1.4). No ACK within
 *   64*T1: onEnded(timeout) and BYE. hangup() here waits for the ACK before the BYE (15).
 * - Confirmed: the ACK arrived. In-dialog requests are handled by InviteSession.
 * - A CANCEL before the final response is answered 200, the INVITE 487 (9.2), onCancel then
 *   onEnded(remote, 487). After the final response the CANCEL only gets its 200.
 * - reject() sends the final non-2xx; the transaction retransmits it and absorbs the ACK.
 */
import { SipError } from '../../core/errors.ts';
import { createResponse } from '../message/headers.ts';
import { newTag } from '../message/ids.ts';
import type { SipRequest } from '../message/types.ts';
import type { ServerTransaction } from '../transaction/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { contactTarget, Dialog } from './dialog.ts';
import { InviteSession, SessionState, type SessionEnvironment } from './session.ts';
import type { ServerSessionHandlers } from './types.ts';

const S = SessionState;

const LEGAL: Readonly<Record<SessionState, readonly SessionState[]>> = {
  [S.Calling]: [],
  [S.Proceeding]: [S.Early, S.Accepted, S.Terminated],
  [S.Early]: [S.Accepted, S.Terminated],
  [S.Cancelling]: [],
  [S.Accepted]: [S.Confirmed, S.Terminating, S.Terminated],
  [S.Confirmed]: [S.Terminating, S.Terminated],
  [S.Terminating]: [S.Terminated],
  [S.Terminated]: [],
};

export interface AcceptOptions {
  /** Send our requests (BYE, re-INVITE) here rather than to the caller's Contact: nat=yes. */
  peer?: Endpoint;
  /** The INVITE came over TLS (the dialog's secure flag, 12.1.1). */
  secure?: boolean;
}

export class InviteServerSession extends InviteSession {
  readonly role = 'uas' as const;
  protected readonly legal = LEGAL;
  protected readonly initial = S.Proceeding;
  readonly localTag = newTag();
  declare handlers: ServerSessionHandlers;
  private byeWhenAcked = false;

  /** Throws SipError 400 (before sending anything) when the INVITE has no usable Contact (8.1.1.8). */
  constructor(
    env: SessionEnvironment,
    readonly tx: ServerTransaction,
    readonly invite: SipRequest,
    handlers: ServerSessionHandlers,
    private readonly options: AcceptOptions = {},
  ) {
    super(env, handlers, options.peer, undefined);
    if (contactTarget(invite) === undefined) throw new SipError('SIP_PARSE', 400, 'Missing Contact');
    tx.onCancel = (cancelTx, cancel) => this.cancelReceived(cancelTx, cancel);
    tx.onTransportError = (err) => this.transportFailed(err);
    this.transition(S.Proceeding);
    tx.respond(this.buildResponse(invite, 100, 'Trying', '', tx.source));
  }

  /** 180 Ringing, or 183 Session Progress when early media SDP is given. */
  ringing(sdp?: string): void {
    this.progress(sdp === undefined ? 180 : 183, sdp);
  }

  /** A provisional response with our tag; the first creates the early dialog (12.1.1). */
  progress(status: number, sdp?: string): void {
    if (status <= 100 || status >= 200) throw new RangeError(`progress(): ${status} is not a provisional status`);
    const s = this.state;
    if (s !== S.Proceeding && s !== S.Early) return;
    if (!this.dialog) {
      this.dialog = Dialog.uas(this.invite, this.localTag, 'early', this.options.secure);
      this.hold(this.dialog);
    }
    this.tx.respond(this.buildResponse(this.invite, status, undefined, this.localTag, this.tx.source, sdp));
    if (s === S.Proceeding) this.transition(S.Early);
  }

  /** 200 OK with our Contact and the SDP answer (or offer, when the INVITE had none). */
  answer(sdp: string): void {
    const s = this.state;
    if (s !== S.Proceeding && s !== S.Early) return;
    if (!this.dialog) {
      this.dialog = Dialog.uas(this.invite, this.localTag, 'confirmed', this.options.secure);
      this.hold(this.dialog);
    } else {
      this.dialog.transition('confirmed');
    }
    const res = this.buildResponse(this.invite, 200, undefined, this.localTag, this.tx.source, sdp);
    this.transition(S.Accepted);
    this.sendAnswer(this.tx, res);
  }

  /** A final non-2xx (486 Busy Here, 480, 488, 603 ...). */
  reject(status: number, reason?: string): void {
    if (status < 300 || status > 699) throw new RangeError(`reject(): ${status} is not a failure status`);
    const s = this.state;
    if (s !== S.Proceeding && s !== S.Early) return;
    const res = createResponse(this.invite, status, reason, this.localTag);
    if (this.env.userAgent !== undefined) res.headers.push({ name: 'Server', value: this.env.userAgent });
    this.tx.respond(res);
    this.notifyEnded({ by: 'local', status, reason: res.reason });
    this.transition(S.Terminated);
  }

  /**
   * Before the answer: 603 Decline (the TU maps causes with reject() itself). Answered but not
   * acknowledged: BYE once the ACK arrives or 64*T1 passes (15). Confirmed: BYE now.
   */
  hangup(): void {
    switch (this.state) {
      case S.Proceeding:
      case S.Early:
        this.reject(603, 'Decline');
        return;
      case S.Accepted:
        this.notifyEnded({ by: 'local' });
        this.byeWhenAcked = true;
        return;
      case S.Confirmed:
        this.notifyEnded({ by: 'local' });
        this.byeThenTerminate();
        return;
      default:
        return;
    }
  }

  protected override acknowledged(): void {
    if (this.state === S.Accepted) {
      this.transition(S.Confirmed);
      if (this.byeWhenAcked) this.byeThenTerminate();
    }
  }

  /** 15.1.2: a BYE on the early dialog; the INVITE still gets its final response, 487. */
  protected override peerHungUp(): void {
    const s = this.state;
    if (s === S.Proceeding || s === S.Early) {
      this.tx.respond(createResponse(this.invite, 487, 'Request Terminated', this.localTag));
    }
  }

  /** RFC 3261 9.2. */
  private cancelReceived(cancelTx: ServerTransaction, cancel: SipRequest): void {
    cancelTx.respond(this.buildResponse(cancel, 200, undefined, this.localTag, cancelTx.source));
    const s = this.state;
    if (s !== S.Proceeding && s !== S.Early) return;
    this.tx.respond(createResponse(this.invite, 487, 'Request Terminated', this.localTag));
    const h = this.handlers;
    if (h.onCancel && !this.ended) this.call(() => h.onCancel!());
    this.notifyEnded({ by: 'remote', status: 487, reason: 'Request Terminated' });
    this.transition(S.Terminated);
  }

  /** Our response could not be sent (8.1.3.1 / 17.2.4): the call is lost. */
  private transportFailed(err: SipError): void {
    const s = this.state;
    if (s === S.Terminated || s === S.Terminating) return;
    this.notifyEnded({ by: 'error', status: err.status, reason: err.reason });
    this.transition(S.Terminated);
  }
}
