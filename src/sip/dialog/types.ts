/**
 * What the dialog layer needs from below (a narrow view of the transaction layer) and what it
 * tells the transaction user above (typed callbacks, no emitter).
 */
import type { Clock } from '../../platform/clock.ts';
import type { SipHeader, SipMessage, SipRequest, SipResponse, SipUri } from '../message/types.ts';
import type { ClientTransaction, ClientTransactionUser } from '../transaction/types.ts';
import type { TimerValues } from '../transaction/timers.ts';
import type { Endpoint } from '../transport/types.ts';

/** The part of TransactionLayer that dialogs use: client transactions and stateless sends (ACK for 2xx). */
export interface DialogTransactions {
  sendRequest(req: SipRequest, dest: Endpoint, user: ClientTransactionUser): ClientTransaction;
  sendStateless(msg: SipMessage, dest: Endpoint): Promise<void>;
}

/** Why a session ended, as the TU hears it once through onEnded. */
export interface SessionEnd {
  /**
   * local: our hangup()/cancel()/reject(); remote: BYE, CANCEL or a final non-2xx from the peer;
   * timeout: no response (408) or no ACK for our 2xx within 64*T1; error: transport failure (503).
   */
  by: 'local' | 'remote' | 'timeout' | 'error';
  /** The final status that ended the INVITE (486, 487, 408 ...), when there was one. */
  status?: number;
  reason?: string;
}

/** The TU's answer to an offer in a re-INVITE or UPDATE: an SDP answer, or a rejection (488, 491 ...). */
export type OfferAnswer = { sdp: string } | { status: number; reason?: string };

/** What a request the session sent in the dialog (re-INVITE, INFO ...) came back with. */
export type InDialogResult = { ok: true; status: number; sdp?: string } | { ok: false; status: number; reason: string };

/**
 * Supplies credentials for a 401/407 (RFC 3261 22.2): given the challenge and the request it
 * answered, returns the Authorization / Proxy-Authorization headers to add, or undefined to give up.
 */
export type Authenticator = (challenge: SipResponse, request: SipRequest) => SipHeader[] | undefined;

/** Callbacks every INVITE session makes to its TU. Exceptions thrown here go to DialogLayerOptions.onError. */
export interface SessionHandlers {
  /** Called once: the session is over for the TU (nothing else is reported after it). */
  onEnded?(end: SessionEnd): void;
  /**
   * An offer arrived in a re-INVITE or UPDATE (undefined: a re-INVITE without SDP, answer with an
   * offer). Hold detection (a=sendonly / a=inactive) is the TU's. Without this handler: 488.
   */
  onReinvite?(offer: string | undefined, method: 'INVITE' | 'UPDATE'): OfferAnswer | Promise<OfferAnswer>;
  /** INFO in the dialog (application/dtmf-relay for DTMF); always answered 200. */
  onInfo?(body: string, contentType: string): void;
  /** The ACK for our 2xx (initial or re-INVITE) arrived; sdp when it carried the answer. */
  onAck?(sdp: string | undefined): void;
  /**
   * REFER in the dialog (RFC 3515): the TU's answer is sent as is (202 accepts it; the TU then
   * reports progress with `notifyRefer`). Without this handler: 501. A REFER without exactly one
   * Refer-To is answered 400 before it gets here.
   */
  onRefer?(refer: ReferRequest): { status: number; reason?: string };
}

/** A REFER received in a dialog, as the TU sees it (header values as received). */
export interface ReferRequest {
  referTo: string;
  referredBy: string | undefined;
  /** The REFER's CSeq number: the `id` of the implicit subscription's NOTIFYs (RFC 3515 2.4.6). */
  id: number;
}

/** UAS side (RFC 3261 13.3). */
export interface ServerSessionHandlers extends SessionHandlers {
  /** The caller sent CANCEL before we answered (9.2); 487 has been sent, onEnded follows. */
  onCancel?(): void;
}

/** UAC side (RFC 3261 13.2). */
export interface ClientSessionHandlers extends SessionHandlers {
  /** A provisional response (101-199); sdp when it carried early media. */
  onProgress?(status: number, sdp: string | undefined): void;
  /** The first 2xx (ACK already sent); sdp is the answer. */
  onAnswered?(sdp: string | undefined): void;
}

export interface DialogLayerOptions {
  clock: Clock;
  transactions: DialogTransactions;
  /** Our host and port as seen from dest, for Via sent-by and Contact (SipStack.advertise). */
  advertise(dest: Endpoint): { host: string; port: number };
  /**
   * Next hop for a URI (a small RFC 3263): default is the URI's host and port (5060, 5061 for
   * sips) over UDP, TCP for transport=tcp. Tests on a LoopNetwork pass one that answers LOOP.
   */
  resolve?(uri: SipUri): Endpoint;
  /** T1/T2 for 2xx retransmission (13.3.1.4) and the 64*T1 waits; default RFC values. */
  timers?: Partial<TimerValues>;
  /** User-Agent / Server header value. */
  userAgent?: string;
  /** User part of our Contact URI (default "pbx"). */
  contactUser?: string;
  /** Allow header we advertise in dialogs. */
  allow?: string;
  /** A TU callback threw; default: rethrown from a microtask (a bug must not vanish). */
  onError?(error: unknown): void;
}
