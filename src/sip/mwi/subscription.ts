/**
 * One `message-summary` subscription at the notifier (RFC 6665 section 4.2), in the dialog its
 * SUBSCRIBE created. States (4.1.2: we authorise at once, so there is no `pending`):
 *
 *   active      after the 200 to SUBSCRIBE; a refresh (re-SUBSCRIBE, 4.2.1.2) stays active with
 *               a new expiry; the expiry timer (4.2.2: the notifier sends a final NOTIFY when a
 *               subscription expires) ends it
 *   terminated  expired, Expires: 0 (4.2.1.4), a 481/timeout/transport error for a NOTIFY
 *               (4.2.2: the subscription is gone at the subscriber), or shutdown
 *
 * `transition()` is the only place the state changes and owns the expiry timer. NOTIFYs go
 * through an OrderedSender: one in flight, the newest waiting, each built when sent.
 */
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { Dialog } from '../dialog/dialog.ts';
import type { SipHeader, SipRequest } from '../message/types.ts';
import type { ClientTransaction, ClientTransactionUser } from '../transaction/types.ts';
import type { Endpoint } from '../transport/types.ts';
import { MESSAGE_SUMMARY_EVENT, MESSAGE_SUMMARY_TYPE } from './message-summary.ts';
import { OrderedSender, type NotifyOutcome } from './ordered-sender.ts';

export type SubscriptionState = 'active' | 'terminated';

/** Why a subscription ended (the `reason` of a terminated Subscription-State, RFC 6665 4.1.3). */
export type TerminationReason = 'timeout' | 'noresource' | 'deactivated' | 'gone';

export interface SubscriptionTransactions {
  sendRequest(req: SipRequest, dest: Endpoint, user: ClientTransactionUser): ClientTransaction;
}

export interface SubscriptionEnvironment {
  clock: Clock;
  transactions: SubscriptionTransactions;
  advertise(dest: Endpoint): { host: string; port: number };
  userAgent?: string;
  /** The body to send now for this subscription (the newest counts). */
  body(sub: MwiSubscription): string;
  /** The subscription has ended; the owner removes it from its table. */
  ended(sub: MwiSubscription, reason: TerminationReason): void;
}

const LEGAL: Readonly<Record<SubscriptionState, readonly SubscriptionState[]>> = {
  active: ['active', 'terminated'],
  terminated: [],
};

export class MwiSubscription {
  private stateValue: SubscriptionState = 'active';
  private timer: TimerHandle | undefined;
  private readonly sender = new OrderedSender();
  /** Monotonic ms at which the subscription expires. */
  expiresAt = 0;
  /** NOTIFYs sent (tests and `sip show subscriptions`). */
  notifies = 0;

  constructor(
    private readonly env: SubscriptionEnvironment,
    readonly peer: string,
    readonly dialog: Dialog,
    /** Where NOTIFYs go (the SUBSCRIBE's source for nat=yes peers, else the Contact's host). */
    public dest: Endpoint,
    /** The Event header's id parameter, echoed in every NOTIFY (RFC 6665 8.2.1). */
    readonly eventId: string | undefined,
  ) {}

  get state(): SubscriptionState {
    return this.stateValue;
  }

  get id(): string {
    return this.dialog.id;
  }

  /** Seconds left, rounded up, never negative. */
  remainingSeconds(): number {
    return Math.max(0, Math.ceil((this.expiresAt - this.env.clock.now()) / 1000));
  }

  /**
   * The only state change. To `active` (again): expires in `seconds`, the timer restarted.
   * To `terminated`: the timer stopped, a final NOTIFY sent unless the subscriber is gone.
   */
  transition(to: SubscriptionState, opts: { seconds?: number; reason?: TerminationReason } = {}): void {
    const from = this.stateValue;
    if (!LEGAL[from].includes(to)) throw new Error(`subscription ${this.peer}: illegal transition ${from} -> ${to}`);
    this.stateValue = to;
    this.timer?.cancel();
    this.timer = undefined;
    if (to === 'active') {
      const ms = (opts.seconds ?? 0) * 1000;
      this.expiresAt = this.env.clock.now() + ms;
      this.timer = this.env.clock.setTimeout(() => {
        this.timer = undefined;
        if (this.stateValue === 'active') this.transition('terminated', { reason: 'timeout' });
      }, ms);
      return;
    }
    const reason = opts.reason ?? 'timeout';
    if (reason !== 'gone') this.submitNotify(`terminated;reason=${reason}`);
    this.sender.close();
    this.env.ended(this, reason);
  }

  /** Send the current summary (after the SUBSCRIBE's 200, and whenever the counts change). */
  notify(): void {
    if (this.stateValue !== 'active') return;
    this.submitNotify(undefined);
  }

  /** Shutdown: stop the timer, send nothing more. */
  destroy(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.sender.close();
    this.stateValue = 'terminated';
  }

  private submitNotify(terminated: string | undefined): void {
    this.sender.submit((done) => {
      // Built at send time: newest counts, Subscription-State with the time then left.
      const state = terminated ?? `active;expires=${this.remainingSeconds()}`;
      const req = this.build(state);
      this.notifies++;
      const finish = (o: NotifyOutcome): void => {
        done(o);
        this.onOutcome(o);
      };
      this.env.transactions.sendRequest(req, this.dest, {
        onResponse: (res) => {
          if (res.status >= 200) finish({ status: res.status });
        },
        onTimeout: () => finish('timeout'),
        onTransportError: () => finish('error'),
      });
    });
  }

  /** RFC 6665 4.2.2: a 481, a timeout or an unreachable subscriber removes the subscription. */
  private onOutcome(o: NotifyOutcome): void {
    if (this.stateValue !== 'active') return;
    if (o === 'timeout' || o === 'error' || o.status === 481 || o.status === 408) this.transition('terminated', { reason: 'gone' });
  }

  private build(subscriptionState: string): SipRequest {
    const me = this.env.advertise(this.dest);
    const host = me.host.includes(':') ? `[${me.host}]` : me.host;
    const transport = this.dest.protocol === 'TCP' || this.dest.protocol === 'TLS' ? this.dest.protocol : 'UDP';
    const headers: SipHeader[] = [
      { name: 'Event', value: this.eventId !== undefined ? `${MESSAGE_SUMMARY_EVENT};id=${this.eventId}` : MESSAGE_SUMMARY_EVENT },
      { name: 'Subscription-State', value: subscriptionState },
    ];
    if (this.env.userAgent !== undefined) headers.push({ name: 'User-Agent', value: this.env.userAgent });
    return this.dialog.createRequest('NOTIFY', {
      via: `SIP/2.0/${transport} ${host}:${me.port};rport`,
      contact: `<sip:pbx@${host}:${me.port}${transport === 'UDP' ? '' : `;transport=${transport.toLowerCase()}`}>`,
      body: this.env.body(this),
      contentType: MESSAGE_SUMMARY_TYPE,
      headers,
    });
  }
}
