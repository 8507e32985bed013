/**
 * The notifier side of the `message-summary` event package (RFC 3842 over RFC 6665): SUBSCRIBE
 * requests, new or in their dialog, and the subscriptions they create.
 *
 * A SUBSCRIBE (RFC 6665 4.2.1):
 * - without an Event header, or for another package: 489 Bad Event with Allow-Events (7.2.2);
 * - with an Accept that excludes application/simple-message-summary: 406 (4.2.1.1 via 8.2.3);
 * - is authenticated as the peer (digest, like REGISTER/INVITE; the caller's `authenticate`);
 * - for a peer without `mailbox=`: 404, as chan_sip answers;
 * - Expires below `minExpires` (but not 0): 423 with Min-Expires; above `maxExpires`: shortened;
 *   absent: `defaultExpires` (RFC 3842 5.1 suggests 3600 s);
 * - new (no To tag): a dialog (RFC 3261 12.1.1), 200 with Expires and Contact, then a NOTIFY
 *   with the current summary at once (4.2.1.2); more than `maxPerPeer` live subscriptions of a
 *   peer, or `maxTotal` in all: 403 / 503, so one phone cannot fill the table;
 * - in a dialog (To tag): a refresh (200, NOTIFY) or, with Expires: 0, the end (200, NOTIFY
 *   `terminated;reason=timeout`, 4.2.1.4); an unknown dialog: 481; an older CSeq: 500;
 * - new with Expires: 0 is a fetch: 200 and one terminated NOTIFY (4.2.1.1).
 */
import type { Clock } from '../../platform/clock.ts';
import { callId, createResponse, fromTag, getHeader, setHeader, toTag } from '../message/headers.ts';
import { newTag } from '../message/ids.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import type { ServerTransaction } from '../transaction/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { Dialog, dialogKey } from '../dialog/dialog.ts';
import { uriEndpoint } from '../dialog/dialog-layer.ts';
import { formatMessageSummary, messageAccount, MESSAGE_SUMMARY_EVENT, MESSAGE_SUMMARY_TYPE, type MessageSummaryCounts } from './message-summary.ts';
import { MwiSubscription, type SubscriptionTransactions, type TerminationReason } from './subscription.ts';

export type SubscribeAuthResult = { ok: true; peer: string } | { ok: false; response: SipResponse };

export interface MwiSubscriptionsOptions {
  clock: Clock;
  transactions: SubscriptionTransactions;
  advertise(dest: Endpoint): { host: string; port: number };
  userAgent?: string;
  /** Digest authentication of the SUBSCRIBE: the peer it is for, or the answer (401, 403 ...). */
  authenticate(req: SipRequest, source: Endpoint): SubscribeAuthResult;
  /** The peer's mailbox summary now; undefined when the peer has no mailbox (404). */
  summary(peer: string): { box: string; counts: MessageSummaryCounts } | undefined;
  /** nat=yes: NOTIFYs go to where the SUBSCRIBE came from, not to its Contact. */
  symmetric(peer: string): boolean;
  respond(tx: ServerTransaction, res: SipResponse): void;
  log?(level: 'debug' | 'info' | 'warn', msg: string): void;
  minExpires?: number;
  maxExpires?: number;
  defaultExpires?: number;
  maxPerPeer?: number;
  maxTotal?: number;
}

/** Event packages we notify (Allow-Events, RFC 6665 7.2.2). */
export const ALLOW_EVENTS = MESSAGE_SUMMARY_EVENT;

export interface SubscriptionInfo {
  peer: string;
  callId: string;
  dest: Endpoint;
  expiresIn: number;
  notifies: number;
}

export class MwiSubscriptions {
  private readonly table = new Map<string, MwiSubscription>();
  private readonly minExpires: number;
  private readonly maxExpires: number;
  private readonly defaultExpires: number;
  private readonly maxPerPeer: number;
  private readonly maxTotal: number;
  private closed = false;

  constructor(private readonly o: MwiSubscriptionsOptions) {
    this.minExpires = o.minExpires ?? 60;
    this.maxExpires = o.maxExpires ?? 3600;
    this.defaultExpires = o.defaultExpires ?? 3600;
    this.maxPerPeer = o.maxPerPeer ?? 4;
    this.maxTotal = o.maxTotal ?? 1000;
  }

  /** A SUBSCRIBE from the stack (with or without a To tag). Answers through `respond`. */
  handleSubscribe(tx: ServerTransaction, req: SipRequest, source: Endpoint): void {
    const reply = (status: number, reason?: string, tag?: string): SipResponse => createResponse(req, status, reason, tag ?? newTag());
    if (this.closed) return this.o.respond(tx, reply(503));
    const event = parseEvent(getHeader(req, 'Event'));
    if (!event || event.pkg !== MESSAGE_SUMMARY_EVENT) {
      const res = reply(489);
      setHeader(res, 'Allow-Events', ALLOW_EVENTS);
      return this.o.respond(tx, res);
    }
    const accept = getHeader(req, 'Accept');
    if (accept !== undefined && accept.trim() !== '' && !acceptsSummary(accept)) {
      const res = reply(406);
      setHeader(res, 'Accept', MESSAGE_SUMMARY_TYPE);
      return this.o.respond(tx, res);
    }
    const auth = this.o.authenticate(req, source);
    if (!auth.ok) return this.o.respond(tx, auth.response);
    const peer = auth.peer;
    if (!this.o.summary(peer)) return this.o.respond(tx, reply(404));

    const asked = parseExpires(getHeader(req, 'Expires'));
    if (asked === 'bad') return this.o.respond(tx, reply(400, 'Bad Expires'));
    let seconds = asked ?? this.defaultExpires;
    if (seconds !== 0 && seconds < this.minExpires) {
      const res = reply(423);
      setHeader(res, 'Min-Expires', String(this.minExpires));
      return this.o.respond(tx, res);
    }
    seconds = Math.min(seconds, this.maxExpires);

    const theirTag = toTag(req);
    if (theirTag !== undefined) return this.refresh(tx, req, source, peer, seconds, reply);

    if (seconds > 0) {
      if (this.forPeer(peer).length >= this.maxPerPeer) return this.o.respond(tx, reply(403, 'Too Many Subscriptions'));
      if (this.table.size >= this.maxTotal) return this.o.respond(tx, reply(503, 'Too Many Subscriptions'));
    }
    const localTag = newTag();
    let dialog: Dialog;
    try {
      dialog = Dialog.uas(req, localTag, 'confirmed');
    } catch {
      return this.o.respond(tx, reply(400, 'Missing Contact'));
    }
    const sub = new MwiSubscription(this.env(), peer, dialog, this.destFor(peer, dialog, source), event.id);
    this.table.set(sub.id, sub);
    this.o.respond(tx, this.ok(req, localTag, seconds, sub.dest));
    this.o.log?.('info', `MWI subscription from '${peer}' (${callId(req)}) for ${seconds} s`);
    if (seconds === 0) sub.transition('terminated', { reason: 'timeout' });
    else {
      sub.transition('active', { seconds });
      sub.notify();
    }
  }

  /** The counts of a peer's boxes changed: every live subscription of it is notified. */
  notifyPeer(peer: string): void {
    for (const sub of this.forPeer(peer)) sub.notify();
  }

  /** True when the peer has a live subscription (then unsolicited NOTIFYs are not needed). */
  hasSubscription(peer: string): boolean {
    return this.forPeer(peer).length > 0;
  }

  list(): SubscriptionInfo[] {
    return [...this.table.values()].map((s) => ({
      peer: s.peer,
      callId: s.dialog.state.callId,
      dest: { ...s.dest },
      expiresIn: s.remainingSeconds(),
      notifies: s.notifies,
    }));
  }

  get size(): number {
    return this.table.size;
  }

  /** After a reload: end subscriptions of peers that are gone or lost their mailbox. */
  reconcile(): void {
    for (const sub of [...this.table.values()]) if (!this.o.summary(sub.peer)) sub.transition('terminated', { reason: 'noresource' });
  }

  /** Shutdown: timers stopped, nothing more sent. */
  close(): void {
    this.closed = true;
    for (const sub of this.table.values()) sub.destroy();
    this.table.clear();
  }

  private refresh(
    tx: ServerTransaction,
    req: SipRequest,
    source: Endpoint,
    peer: string,
    seconds: number,
    reply: (status: number, reason?: string, tag?: string) => SipResponse,
  ): void {
    const key = dialogKey(callId(req), toTag(req) ?? '', fromTag(req) ?? '');
    const sub = this.table.get(key);
    if (!sub || sub.state !== 'active') return this.o.respond(tx, reply(481, 'Subscription Does Not Exist'));
    if (sub.peer !== peer) return this.o.respond(tx, reply(403));
    const bad = sub.dialog.checkRequest(req);
    if (bad) return this.o.respond(tx, reply(bad.status, bad.reason));
    sub.dialog.refreshTarget(req);
    sub.dest = this.destFor(peer, sub.dialog, source);
    this.o.respond(tx, this.ok(req, sub.dialog.state.localTag, seconds, sub.dest));
    if (seconds === 0) {
      this.o.log?.('info', `MWI subscription from '${peer}' (${sub.dialog.state.callId}) ended`);
      sub.transition('terminated', { reason: 'timeout' });
      return;
    }
    sub.transition('active', { seconds });
    sub.notify();
  }

  private ok(req: SipRequest, localTag: string, seconds: number, dest: Endpoint): SipResponse {
    const res = createResponse(req, 200, 'OK', localTag);
    const me = this.o.advertise(dest);
    const host = me.host.includes(':') ? `[${me.host}]` : me.host;
    setHeader(res, 'Expires', String(seconds));
    const transport = dest.protocol === 'TCP' || dest.protocol === 'TLS' ? `;transport=${dest.protocol.toLowerCase()}` : '';
    setHeader(res, 'Contact', `<sip:pbx@${host}:${me.port}${transport}>`);
    return res;
  }

  private destFor(peer: string, dialog: Dialog, source: Endpoint): Endpoint {
    if (this.o.symmetric(peer)) return { ...source };
    try {
      return uriEndpoint(dialog.nextHop());
    } catch {
      return { ...source };
    }
  }

  private forPeer(peer: string): MwiSubscription[] {
    return [...this.table.values()].filter((s) => s.peer === peer && s.state === 'active');
  }

  private env() {
    return {
      clock: this.o.clock,
      transactions: this.o.transactions,
      advertise: (d: Endpoint) => this.o.advertise(d),
      userAgent: this.o.userAgent,
      body: (sub: MwiSubscription) => {
        const s = this.o.summary(sub.peer);
        const host = this.o.advertise(sub.dest).host;
        return formatMessageSummary(messageAccount(s?.box ?? sub.peer, host), s?.counts ?? { newMessages: 0, oldMessages: 0, urgentNew: 0, urgentOld: 0 });
      },
      ended: (sub: MwiSubscription, reason: TerminationReason) => {
        if (this.table.get(sub.id) === sub) this.table.delete(sub.id);
        if (reason === 'gone') this.o.log?.('info', `MWI subscription of '${sub.peer}' (${sub.dialog.state.callId}) dropped: the phone no longer answers for it`);
      },
    };
  }
}

/** `Event: message-summary;id=2` -> package and id (RFC 6665 8.2.1; package names are case-insensitive tokens). */
function parseEvent(value: string | undefined): { pkg: string; id?: string } | undefined {
  if (value === undefined) return undefined;
  const [pkgPart, ...params] = value.split(';');
  const pkg = (pkgPart ?? '').trim().toLowerCase();
  if (!pkg) return undefined;
  let id: string | undefined;
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq > 0 && p.slice(0, eq).trim().toLowerCase() === 'id') id = p.slice(eq + 1).trim();
  }
  return id !== undefined ? { pkg, id } : { pkg };
}

function acceptsSummary(accept: string): boolean {
  return accept.split(',').some((t) => {
    const type = (t.split(';')[0] ?? '').trim().toLowerCase();
    return type === MESSAGE_SUMMARY_TYPE || type === 'application/*' || type === '*/*';
  });
}

function parseExpires(v: string | undefined): number | undefined | 'bad' {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!/^\d{1,10}$/.test(t)) return 'bad';
  return Number(t);
}

