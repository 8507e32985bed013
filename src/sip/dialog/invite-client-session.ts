/**
 * The UAC side of an INVITE session, RFC 3261 section 13.2 (with 9.1 for CANCEL, 15 for BYE,
 * 22.2 for digest challenges):
 *
 * - Calling: the INVITE is out (our From tag, Call-ID, Contact, CSeq 1). A 401/407 is answered
 *   once per challenge through the Authenticator, with CSeq+1 and a new branch (back to Calling).
 * - Proceeding / Early: provisional responses; each new To tag makes an early dialog (12.1.2),
 *   so forks live side by side until a 2xx picks one.
 * - Cancelling: CANCEL sent (9.1: same Request-URI, Call-ID, From, To, CSeq number and top Via
 *   as the INVITE, only after a provisional response: cancel() before one is remembered and the
 *   CANCEL goes out when it arrives). No final response within 64*T1 of the CANCEL: the INVITE
 *   transaction is destroyed (9.1) and the session ends.
 * - Confirmed: the first 2xx confirmed its dialog; we sent the ACK (a new transaction, 13.2.2.4,
 *   sent statelessly along the route set) and send it again for each 2xx retransmission. A 2xx
 *   from another fork gets an ACK and a BYE (13.2.2.4), and so does a 2xx that crossed our
 *   CANCEL (the call was answered after all, so it is acknowledged and released).
 * - Terminating / Terminated as in InviteSession.
 */
import type { SipError } from '../../core/errors.ts';
import { cseq, formatNameAddr, getHeader, getHeaders, parseNameAddr, parseUri, toTag } from '../message/headers.ts';
import { newCallId, newTag } from '../message/ids.ts';
import type { SipHeader, SipRequest, SipResponse, SipUri } from '../message/types.ts';
import type { ClientTransaction } from '../transaction/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { Dialog } from './dialog.ts';
import { InviteSession, sdpOf, SessionState, type SessionEnvironment } from './session.ts';
import type { Authenticator, ClientSessionHandlers } from './types.ts';

const S = SessionState;

const LEGAL: Readonly<Record<SessionState, readonly SessionState[]>> = {
  // Calling -> Calling: a challenged INVITE is sent again with credentials.
  [S.Calling]: [S.Calling, S.Proceeding, S.Early, S.Cancelling, S.Confirmed, S.Terminating, S.Terminated],
  [S.Proceeding]: [S.Calling, S.Early, S.Cancelling, S.Confirmed, S.Terminating, S.Terminated],
  [S.Early]: [S.Calling, S.Cancelling, S.Confirmed, S.Terminating, S.Terminated],
  [S.Cancelling]: [S.Terminating, S.Terminated],
  [S.Accepted]: [],
  [S.Confirmed]: [S.Terminating, S.Terminated],
  [S.Terminating]: [S.Terminated],
  [S.Terminated]: [],
};

export interface InviteOptions {
  /** Request-URI. */
  target: string | SipUri;
  /** Our name-addr, without tag (a tag is added). */
  from: string;
  /** The callee's name-addr, without tag. */
  to: string;
  /** The SDP offer. An INVITE without one (late offer) is sent, but the ACK carries no answer (README: gaps). */
  sdp?: string;
  /** Pre-loaded route set (outbound proxy), sent as Route headers. */
  routes?: string[];
  /** Extra headers (P-Asserted-Identity, Remote-Party-ID, Alert-Info ...). */
  headers?: SipHeader[];
  callId?: string;
  /** Send every request here (registered contact's source with nat=yes, a trunk's address). */
  peer?: Endpoint;
  /** Credentials for 401/407 from a trunk or proxy. */
  authenticate?: Authenticator;
  /** Sent over TLS (dialog secure flag). */
  secure?: boolean;
  /** Max-Forwards of the INVITE (default 70); a B2BUA passes on the incoming value less one. */
  maxForwards?: number;
}

export class InviteClientSession extends InviteSession {
  readonly role = 'uac' as const;
  protected readonly legal = LEGAL;
  protected readonly initial = S.Calling;
  readonly callId: string;
  readonly localTag = newTag();
  declare handlers: ClientSessionHandlers;
  /** The INVITE in progress (the latest, after any authenticated resend). */
  invite: SipRequest;
  private tx: ClientTransaction | undefined;
  private readonly inviteDest: Endpoint;
  private readonly early = new Map<string, Dialog>();
  /** ACKs of 2xx we did not want (other forks, answered after CANCEL), by To tag. */
  private readonly unwanted = new Map<string, { ack: SipRequest; dialog: Dialog }>();
  private provisional = false;
  private cancelWanted = false;
  private ack: SipRequest | undefined;

  constructor(
    env: SessionEnvironment,
    private readonly options: InviteOptions,
    handlers: ClientSessionHandlers,
  ) {
    super(env, handlers, options.peer, options.authenticate);
    const target = typeof options.target === 'string' ? parseUri(options.target) : structuredClone(options.target);
    const routes = options.routes ?? [];
    const firstHop = routes[0] !== undefined ? parseNameAddr(routes[0]).uri : target;
    this.inviteDest = options.peer ?? env.resolve(firstHop);
    this.callId = options.callId ?? newCallId(env.advertise(this.inviteDest).host);
    const from = parseNameAddr(options.from);
    const headers: SipHeader[] = [
      { name: 'Via', value: this.viaFor(this.inviteDest) },
      { name: 'Max-Forwards', value: String(options.maxForwards ?? 70) },
      ...routes.map((r) => ({ name: 'Route', value: r })),
      { name: 'From', value: formatNameAddr({ ...from, params: { ...from.params, tag: this.localTag } }) },
      { name: 'To', value: options.to },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: '1 INVITE' },
      { name: 'Contact', value: this.contactFor(this.inviteDest) },
      { name: 'Allow', value: env.allow },
      ...(options.headers ?? []),
    ];
    if (env.userAgent !== undefined) headers.push({ name: 'User-Agent', value: env.userAgent });
    const body = options.sdp ?? '';
    if (body !== '') headers.push({ name: 'Content-Type', value: 'application/sdp' });
    this.invite = { kind: 'request', method: 'INVITE', uri: target, headers, body };
    this.transition(S.Calling);
    env.table.addPending(this.callId, this.localTag, this);
    this.transmit(
      this.invite,
      this.inviteDest,
      {
        onSent: (tx, req) => this.inviteSent(tx, req),
        onResponse: (res, _req, tx) => this.inviteResponse(res, tx),
        onFailure: (err, tx) => this.inviteFailed(err, tx),
      },
      () => cseq(this.invite).seq + 1,
      new Set(),
    );
  }

  /**
   * Before any final response: CANCEL (or remember to, until a provisional arrives). The TU
   * hears onEnded(local) now; the CANCEL/487/ACK exchange finishes on its own.
   */
  cancel(): void {
    const s = this.state;
    if ((s !== S.Calling && s !== S.Proceeding && s !== S.Early) || this.cancelWanted) return;
    this.cancelWanted = true;
    this.notifyEnded({ by: 'local' });
    if (this.provisional) this.transition(S.Cancelling);
  }

  /** CANCEL before the answer, BYE after it. */
  hangup(): void {
    const s = this.state;
    if (s === S.Calling || s === S.Proceeding || s === S.Early) {
      this.cancel();
    } else if (s === S.Confirmed) {
      this.notifyEnded({ by: 'local' });
      this.byeThenTerminate();
    }
  }

  protected override entered(_from: SessionState | undefined, to: SessionState): void {
    // Forked 2xx are matched by Call-ID and From tag for as long as the session or its INVITE
    // transaction lives, whichever is longer (the transaction's Timer M covers late forks).
    if (to === S.Terminated && (this.tx === undefined || this.tx.state === 'Terminated')) {
      this.env.table.removePending(this.callId, this.localTag, this);
    }
    if (to === S.Cancelling) {
      this.sendCancel();
      this.timers.start('CancelGuard', 64 * this.env.T1, () => {
        this.tx?.terminate();
        this.transition(S.Terminated);
      });
    }
  }

  /** No authenticated resend of an INVITE the TU has cancelled. */
  protected override allowRetry(): boolean {
    return !(this.cancelWanted && this.dialog === undefined);
  }

  protected override foreignBye(dialog: Dialog): void {
    this.early.delete(dialog.state.remoteTag);
    this.unhold(dialog);
  }

  /** 2xx retransmissions after Timer M, routed by the DialogLayer from onStray. */
  override receiveStray2xx(res: SipResponse, dialog: Dialog | undefined): void {
    if (cseq(res).seq === cseq(this.invite).seq) this.successResponse(res);
    else super.receiveStray2xx(res, dialog);
  }

  private inviteSent(tx: ClientTransaction, req: SipRequest): void {
    const retry = this.tx !== undefined;
    this.tx = tx;
    this.invite = req;
    tx.onTerminated = () => {
      if (this.tx === tx && this.state === S.Terminated) this.env.table.removePending(this.callId, this.localTag, this);
    };
    if (retry) {
      // A new transaction: CANCEL needs a provisional response of this one (9.1).
      this.provisional = false;
      this.dropEarlyDialogs();
      if (this.state !== S.Terminated) this.transition(S.Calling);
    }
  }

  private inviteResponse(res: SipResponse, tx: ClientTransaction): void {
    if (res.status >= 200 && res.status < 300) {
      this.successResponse(res);
      return;
    }
    if (tx !== this.tx) return;
    if (res.status < 200) this.provisionalResponse(res);
    else this.failureResponse(res);
  }

  private provisionalResponse(res: SipResponse): void {
    const s = this.state;
    if (s !== S.Calling && s !== S.Proceeding && s !== S.Early && s !== S.Cancelling) return;
    this.provisional = true;
    const tag = toTag(res);
    if (tag !== undefined && res.status > 100 && s !== S.Cancelling && !this.early.has(tag)) {
      const d = Dialog.uac(this.invite, res, this.options.secure);
      this.early.set(tag, d);
      this.hold(d);
    }
    if (s === S.Cancelling) return;
    if (this.cancelWanted) {
      this.transition(S.Cancelling);
      return;
    }
    if (this.early.size > 0 && s !== S.Early) this.transition(S.Early);
    else if (s === S.Calling) this.transition(S.Proceeding);
    const h = this.handlers;
    if (res.status > 100 && h.onProgress && !this.ended) this.call(() => h.onProgress!(res.status, sdpOf(res)));
  }

  /** RFC 3261 13.2.2.4. */
  private successResponse(res: SipResponse): void {
    const tag = toTag(res);
    if (tag === undefined) return;
    const d = this.dialog;
    if (d) {
      if (d.state.remoteTag === tag) {
        if (this.ack) this.sendAck(this.ack, d);
      } else {
        this.releaseUnwanted(res, tag);
      }
      return;
    }
    if (this.unwanted.has(tag)) {
      this.releaseUnwanted(res, tag);
      return;
    }
    const s = this.state;
    if (this.ended || s === S.Cancelling || s === S.Terminating || s === S.Terminated) {
      // Answered although we cancelled (the 2xx crossed the CANCEL, 9.1): ACK, then BYE.
      const live = s !== S.Terminating && s !== S.Terminated;
      if (live) this.transition(S.Terminating);
      this.releaseUnwanted(res, tag, () => {
        if (this.state === S.Terminating) this.transition(S.Terminated);
      });
      return;
    }
    let dialog = this.early.get(tag);
    if (dialog) {
      this.early.delete(tag);
      dialog.confirmWith(res);
    } else {
      dialog = Dialog.uac(this.invite, res, this.options.secure);
      this.hold(dialog);
    }
    this.dialog = dialog;
    this.dropEarlyDialogs();
    this.ack = dialog.createAck(this.invite, this.viaFor(this.destination(dialog)));
    this.sendAck(this.ack, dialog);
    this.transition(S.Confirmed);
    const h = this.handlers;
    if (h.onAnswered) this.call(() => h.onAnswered!(sdpOf(res)));
  }

  /** A 2xx we must acknowledge but do not want: ACK it, then BYE its dialog (13.2.2.4). */
  private releaseUnwanted(res: SipResponse, tag: string, done?: () => void): void {
    const known = this.unwanted.get(tag);
    if (known) {
      this.sendAck(known.ack, known.dialog);
      return;
    }
    const dialog = Dialog.uac(this.invite, res, this.options.secure);
    const ack = dialog.createAck(this.invite, this.viaFor(this.destination(dialog)));
    this.unwanted.set(tag, { ack, dialog });
    this.env.table.add(dialog, this);
    this.sendAck(ack, dialog);
    this.sendBye(dialog, () => {
      this.env.table.remove(dialog);
      this.unwanted.delete(tag);
      done?.();
    });
  }

  private failureResponse(res: SipResponse): void {
    this.dropEarlyDialogs();
    if (this.state === S.Terminated) return;
    this.notifyEnded({ by: 'remote', status: res.status, reason: res.reason });
    this.transition(S.Terminated);
  }

  /** Timer B (408) or a transport failure (503) on the INVITE (8.1.3.1). */
  private inviteFailed(err: SipError, tx: ClientTransaction): void {
    if (tx !== this.tx || this.state === S.Terminated || this.state === S.Confirmed) return;
    this.dropEarlyDialogs();
    this.notifyEnded({ by: err.status === 408 ? 'timeout' : 'error', status: err.status, reason: err.reason });
    this.transition(S.Terminated);
  }

  private dropEarlyDialogs(): void {
    for (const d of this.early.values()) this.unhold(d);
    this.early.clear();
  }

  /**
   * RFC 3261 9.1: the CANCEL copies the INVITE's Request-URI, Call-ID, To, From, CSeq number
   * (method CANCEL), its single top Via (same branch) and Route headers. It has no body and is
   * never challenged (22.1).
   */
  private sendCancel(): void {
    const inv = this.invite;
    const headers: SipHeader[] = [
      { name: 'Via', value: getHeader(inv, 'Via') ?? '' },
      { name: 'Max-Forwards', value: '70' },
      ...getHeaders(inv, 'Route').map((value) => ({ name: 'Route', value })),
      { name: 'From', value: getHeader(inv, 'From') ?? '' },
      { name: 'To', value: getHeader(inv, 'To') ?? '' },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: cseq(inv).seq + ' CANCEL' },
    ];
    if (this.env.userAgent !== undefined) headers.push({ name: 'User-Agent', value: this.env.userAgent });
    const cancel: SipRequest = { kind: 'request', method: 'CANCEL', uri: structuredClone(inv.uri), headers, body: '' };
    const ignore = (): void => undefined;
    this.env.transactions.sendRequest(cancel, this.inviteDest, { onResponse: ignore, onTimeout: ignore, onTransportError: ignore });
  }
}
