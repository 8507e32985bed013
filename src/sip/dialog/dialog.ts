/**
 * A SIP dialog (RFC 3261 section 12): the peer-to-peer relationship that in-dialog requests
 * (BYE, re-INVITE, UPDATE, INFO ...) are built from and checked against. Pure: no transport,
 * no timers. The state is plain data (DialogState) so a dialog can be listed, logged or saved.
 */
import { SipError } from '../../core/errors.ts';
import { callId, cseq, formatNameAddr, formatUri, fromTag, getHeader, getHeaders, parseNameAddr, parseUri, toTag } from '../message/headers.ts';
import { newBranch } from '../message/ids.ts';
import type { SipHeader, SipMessage, SipRequest, SipResponse, SipUri } from '../message/types.ts';

/** RFC 3261 12: a dialog is early (from a 1xx with a To tag), confirmed (2xx) or terminated. */
export type DialogPhase = 'early' | 'confirmed' | 'terminated';

/** The dialog state of RFC 3261 12.1, as plain fields. */
export interface DialogState {
  /** Which side of the dialog-creating request we were. */
  role: 'uac' | 'uas';
  callId: string;
  localTag: string;
  /** Empty for an RFC 2543 peer that sent no From tag. */
  remoteTag: string;
  /** Our name-addr (display name kept, tag removed): From of our requests. */
  localUri: string;
  /** The peer's name-addr (tag removed): To of our requests. */
  remoteUri: string;
  /** CSeq of our last request in the dialog; null until we send one (UAS, 12.1.1). */
  localSeq: number | null;
  /** CSeq of the peer's last request; null until it sends one (UAC, 12.1.2). */
  remoteSeq: number | null;
  /** Contact URI of the peer: Request-URI of our requests (12.2.1.1). */
  remoteTarget: string;
  /** Route header values for our requests, in the order they are sent. */
  routeSet: string[];
  /** TLS with a SIPS Request-URI (12.1.1, 12.1.2). */
  secure: boolean;
  phase: DialogPhase;
}

/** Options for a request built inside the dialog. */
export interface InDialogRequestOptions {
  /** Via without branch, e.g. "SIP/2.0/UDP 192.0.2.1:5060;rport" (the transaction adds the branch). */
  via: string;
  /** Our Contact (name-addr text); target refresh requests (INVITE, UPDATE) must carry one. */
  contact?: string;
  body?: string;
  contentType?: string;
  /** Extra headers, appended after the mandatory ones. */
  headers?: SipHeader[];
}

/** Methods whose Contact replaces the remote target (RFC 3261 12.2, RFC 3311 5.1, RFC 6665). */
export const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

const LEGAL: Readonly<Record<DialogPhase, readonly DialogPhase[]>> = {
  early: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

/** The dialog ID of RFC 3261 12: Call-ID, local tag, remote tag. Exact comparison. */
export function dialogKey(callIdValue: string, localTag: string, remoteTag: string): string {
  return callIdValue + '\n' + localTag + '\n' + remoteTag;
}

/** A name-addr without its tag parameter, written back in angle-bracket form. */
function withoutTag(value: string): string {
  const na = parseNameAddr(value);
  if ('tag' in na.params) {
    const params = { ...na.params };
    delete params['tag'];
    return formatNameAddr({ ...na, params });
  }
  return formatNameAddr(na);
}

function withTag(nameAddr: string, tag: string): string {
  if (tag === '') return nameAddr;
  const na = parseNameAddr(nameAddr);
  return formatNameAddr({ ...na, params: { ...na.params, tag } });
}

/** The URI of a message's Contact, as text, or undefined when absent, '*' or malformed. */
export function contactTarget(msg: SipMessage): string | undefined {
  const c = getHeader(msg, 'Contact');
  if (c === undefined || c.trim() === '*') return undefined;
  try {
    return formatUri(parseNameAddr(c).uri);
  } catch {
    return undefined;
  }
}

function isLooseRoute(route: string): boolean {
  return 'lr' in parseNameAddr(route).uri.params;
}

export class Dialog {
  constructor(readonly state: DialogState) {}

  /**
   * UAC dialog from a 1xx (with To tag) or 2xx to our request (RFC 3261 12.1.2): route set is
   * the Record-Route of the response reversed, remote target its Contact (the Request-URI when
   * a provisional lacks one), local CSeq that of the request, remote CSeq empty.
   */
  static uac(request: SipRequest, response: SipResponse, secure = false): Dialog {
    const remoteTag = toTag(response);
    if (remoteTag === undefined) throw new SipError('SIP_PARSE', 400, 'Missing To Tag');
    return new Dialog({
      role: 'uac',
      callId: callId(request),
      localTag: fromTag(request) ?? '',
      remoteTag,
      localUri: withoutTag(getHeader(request, 'From') ?? ''),
      remoteUri: withoutTag(getHeader(request, 'To') ?? ''),
      localSeq: cseq(request).seq,
      remoteSeq: null,
      remoteTarget: contactTarget(response) ?? formatUri(request.uri),
      routeSet: getHeaders(response, 'Record-Route').reverse(),
      secure: secure && request.uri.scheme === 'sips',
      phase: response.status < 200 ? 'early' : 'confirmed',
    });
  }

  /**
   * UAS dialog from a dialog-creating request we answer with localTag (RFC 3261 12.1.1): route
   * set is the request's Record-Route in order, remote target its Contact, remote CSeq its CSeq,
   * local CSeq empty. Throws SipError 400 when the request has no usable Contact (8.1.1.8).
   */
  static uas(request: SipRequest, localTag: string, phase: 'early' | 'confirmed', secure = false): Dialog {
    const target = contactTarget(request);
    if (target === undefined) throw new SipError('SIP_PARSE', 400, 'Missing Contact');
    return new Dialog({
      role: 'uas',
      callId: callId(request),
      localTag,
      remoteTag: fromTag(request) ?? '',
      localUri: withoutTag(getHeader(request, 'To') ?? ''),
      remoteUri: withoutTag(getHeader(request, 'From') ?? ''),
      localSeq: null,
      remoteSeq: cseq(request).seq,
      remoteTarget: target,
      routeSet: getHeaders(request, 'Record-Route'),
      secure: secure && request.uri.scheme === 'sips',
      phase,
    });
  }

  get id(): string {
    return dialogKey(this.state.callId, this.state.localTag, this.state.remoteTag);
  }

  get phase(): DialogPhase {
    return this.state.phase;
  }

  /** The only place the phase changes; throws (a bug) on a move RFC 3261 12 does not have. */
  transition(to: DialogPhase): void {
    const from = this.state.phase;
    if (!LEGAL[from].includes(to)) throw new Error(`dialog ${this.state.callId}: illegal transition ${from} -> ${to}`);
    this.state.phase = to;
  }

  /**
   * RFC 3261 13.2.2.4: a 2xx for an early dialog confirms it, and the route set and remote
   * target are taken again from the 2xx (12.2.1.2 / 12.1.2).
   */
  confirmWith(response: SipResponse): void {
    this.state.routeSet = getHeaders(response, 'Record-Route').reverse();
    this.refreshTarget(response);
    if (this.state.phase === 'early') this.transition('confirmed');
  }

  /** Target refresh (12.2.1.2, 12.2.2): the Contact of a message replaces the remote target. */
  refreshTarget(msg: SipMessage): void {
    const target = contactTarget(msg);
    if (target !== undefined) this.state.remoteTarget = target;
  }

  /**
   * The URI the next hop is resolved from (RFC 3261 8.1.2 with 12.2.1.1): the first route when
   * there is a route set (a loose router is reached through its Route entry, a strict router
   * is the Request-URI itself), otherwise the remote target.
   */
  nextHop(): SipUri {
    const first = this.state.routeSet[0];
    return first !== undefined ? parseNameAddr(first).uri : parseUri(this.state.remoteTarget);
  }

  /** The next local CSeq (12.2.1.1: one more than the last, an initial value when empty). */
  nextSeq(): number {
    const next = (this.state.localSeq ?? 0) + 1;
    this.state.localSeq = next;
    return next;
  }

  /**
   * A request within the dialog (RFC 3261 12.2.1.1). To carries the remote URI and tag, From
   * the local URI and tag, Call-ID the dialog's, CSeq the next local number. Routing:
   * - empty route set: Request-URI = remote target, no Route;
   * - first route is a loose router (;lr): Request-URI = remote target, Route = route set;
   * - otherwise (strict router): Request-URI = first route's URI (without the parameters a
   *   Request-URI may not hold), Route = the rest of the set followed by the remote target.
   * ACK and CANCEL are not built here: they reuse the INVITE's CSeq (createAck; 9.1).
   */
  createRequest(method: string, options: InDialogRequestOptions, seq = this.nextSeq()): SipRequest {
    const s = this.state;
    const routes: string[] = [];
    let uri: SipUri;
    const first = s.routeSet[0];
    if (first === undefined || isLooseRoute(first)) {
      uri = parseUri(s.remoteTarget);
      routes.push(...s.routeSet);
    } else {
      uri = parseNameAddr(first).uri;
      uri.headers = {};
      delete uri.params['method'];
      routes.push(...s.routeSet.slice(1), '<' + s.remoteTarget + '>');
    }
    const headers: SipHeader[] = [{ name: 'Via', value: options.via }, { name: 'Max-Forwards', value: '70' }];
    for (const r of routes) headers.push({ name: 'Route', value: r });
    headers.push(
      { name: 'From', value: withTag(s.localUri, s.localTag) },
      { name: 'To', value: withTag(s.remoteUri, s.remoteTag) },
      { name: 'Call-ID', value: s.callId },
      { name: 'CSeq', value: seq + ' ' + method },
    );
    if (options.contact !== undefined) headers.push({ name: 'Contact', value: options.contact });
    if (options.headers) headers.push(...options.headers);
    const body = options.body ?? '';
    if (body !== '') headers.push({ name: 'Content-Type', value: options.contentType ?? 'application/sdp' });
    return { kind: 'request', method, uri, headers, body };
  }

  /**
   * The ACK for a 2xx to an INVITE in this dialog (RFC 3261 13.2.2.4): built as an in-dialog
   * request, with the INVITE's CSeq number, the same credentials as the INVITE, and a new
   * branch (it is a transaction of its own, sent outside the transaction layer).
   */
  createAck(invite: SipRequest, via: string, body?: string, contentType?: string): SipRequest {
    const headers: SipHeader[] = [];
    for (const h of invite.headers) {
      if (h.name === 'Authorization' || h.name === 'Proxy-Authorization') headers.push({ name: h.name, value: h.value });
    }
    const ack = this.createRequest('ACK', { via: via + ';branch=' + newBranch(), headers, body, contentType }, cseq(invite).seq);
    return ack;
  }

  /**
   * RFC 3261 12.2.2: a request whose CSeq is lower than the remote CSeq is out of order and is
   * answered 500; otherwise the remote CSeq becomes its CSeq. ACK and CANCEL carry the CSeq of
   * the INVITE they belong to, so they are not ordered. Returns the error to answer, if any.
   */
  checkRequest(req: SipRequest): { status: number; reason: string } | undefined {
    if (req.method === 'ACK' || req.method === 'CANCEL') return undefined;
    const seq = cseq(req).seq;
    const last = this.state.remoteSeq;
    if (last !== null && seq < last) return { status: 500, reason: 'CSeq Out Of Order' };
    this.state.remoteSeq = seq;
    return undefined;
  }
}
