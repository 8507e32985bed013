/**
 * Message waiting indication for SIP phones (issue #12 item 4), wired the way Asterisk's
 * chan_sip does it:
 * - a peer with `mailbox=` (pbx.conf phones get `EXT@default`) receives an unsolicited NOTIFY
 *   (sip/mwi/unsolicited.ts) at each of its registered contacts when it registers and whenever
 *   the counts of its boxes change (the voicemail spool's onChange);
 * - a phone that SUBSCRIBEs to `message-summary` gets its NOTIFYs in that dialog instead
 *   (sip/mwi/subscriptions.ts), as chan_sip uses the subscription when there is one;
 * - `mailbox=2000,2001@sales` reports the sums of the boxes; Message-Account names the first;
 * - an analog phone on an FXS port (its extension's box, `EXT@default`) gets stutter dial tone
 *   and an FSK VMWI message while its box has new messages (`setLineWaiting`), as chan_dahdi does.
 * Until a spool is attached (voicemail not configured or not started) every box counts as empty.
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import type { EventBus } from '../core/events.ts';
import type { SipPeer } from '../config/index.ts';
import { peerCredentials, peerForAuthName } from '../channels/peer-credentials.ts';
import { actionFor, type Credentials, type DigestAuthenticator } from '../sip/auth/digest.ts';
import type { AuthBanList } from '../sip/auth/ban.ts';
import { createResponse } from '../sip/message/headers.ts';
import { newTag } from '../sip/message/ids.ts';
import type { SipRequest, SipResponse } from '../sip/message/types.ts';
import type { ServerTransaction } from '../sip/transaction/types.ts';
import type { Endpoint } from '../sip/transport/types.ts';
import { NO_MESSAGES, parseMailboxList, sameCounts, sumCounts, type MailboxRef, type MessageSummaryCounts } from '../sip/mwi/message-summary.ts';
import { MwiSubscriptions, type SubscribeAuthResult, type SubscriptionInfo } from '../sip/mwi/subscriptions.ts';
import type { SubscriptionTransactions } from '../sip/mwi/subscription.ts';
import { UnsolicitedMwi, type MwiContact } from '../sip/mwi/unsolicited.ts';
import type { NotifyOutcome } from '../sip/mwi/ordered-sender.ts';
import type { MessageCounts, VoicemailSpool } from '../store/voicemail-types.ts';

/** The part of the voicemail spool MWI reads. */
export type MwiSpool = Pick<VoicemailSpool, 'counts' | 'onChange'>;

/** What MWI needs to know of a SIP peer. */
export interface MwiPeer {
  name: string;
  /** sip.conf `mailbox=` as written. */
  mailbox?: string;
  nat: boolean;
}

export interface MwiLog {
  verbose(level: number, msg: string): void;
  warning(msg: string): void;
  debug?(level: number, msg: string): void;
}

export interface MwiServiceOptions {
  clock: Clock;
  transactions: SubscriptionTransactions;
  advertise(dest: Endpoint): { host: string; port: number };
  userAgent?: string;
  /** Every configured peer (read at each event, so a reload is seen at once). */
  peers(): Iterable<MwiPeer>;
  /** The peer's registered contacts, most recent first. */
  contacts(peer: string): MwiContact[];
  authenticate(req: SipRequest, source: Endpoint): SubscribeAuthResult;
  respond(tx: ServerTransaction, res: SipResponse): void;
  log?: MwiLog;
  /** Wait after a registration before its NOTIFY, so the 200 to REGISTER goes first (default 100 ms). */
  registrationDelayMs?: number;
  onOutcome?(peer: string, contact: MwiContact, outcome: NotifyOutcome): void;
  /** FXS ports with the mailbox of their extension (read at each event). */
  lines?(): Iterable<MwiLine>;
  /** Switch a port's message waiting state (stutter dial tone, VMWI lamp). */
  setLineWaiting?(port: number, on: boolean): void;
  /** Where a box's new counts are reported (AMI MessageWaiting). */
  events?: EventBus;
}

/** An analog phone's port and its mailbox (`box@context`). */
export interface MwiLine {
  port: number;
  mailbox: string;
}

export class MwiService {
  readonly subscriptions: MwiSubscriptions;
  private readonly unsolicited: UnsolicitedMwi;
  private spool: MwiSpool | undefined;
  private detach: (() => void) | undefined;
  /** Counts last sent unsolicited per peer: a spool change that leaves a peer's sums alone sends nothing. */
  private readonly lastSent = new Map<string, MessageSummaryCounts>();
  private readonly timers = new Set<TimerHandle>();
  /** Message waiting state last given to each FXS port. */
  private readonly lineState = new Map<number, boolean>();
  private closed = false;

  constructor(private readonly o: MwiServiceOptions) {
    this.unsolicited = new UnsolicitedMwi({
      clock: o.clock,
      transactions: o.transactions,
      advertise: o.advertise,
      userAgent: o.userAgent,
      onOutcome: (peer, contact, outcome) => {
        if (outcome === 'timeout' || outcome === 'error') o.log?.debug?.(1, `MWI NOTIFY to '${peer}' at ${contact.uri}: ${outcome}`);
        o.onOutcome?.(peer, contact, outcome);
      },
    });
    this.subscriptions = new MwiSubscriptions({
      clock: o.clock,
      transactions: o.transactions,
      advertise: o.advertise,
      userAgent: o.userAgent,
      authenticate: o.authenticate,
      respond: o.respond,
      symmetric: (name) => this.peer(name)?.nat ?? false,
      summary: (name) => {
        const boxes = this.boxesOf(name);
        const first = boxes[0];
        return first ? { box: first.box, counts: this.countsOf(boxes) } : undefined;
      },
      log: (level, msg) => (level === 'warn' ? o.log?.warning(msg) : o.log?.verbose(3, msg)),
    });
  }

  /** The voicemail spool, once voicemail runs; the counts of every peer are sent again. */
  attachSpool(spool: MwiSpool): void {
    this.detach?.();
    this.spool = spool;
    this.detach = spool.onChange((c) => this.onSpoolChange(c.context, c.box));
    for (const p of this.o.peers()) if (parseMailboxList(p.mailbox).length > 0) this.refreshPeer(p.name, false);
    this.refreshLines(undefined);
  }

  /** A SUBSCRIBE from the stack. */
  handleSubscribe(tx: ServerTransaction, req: SipRequest, source: Endpoint): void {
    this.subscriptions.handleSubscribe(tx, req, source);
  }

  /** The registrar registered or refreshed a contact of `peer`: tell it its counts. */
  onRegistration(kind: 'registered' | 'refreshed' | 'unregistered' | 'expired', peer: string): void {
    if (this.closed) return;
    if (kind === 'unregistered' || kind === 'expired') {
      this.unsolicited.forget(peer, this.o.contacts(peer));
      return;
    }
    if (this.boxesOf(peer).length === 0) return;
    const t = this.o.clock.setTimeout(() => {
      this.timers.delete(t);
      this.refreshPeer(peer, true);
    }, this.o.registrationDelayMs ?? 100);
    this.timers.add(t);
  }

  /** The summed counts of a peer's boxes now (zeros without a spool). */
  countsFor(peer: string): MessageSummaryCounts {
    return this.countsOf(this.boxesOf(peer));
  }

  list(): SubscriptionInfo[] {
    return this.subscriptions.list();
  }

  /** After a reload: subscriptions of peers without a mailbox end; sums are sent again where they moved. */
  reconcile(): void {
    this.subscriptions.reconcile();
    for (const p of this.o.peers()) if (parseMailboxList(p.mailbox).length > 0) this.refreshPeer(p.name, false);
    this.refreshLines(undefined);
  }

  /** Whether an FXS port was last told its box has new messages. */
  lineWaiting(port: number): boolean {
    return this.lineState.get(port) ?? false;
  }

  close(): void {
    this.closed = true;
    this.detach?.();
    this.detach = undefined;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.subscriptions.close();
    this.unsolicited.close();
  }

  private onSpoolChange(context: string, box: string): void {
    if (this.closed) return;
    if (this.o.events?.active) {
      const c = this.countsOf([{ box, context }]);
      this.o.events.emit({ type: 'MessageWaiting', mailbox: `${box}@${context}`, waiting: c.newMessages > 0, newMessages: c.newMessages, oldMessages: c.oldMessages });
    }
    for (const p of this.o.peers()) {
      if (parseMailboxList(p.mailbox).some((b) => b.box === box && b.context === context)) this.refreshPeer(p.name, false);
    }
    this.refreshLines({ box, context });
  }

  /**
   * FXS ports (all, or those on `only`'s box): switched when their state differs from the last
   * given. A port starts as "no messages" (a phone's lamp is off until told), so a start with
   * empty boxes sends nothing to the phones.
   */
  private refreshLines(only: MailboxRef | undefined): void {
    if (!this.o.lines || !this.o.setLineWaiting) return;
    for (const line of this.o.lines()) {
      const boxes = parseMailboxList(line.mailbox);
      if (only && !boxes.some((b) => b.box === only.box && b.context === only.context)) continue;
      const on = this.countsOf(boxes).newMessages > 0;
      if ((this.lineState.get(line.port) ?? false) === on) continue;
      this.lineState.set(line.port, on);
      try {
        this.o.setLineWaiting(line.port, on);
      } catch (e) {
        this.o.log?.warning(`MWI: cannot set message waiting on port ${line.port}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /**
   * Send a peer its counts: in its subscriptions when it has any (chan_sip's habit), else
   * unsolicited to each registered contact. `force` sends even when the sums did not move
   * (a phone that just registered has forgotten what it was told).
   */
  private refreshPeer(peer: string, force: boolean): void {
    if (this.closed) return;
    const boxes = this.boxesOf(peer);
    const first = boxes[0];
    if (!first) return;
    const counts = this.countsOf(boxes);
    if (this.subscriptions.hasSubscription(peer)) {
      const last = this.lastSent.get(peer);
      if (!force && last && sameCounts(last, counts)) return;
      this.lastSent.set(peer, counts);
      this.subscriptions.notifyPeer(peer);
      return;
    }
    const contacts = this.o.contacts(peer);
    if (contacts.length === 0) return;
    const last = this.lastSent.get(peer);
    if (!force && last && sameCounts(last, counts)) return;
    this.lastSent.set(peer, counts);
    for (const c of contacts) this.unsolicited.send(peer, c, first.box, counts);
  }

  private peer(name: string): MwiPeer | undefined {
    for (const p of this.o.peers()) if (p.name === name) return p;
    return undefined;
  }

  private boxesOf(name: string): MailboxRef[] {
    return parseMailboxList(this.peer(name)?.mailbox);
  }

  private countsOf(boxes: readonly MailboxRef[]): MessageSummaryCounts {
    const spool = this.spool;
    if (!spool) return { ...NO_MESSAGES };
    const list: MessageCounts[] = [];
    for (const b of boxes) {
      try {
        list.push(spool.counts(b.context, b.box));
      } catch (e) {
        this.o.log?.warning(`MWI: cannot count messages of ${b.box}@${b.context}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return sumCounts(list);
  }
}

export interface SubscribeAuthDeps {
  auth: DigestAuthenticator;
  bans: AuthBanList;
  peers(): Iterable<SipPeer>;
  log?: MwiLog;
}

/**
 * SUBSCRIBE is authenticated like INVITE (sip-driver.ts) and REGISTER: a 401 challenge, 403 for
 * an unknown user or a wrong password (counted against the source's ban), 401 stale=true for an
 * old nonce. The peer is found by name or defaultuser.
 */
export function subscribeAuthenticator(d: SubscribeAuthDeps): (req: SipRequest, source: Endpoint) => SubscribeAuthResult {
  return (req, source) => {
    const peerFor = (username: string): SipPeer | undefined => peerForAuthName(d.peers(), username);
    const lookup = (username: string): Credentials | undefined => peerCredentials(peerFor(username), username);
    const result = d.auth.verify(req, lookup, source);
    if (result.ok) {
      d.bans.recordSuccess(source.address);
      const peer = peerFor(result.username);
      return peer ? { ok: true, peer: peer.name } : { ok: false, response: createResponse(req, 403, undefined, newTag()) };
    }
    switch (actionFor(result.reason)) {
      case 'challenge':
        return { ok: false, response: d.auth.challenge(req, { source }) };
      case 'challenge-stale':
        return { ok: false, response: d.auth.challenge(req, { source, stale: true }) };
      case 'bad-request':
        return { ok: false, response: createResponse(req, 400, result.reason === 'bad-uri' ? 'Digest URI Mismatch' : 'Bad Authorization Header', newTag()) };
      case 'forbidden': {
        const banned = d.bans.recordFailure(source.address);
        d.log?.warning(`SUBSCRIBE from ${source.address}:${source.port} rejected: wrong password or unknown user${banned ? ' (source banned)' : ''}`);
        return { ok: false, response: createResponse(req, 403, undefined, newTag()) };
      }
    }
  };
}
