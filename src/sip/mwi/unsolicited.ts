/**
 * Unsolicited MWI, as Asterisk's chan_sip sends it to a registered peer with `mailbox=`: an
 * out-of-dialog NOTIFY (Event: message-summary, Subscription-State: active) to each contact
 * the peer registered, with no SUBSCRIBE before it. Phones that never subscribe (most desk
 * phones configured for Asterisk) light their lamp from these.
 *
 * Each NOTIFY is a new non-INVITE client transaction with its own Call-ID. Per contact, one is
 * in flight at a time and only the newest waits (OrderedSender), so a slow or dead phone never
 * receives an older summary after a newer one. A guard shorter than Timer F frees the contact
 * for the next summary when a phone does not answer.
 */
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import { parseUri } from '../message/headers.ts';
import { newBranch, newCallId, newTag } from '../message/ids.ts';
import type { SipHeader, SipRequest } from '../message/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { formatMessageSummary, messageAccount, MESSAGE_SUMMARY_EVENT, MESSAGE_SUMMARY_TYPE, type MessageSummaryCounts } from './message-summary.ts';
import { OrderedSender, type NotifyOutcome } from './ordered-sender.ts';
import type { SubscriptionTransactions } from './subscription.ts';

/** A registered contact of the peer: the Request-URI and where to send. */
export interface MwiContact {
  uri: string;
  reach: Endpoint;
}

export interface UnsolicitedMwiOptions {
  clock: Clock;
  transactions: SubscriptionTransactions;
  advertise(dest: Endpoint): { host: string; port: number };
  userAgent?: string;
  /** Give up waiting for a NOTIFY's answer after this (default 8 s; Timer F is 32 s). */
  guardMs?: number;
  /** Every finished NOTIFY (tests, debug logging). */
  onOutcome?(peer: string, contact: MwiContact, outcome: NotifyOutcome): void;
}

export class UnsolicitedMwi {
  private readonly senders = new Map<string, OrderedSender>();
  private readonly guards = new Set<TimerHandle>();
  private closed = false;

  constructor(private readonly o: UnsolicitedMwiOptions) {}

  /** Queue a NOTIFY with `counts` for `box` to one contact of `peer`. */
  send(peer: string, contact: MwiContact, box: string, counts: MessageSummaryCounts): void {
    if (this.closed) return;
    let uri: SipRequest['uri'];
    try {
      uri = parseUri(contact.uri);
    } catch {
      return;
    }
    const key = `${peer}\n${contact.uri}\n${contact.reach.protocol}:${contact.reach.address}:${contact.reach.port}`;
    let sender = this.senders.get(key);
    if (!sender) {
      sender = new OrderedSender();
      this.senders.set(key, sender);
    }
    const snapshot = { ...counts };
    sender.submit((done) => {
      const req = this.build(uri, contact, box, snapshot);
      let finished = false;
      const finish = (outcome: NotifyOutcome): void => {
        if (finished) return;
        finished = true;
        guard.cancel();
        this.guards.delete(guard);
        if (outcome === 'timeout') tx.terminate();
        done(outcome);
        this.o.onOutcome?.(peer, contact, outcome);
      };
      const guard = this.o.clock.setTimeout(() => finish('timeout'), this.o.guardMs ?? 8000);
      this.guards.add(guard);
      const tx = this.o.transactions.sendRequest(req, contact.reach, {
        onResponse: (res) => {
          if (res.status >= 200) finish({ status: res.status });
        },
        onTimeout: () => finish('timeout'),
        onTransportError: () => finish('error'),
      });
    });
  }

  /** Drop the queues of contacts no longer registered (keeps the map from growing). */
  forget(peer: string, keep: readonly MwiContact[]): void {
    const wanted = new Set(keep.map((c) => `${peer}\n${c.uri}\n${c.reach.protocol}:${c.reach.address}:${c.reach.port}`));
    for (const [key, sender] of this.senders) {
      if (key.startsWith(`${peer}\n`) && !wanted.has(key) && !sender.busy) this.senders.delete(key);
    }
  }

  close(): void {
    this.closed = true;
    for (const s of this.senders.values()) s.close();
    this.senders.clear();
    for (const g of this.guards) g.cancel();
    this.guards.clear();
  }

  private build(uri: SipRequest['uri'], contact: MwiContact, box: string, counts: MessageSummaryCounts): SipRequest {
    const dest = contact.reach;
    const me = this.o.advertise(dest);
    const host = me.host.includes(':') ? `[${me.host}]` : me.host;
    const hostPort = `${host}:${me.port}`;
    const transport = dest.protocol === 'TCP' || dest.protocol === 'TLS' ? dest.protocol : 'UDP';
    const headers: SipHeader[] = [
      { name: 'Via', value: `SIP/2.0/${transport} ${hostPort};branch=${newBranch()};rport` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<sip:${box}@${host}>;tag=${newTag()}` },
      { name: 'To', value: `<${contact.uri}>` },
      { name: 'Call-ID', value: newCallId(me.host) },
      { name: 'CSeq', value: `1 NOTIFY` },
      { name: 'Contact', value: `<sip:pbx@${hostPort}>` },
      { name: 'Event', value: MESSAGE_SUMMARY_EVENT },
      { name: 'Subscription-State', value: 'active' },
      { name: 'Content-Type', value: MESSAGE_SUMMARY_TYPE },
    ];
    if (this.o.userAgent !== undefined) headers.push({ name: 'User-Agent', value: this.o.userAgent });
    const body = formatMessageSummary(messageAccount(box, me.host), counts);
    return { kind: 'request', method: 'NOTIFY', uri, headers, body };
  }
}
