/**
 * What both sides of an INVITE session share (RFC 3261 12-15, RFC 3311, RFC 6086): requests
 * received inside the dialog (BYE, re-INVITE, UPDATE, INFO, OPTIONS), the 2xx retransmission
 * until ACK for every INVITE we answer (13.3.1.4), requests we send inside the dialog (BYE,
 * re-INVITE, INFO) with one digest retry per challenge, and the one-time end report to the TU.
 *
 * The two subclasses (invite-server-session.ts, invite-client-session.ts) own the legal moves
 * of the shared state enum; transition() here asserts them and is the only place state changes.
 */
import type { SipError } from '../../core/errors.ts';
import type { Clock } from '../../platform/clock.ts';
import { addHeader, createResponse, cseq, getHeader, getHeaders, removeHeaders, setHeader } from '../message/headers.ts';
import type { SipHeader, SipRequest, SipResponse, SipUri } from '../message/types.ts';
import { assertTransition, NamedTimers } from '../transaction/context.ts';
import type { ClientTransaction, ServerTransaction } from '../transaction/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { AnswerRetransmission } from './answer-retransmission.ts';
import { TARGET_REFRESH, type Dialog } from './dialog.ts';
import type { DialogTable } from './dialog-table.ts';
import type { Authenticator, DialogTransactions, InDialogResult, OfferAnswer, SessionEnd, SessionHandlers } from './types.ts';
import { handleRefer, referNotifyHeaders, SIPFRAG } from './refer.ts';

/**
 * Where an INVITE session is. Both roles use one enum; each subclass allows its own moves.
 * - Calling (UAC): INVITE sent, nothing heard yet.
 * - Proceeding: 100 received (UAC) or sent (UAS), no dialog yet.
 * - Early: a 1xx with a To tag created an early dialog (12.1).
 * - Cancelling (UAC): CANCEL sent (9.1), waiting for the INVITE's final response.
 * - Accepted (UAS): 2xx sent, retransmitted until the ACK (13.3.1.4).
 * - Confirmed: the dialog is confirmed and the ACK was sent/received.
 * - Terminating: our BYE is out, waiting for its final response (15.1.1).
 * - Terminated: nothing is held: no timer, no table entry.
 */
export enum SessionState {
  Calling = 'Calling',
  Proceeding = 'Proceeding',
  Early = 'Early',
  Cancelling = 'Cancelling',
  Accepted = 'Accepted',
  Confirmed = 'Confirmed',
  Terminating = 'Terminating',
  Terminated = 'Terminated',
}

/** What a session gets from the DialogLayer that created it. */
export interface SessionEnvironment {
  readonly clock: Clock;
  readonly transactions: DialogTransactions;
  readonly T1: number;
  readonly T2: number;
  readonly table: DialogTable<InviteSession>;
  readonly userAgent: string | undefined;
  readonly contactUser: string;
  readonly allow: string;
  resolve(uri: SipUri): Endpoint;
  advertise(dest: Endpoint): { host: string; port: number };
  report(error: unknown): void;
  /** The session reached Terminated. */
  released(session: InviteSession): void;
}

/** Callbacks for a request sent inside the dialog, after any digest retry. */
interface SendUser {
  onResponse(res: SipResponse, req: SipRequest, tx: ClientTransaction): void;
  onFailure(err: SipError, tx: ClientTransaction): void;
  /** Each transaction started for the request (the first and every authenticated retry). */
  onSent?(tx: ClientTransaction, req: SipRequest): void;
}

interface PendingAck {
  seq: number;
  retransmission: AnswerRetransmission;
}

const SDP = 'application/sdp';

/** The body of a message when it is SDP (RFC 3261 13.2.1: offers/answers travel as application/sdp). */
export function sdpOf(msg: SipRequest | SipResponse): string | undefined {
  if (msg.body === '') return undefined;
  const type = getHeader(msg, 'Content-Type');
  return type === undefined || type.toLowerCase().startsWith(SDP) ? msg.body : undefined;
}

function isThenable<T>(v: unknown): v is PromiseLike<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function formatHost(host: string): string {
  return host.indexOf(':') >= 0 && !host.startsWith('[') ? '[' + host + ']' : host;
}

export abstract class InviteSession {
  /** The session's dialog: the UAS's own, the UAC's confirmed one (the first 2xx). */
  dialog: Dialog | undefined;
  handlers: SessionHandlers;
  protected current: SessionState | undefined;
  protected readonly timers: NamedTimers<'CancelGuard'>;
  /** Dialogs this session put in the table (removed when it terminates). */
  protected readonly held = new Set<Dialog>();
  /** Our 2xx waiting for its ACK (initial INVITE at the UAS, or a re-INVITE we answered). */
  protected awaitingAck: PendingAck | undefined;
  /** An incoming re-INVITE/UPDATE whose offer the TU has not answered yet. */
  protected openOffer: { tx: ServerTransaction; req: SipRequest } | undefined;
  /** Our re-INVITE is in progress (14.1: only one INVITE transaction per direction). */
  protected outgoingInvite = false;
  /** The ACK for our last re-INVITE's 2xx, re-sent for each retransmitted 2xx. */
  private reinviteAck: { seq: number; ack: SipRequest } | undefined;
  private endReported = false;

  protected abstract readonly legal: Readonly<Record<SessionState, readonly SessionState[]>>;
  protected abstract readonly initial: SessionState;
  abstract readonly role: 'uac' | 'uas';

  constructor(
    protected readonly env: SessionEnvironment,
    handlers: SessionHandlers,
    /** Send every request of this session here instead of resolving the remote target (nat=yes, outbound proxy). */
    readonly peer: Endpoint | undefined,
    protected readonly authenticate: Authenticator | undefined,
  ) {
    this.handlers = handlers;
    this.timers = new NamedTimers(env.clock);
  }

  get state(): SessionState {
    return this.current ?? this.initial;
  }

  /** True once onEnded was reported (or due): the TU hears nothing more. */
  get ended(): boolean {
    return this.endReported;
  }

  abstract hangup(): void;

  // ---------------------------------------------------------------- state

  /** The only place the session state changes; asserts the subclass's table. */
  protected transition(to: SessionState): void {
    assertTransition(`INVITE session (${this.role})`, this.current, to, this.legal, this.initial);
    const from = this.current;
    this.current = to;
    if (from === SessionState.Cancelling) this.timers.stop('CancelGuard');
    this.entered(from, to);
    if (to === SessionState.Terminated) this.release();
  }

  /** Subclass hook: timers and sends tied to entering a state. */
  protected entered(_from: SessionState | undefined, _to: SessionState): void {}

  /** Terminated: stop everything, answer what is open, leave the table. */
  private release(): void {
    this.timers.stopAll();
    this.awaitingAck?.retransmission.stop();
    this.awaitingAck = undefined;
    if (this.openOffer) {
      // 15.1.2: requests still pending when the session ends are answered 487.
      const { tx, req } = this.openOffer;
      this.openOffer = undefined;
      this.respond(tx, req, 487, 'Request Terminated');
    }
    for (const d of this.held) this.unhold(d);
    this.env.released(this);
  }

  /** Shutdown: Terminated at once, without signalling and without telling the TU. */
  destroy(): void {
    this.endReported = true;
    this.openOffer = undefined;
    if (this.current !== SessionState.Terminated) this.transition(SessionState.Terminated);
  }

  protected hold(d: Dialog): void {
    this.held.add(d);
    this.env.table.add(d, this);
  }

  protected unhold(d: Dialog): void {
    this.held.delete(d);
    if (d.phase !== 'terminated') d.transition('terminated');
    this.env.table.remove(d);
  }

  // ---------------------------------------------------------------- TU

  /** Runs a TU callback; what it throws goes to the layer's onError, never into the protocol path. */
  protected call<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.env.report(e);
      return undefined;
    }
  }

  protected notifyEnded(end: SessionEnd): void {
    if (this.endReported) return;
    this.endReported = true;
    const h = this.handlers;
    if (h.onEnded) this.call(() => h.onEnded!(end));
  }

  // ---------------------------------------------------------------- addressing

  /** Where requests in this dialog go: the pinned peer, or the next hop of 12.2.1.1 / 8.1.2. */
  protected destination(dialog: Dialog): Endpoint {
    return this.peer ?? this.env.resolve(dialog.nextHop());
  }

  /** Our Via for a request to dest, without branch (the transaction layer adds it); rport asked (RFC 3581). */
  protected viaFor(dest: Endpoint): string {
    const me = this.env.advertise(dest);
    const transport = dest.protocol === 'TCP' || dest.protocol === 'TLS' ? dest.protocol : 'UDP';
    return `SIP/2.0/${transport} ${formatHost(me.host)}:${me.port};rport`;
  }

  /** Our Contact as reached from dest (12.1.1 / 8.1.1.8). */
  protected contactFor(dest: Endpoint): string {
    const me = this.env.advertise(dest);
    const transport = dest.protocol === 'TCP' ? ';transport=tcp' : '';
    return `<sip:${this.env.contactUser}@${formatHost(me.host)}:${me.port}${transport}>`;
  }

  /** Response to a request of this session, with our tag, Server and (for 2xx to target refreshes / 18x) Contact and Allow. */
  protected buildResponse(req: SipRequest, status: number, reason: string | undefined, localTag: string, dest: Endpoint, body?: string): SipResponse {
    const res = createResponse(req, status, reason, localTag);
    if (status > 100 && status < 300 && TARGET_REFRESH.has(req.method)) {
      res.headers.push({ name: 'Contact', value: this.contactFor(dest) });
      res.headers.push({ name: 'Allow', value: this.env.allow });
    }
    if (this.env.userAgent !== undefined) res.headers.push({ name: 'Server', value: this.env.userAgent });
    if (body !== undefined && body !== '') {
      res.headers.push({ name: 'Content-Type', value: SDP });
      res.body = body;
    }
    return res;
  }

  protected respond(tx: ServerTransaction, req: SipRequest, status: number, reason?: string, extra?: SipHeader[]): void {
    const res = this.buildResponse(req, status, reason, this.dialog?.state.localTag ?? '', tx.source);
    if (extra) res.headers.push(...extra);
    tx.respond(res);
  }

  // ---------------------------------------------------------------- receiving in the dialog

  /** A request the DialogLayer matched to one of our dialogs (12.2.2). */
  receiveRequest(tx: ServerTransaction, req: SipRequest, dialog: Dialog): void {
    const bad = dialog.checkRequest(req);
    if (bad) {
      this.respond(tx, req, bad.status, bad.reason);
      return;
    }
    switch (req.method) {
      case 'BYE':
        this.byeReceived(tx, req, dialog);
        return;
      case 'INVITE':
        this.offerReceived(tx, req, dialog, 'INVITE');
        return;
      case 'UPDATE':
        this.offerReceived(tx, req, dialog, 'UPDATE');
        return;
      case 'INFO': {
        this.respond(tx, req, 200);
        const h = this.handlers;
        if (h.onInfo && !this.endReported) this.call(() => h.onInfo!(req.body, getHeader(req, 'Content-Type') ?? ''));
        return;
      }
      case 'OPTIONS':
        // 11.2: answered as an INVITE would be, with what we support.
        this.respond(tx, req, 200, undefined, [
          { name: 'Allow', value: this.env.allow },
          { name: 'Accept', value: SDP },
        ]);
        return;
      case 'REFER': {
        const answer = this.endReported ? { status: 481, reason: 'Call/Transaction Does Not Exist' } : handleRefer(req, this.handlers, (fn) => this.call(fn));
        this.respond(tx, req, answer.status, answer.reason);
        return;
      }
      case 'CANCEL':
        // 9.2: a CANCEL that matched no INVITE transaction.
        this.respond(tx, req, 481, 'Call/Transaction Does Not Exist');
        return;
      default:
        this.respond(tx, req, 501, 'Not Implemented', [{ name: 'Allow', value: this.env.allow }]);
    }
  }

  /** RFC 3261 15.1.2: answer 200; the session ends unless our own BYE is already out. */
  private byeReceived(tx: ServerTransaction, req: SipRequest, dialog: Dialog): void {
    this.respond(tx, req, 200);
    if (dialog !== this.dialog) {
      this.foreignBye(dialog);
      return;
    }
    const s = this.state;
    if (s === SessionState.Terminating || s === SessionState.Terminated) return;
    this.peerHungUp();
    this.notifyEnded({ by: 'remote' });
    this.transition(SessionState.Terminated);
  }

  /** A BYE on a dialog that is not the session's (an early UAC dialog of another fork). */
  protected foreignBye(dialog: Dialog): void {
    this.unhold(dialog);
  }

  /** Subclass hook before a BYE ends the session (the UAS answers its INVITE 487). */
  protected peerHungUp(): void {}

  /**
   * re-INVITE (14.2) or UPDATE (RFC 3311 5.2) with or without an offer. Glare rules:
   * our own offer outstanding -> 491; an offer of theirs still unanswered, or (INVITE) our 2xx
   * not yet acknowledged -> 500 with Retry-After 0-10 s.
   */
  private offerReceived(tx: ServerTransaction, req: SipRequest, dialog: Dialog, method: 'INVITE' | 'UPDATE'): void {
    const confirmed = dialog === this.dialog && this.state === SessionState.Confirmed;
    const offer = sdpOf(req);
    if (method === 'UPDATE' && offer === undefined) {
      dialog.refreshTarget(req);
      this.respond(tx, req, 200);
      return;
    }
    if (this.outgoingInvite || (method === 'INVITE' && !confirmed && this.role === 'uac')) {
      this.respond(tx, req, 491, 'Request Pending');
      return;
    }
    if (this.openOffer || (method === 'INVITE' && (!confirmed || this.awaitingAck))) {
      const retryAfter = String(Math.floor(Math.random() * 11));
      this.respond(tx, req, 500, 'Server Internal Error', [{ name: 'Retry-After', value: retryAfter }]);
      return;
    }
    const open = { tx, req };
    this.openOffer = open;
    if (method === 'INVITE') {
      tx.onCancel = (cancelTx, cancel) => {
        cancelTx.respond(this.buildResponse(cancel, 200, undefined, dialog.state.localTag, cancelTx.source));
        if (this.openOffer === open) {
          this.openOffer = undefined;
          this.respond(tx, req, 487, 'Request Terminated');
        }
      };
    }
    const finish = (answer: OfferAnswer | undefined): void => {
      if (this.openOffer !== open) return;
      this.openOffer = undefined;
      if (answer === undefined) {
        this.respond(tx, req, 500, 'Server Internal Error');
      } else if ('sdp' in answer) {
        // RFC 6141: the remote target changes only when the target refresh succeeds.
        dialog.refreshTarget(req);
        const res = this.buildResponse(req, 200, undefined, dialog.state.localTag, tx.source, answer.sdp);
        if (method === 'INVITE') this.sendAnswer(tx, res);
        else tx.respond(res);
      } else {
        const status = answer.status >= 300 && answer.status <= 699 ? answer.status : 488;
        this.respond(tx, req, status, answer.reason);
      }
    };
    const h = this.handlers;
    if (!h.onReinvite || this.endReported) {
      finish({ status: 488, reason: 'Not Acceptable Here' });
      return;
    }
    const result = this.call(() => h.onReinvite!(offer, method));
    if (isThenable<OfferAnswer>(result)) {
      result.then(finish, (e: unknown) => {
        this.env.report(e);
        finish(undefined);
      });
    } else {
      finish(result);
    }
  }

  /** Send a 2xx to an INVITE and keep retransmitting it until its ACK (13.3.1.4). */
  protected sendAnswer(tx: ServerTransaction, res: SipResponse): void {
    tx.respond(res);
    const retransmission = new AnswerRetransmission(
      this.env.clock,
      { T1: this.env.T1, T2: this.env.T2 },
      () => {
        // RFC 6026: in Accepted the transaction passes our retransmissions through; once it is
        // gone (Timer L, transport error) the 2xx goes out statelessly.
        if (tx.state === 'Accepted') tx.respond(res);
        else this.env.transactions.sendStateless(res, tx.source).catch(() => undefined);
      },
      () => this.ackTimedOut(),
    );
    this.awaitingAck = { seq: cseq(res).seq, retransmission };
    retransmission.start();
  }

  /** The ACK for a 2xx of ours (the DialogLayer routes it here from onStray). */
  receiveAck(ack: SipRequest): void {
    const pending = this.awaitingAck;
    if (!pending || cseq(ack).seq !== pending.seq) return;
    pending.retransmission.acknowledge();
    this.awaitingAck = undefined;
    this.acknowledged();
    const h = this.handlers;
    if (h.onAck && !this.endReported) this.call(() => h.onAck!(sdpOf(ack)));
  }

  /** Subclass hook: the ACK for our 2xx arrived. */
  protected acknowledged(): void {}

  /** 13.3.1.4: no ACK within 64*T1: "the session SHOULD be terminated ... with a BYE". */
  private ackTimedOut(): void {
    this.awaitingAck = undefined;
    this.notifyEnded({ by: 'timeout', status: 408, reason: 'ACK Timeout' });
    this.byeThenTerminate();
  }

  /** A 2xx to an INVITE that no transaction claimed (Timer M over); the UAC overrides for its INVITE. */
  receiveStray2xx(res: SipResponse, dialog: Dialog | undefined): void {
    const r = this.reinviteAck;
    if (r && dialog && cseq(res).seq === r.seq) this.sendAck(r.ack, dialog);
  }

  // ---------------------------------------------------------------- sending in the dialog

  /** Send BYE on the session dialog, move to Terminating, and to Terminated when it completes (15.1.1). */
  protected byeThenTerminate(): void {
    const d = this.dialog;
    if (!d) {
      this.transition(SessionState.Terminated);
      return;
    }
    this.transition(SessionState.Terminating);
    this.sendBye(d, () => {
      if (this.current === SessionState.Terminating) this.transition(SessionState.Terminated);
    });
  }

  /** 15.1.1: the dialog ends with the BYE's final response, a 408/481, or a timeout. */
  protected sendBye(dialog: Dialog, done: () => void): void {
    this.sendInDialog(dialog, 'BYE', {}, {
      onResponse: (res) => {
        if (res.status >= 200) done();
      },
      onFailure: () => done(),
    });
  }

  protected sendAck(ack: SipRequest, dialog: Dialog): void {
    this.env.transactions.sendStateless(ack, this.destination(dialog)).catch(() => undefined);
  }

  /** Build a request in the dialog (12.2.1.1) and send it, with a digest retry per challenge. */
  protected sendInDialog(dialog: Dialog, method: string, opts: { body?: string; contentType?: string; headers?: SipHeader[] }, user: SendUser): void {
    const dest = this.destination(dialog);
    const headers = [...(opts.headers ?? [])];
    if (this.env.userAgent !== undefined) headers.push({ name: 'User-Agent', value: this.env.userAgent });
    const req = dialog.createRequest(method, {
      via: this.viaFor(dest),
      contact: TARGET_REFRESH.has(method) ? this.contactFor(dest) : undefined,
      body: opts.body,
      contentType: opts.contentType,
      headers,
    });
    this.transmit(req, dest, user, () => dialog.nextSeq(), new Set());
  }

  /**
   * Start a client transaction for req. A 401/407 is answered once per distinct challenge (and
   * at most three times in all) with the headers the Authenticator returns, on a new
   * transaction with the next CSeq and a new branch (RFC 3261 22.2, 8.1.3.5).
   */
  protected transmit(req: SipRequest, dest: Endpoint, user: SendUser, nextSeq: () => number, seen: Set<string>): ClientTransaction {
    const tx: ClientTransaction = this.env.transactions.sendRequest(req, dest, {
      onResponse: (res) => {
        if (res.status === 401 || res.status === 407) {
          const retry = this.challenged(req, res, dest, nextSeq, seen);
          if (retry) {
            this.transmit(retry, dest, user, nextSeq, seen);
            return;
          }
        }
        user.onResponse(res, req, tx);
      },
      onTimeout: (err) => user.onFailure(err, tx),
      onTransportError: (err) => user.onFailure(err, tx),
    });
    user.onSent?.(tx, req);
    return tx;
  }

  private challenged(req: SipRequest, res: SipResponse, dest: Endpoint, nextSeq: () => number, seen: Set<string>): SipRequest | undefined {
    const auth = this.authenticate;
    if (!auth || seen.size >= 3 || !this.allowRetry()) return undefined;
    const challenge = res.status + '\n' + getHeaders(res, res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate').join('\n');
    if (seen.has(challenge)) return undefined;
    seen.add(challenge);
    const creds = this.call(() => auth(res, req));
    if (!creds || creds.length === 0) return undefined;
    const next = structuredClone(req);
    removeHeaders(next, 'Authorization');
    removeHeaders(next, 'Proxy-Authorization');
    setHeader(next, 'Via', this.viaFor(dest));
    setHeader(next, 'CSeq', nextSeq() + ' ' + req.method);
    for (const h of creds) addHeader(next, h.name, h.value);
    return next;
  }

  /** Subclass hook: whether a challenged request may still be resent. */
  protected allowRetry(): boolean {
    return true;
  }

  /** INFO in the dialog (e.g. application/dtmf-relay); resolves with the final status. */
  info(body: string, contentType: string): Promise<InDialogResult> {
    const d = this.dialog;
    if (!d || (this.state !== SessionState.Confirmed && this.state !== SessionState.Accepted)) {
      return Promise.resolve({ ok: false, status: 481, reason: 'Call/Transaction Does Not Exist' });
    }
    return new Promise((resolve) => {
      this.sendInDialog(d, 'INFO', { body, contentType }, {
        onResponse: (res) => {
          if (res.status < 200) return;
          resolve(res.status < 300 ? { ok: true, status: res.status } : { ok: false, status: res.status, reason: res.reason });
          if (res.status === 481 || res.status === 408) this.dialogFailed(res.status, res.reason);
        },
        onFailure: (err) => {
          resolve({ ok: false, status: err.status, reason: err.reason });
          this.dialogFailed(err.status, err.reason);
        },
      });
    });
  }

  /**
   * NOTIFY for the implicit subscription of a REFER we accepted (RFC 3515 2.4.4/2.4.5): `sipfrag`
   * is the status line of the transfer's progress (`SIP/2.0 100 Trying`, `SIP/2.0 200 OK`);
   * `final` terminates the subscription. Resolves with the NOTIFY's final status; a 481 or
   * timeout ends only the subscription, never the call (RFC 5057 5.2).
   */
  notifyRefer(id: number, sipfrag: string, final: boolean): Promise<InDialogResult> {
    const d = this.dialog;
    if (!d || (this.state !== SessionState.Confirmed && this.state !== SessionState.Accepted)) {
      return Promise.resolve({ ok: false, status: 481, reason: 'Call/Transaction Does Not Exist' });
    }
    return new Promise((resolve) => {
      this.sendInDialog(d, 'NOTIFY', { body: sipfrag.endsWith('\r\n') ? sipfrag : sipfrag + '\r\n', contentType: SIPFRAG, headers: referNotifyHeaders(id, final) }, {
        onResponse: (res) => {
          if (res.status < 200) return;
          resolve(res.status < 300 ? { ok: true, status: res.status } : { ok: false, status: res.status, reason: res.reason });
        },
        onFailure: (err) => resolve({ ok: false, status: err.status, reason: err.reason }),
      });
    });
  }

  /**
   * re-INVITE with a new offer (hold: a=sendonly, unhold: a=sendrecv). Resolves with the answer
   * or the rejection; the session is unchanged on rejection (14.1). 491 without sending when an
   * INVITE is already in progress in either direction. The ACK is sent here, and again for
   * every retransmitted 2xx.
   */
  reinvite(sdp: string): Promise<InDialogResult> {
    const d = this.dialog;
    if (!d || this.state !== SessionState.Confirmed || this.outgoingInvite || this.openOffer || this.awaitingAck) {
      return Promise.resolve({ ok: false, status: 491, reason: 'Request Pending' });
    }
    this.outgoingInvite = true;
    return new Promise((resolve) => {
      let ack: SipRequest | undefined;
      this.sendInDialog(d, 'INVITE', { body: sdp, contentType: SDP }, {
        onResponse: (res, req) => {
          if (res.status < 200) return;
          if (res.status < 300) {
            if (!ack) {
              d.refreshTarget(res);
              ack = d.createAck(req, this.viaFor(this.destination(d)));
              this.reinviteAck = { seq: cseq(req).seq, ack };
              this.outgoingInvite = false;
              resolve({ ok: true, status: res.status, sdp: sdpOf(res) });
            }
            this.sendAck(ack, d);
            return;
          }
          this.outgoingInvite = false;
          resolve({ ok: false, status: res.status, reason: res.reason });
          if (res.status === 481 || res.status === 408) this.dialogFailed(res.status, res.reason);
        },
        onFailure: (err) => {
          this.outgoingInvite = false;
          resolve({ ok: false, status: err.status, reason: err.reason });
          this.dialogFailed(err.status, err.reason);
        },
      });
    });
  }

  /**
   * 12.2.1.2 / 14.1: a 481 or 408 (or no answer) to a request in the dialog ends it. After a
   * timeout we still try a BYE, since the peer may only have lost that one request.
   */
  private dialogFailed(status: number, reason: string): void {
    const s = this.state;
    if (s !== SessionState.Confirmed && s !== SessionState.Accepted) return;
    this.notifyEnded({ by: status === 408 ? 'timeout' : status === 481 ? 'remote' : 'error', status, reason });
    if (status === 408) this.byeThenTerminate();
    else this.transition(SessionState.Terminated);
  }
}
