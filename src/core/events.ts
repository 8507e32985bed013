/**
 * The PBX's event bus (DESIGN.md: "events bus (feeds AMI, CDR, logs)"): what happens to channels,
 * bridges, peers, registrations and mailboxes, as typed events that consumers (the manager
 * interface, call records) turn into their own formats. Emitters never wait: listeners run
 * synchronously at the moment of the change, so a listener that needs a channel's fields copies
 * them there (the channel keeps changing afterwards). A listener that throws is logged once per
 * listener through `onListenerError` and never disturbs the emitter or the other listeners.
 *
 * Names follow Asterisk's AMI events, so the manager can pass them through nearly 1:1; the
 * channel is the live object (its name, uniqueId, state, caller ID, dialplan position).
 */
import type { HangupCause } from './hangup-causes.ts';

/** What an event needs to describe a channel (SipChannel and DahdiChannel have all of it). */
export interface EventChannel {
  readonly name: string;
  readonly uniqueId: string;
  readonly tech: string;
  readonly state: 'Down' | 'Ring' | 'Ringing' | 'Up' | 'Busy';
  readonly callerId: { name?: string; number?: string; presentation?: string };
  readonly context: string;
  readonly exten: string;
  /** Absent on channels that never ran the dialplan (outbound legs start at 1). */
  readonly priority?: number;
  readonly language?: string;
  readonly application: string;
  readonly appData: string;
  readonly variables: Map<string, string>;
  /** The following are absent only on the dialplan's narrower view of a channel. */
  readonly bridgedTo?: string | undefined;
  /** Clock ms at creation. */
  readonly createdAt?: number;
  readonly direction?: 'inbound' | 'outbound';
}

export type PbxEvent =
  /** A channel exists (registry.add): an inbound call arrived or Dial placed a leg. */
  | { type: 'Newchannel'; channel: EventChannel }
  /** The channel's state changed (Ring, Ringing, Up ...). */
  | { type: 'Newstate'; channel: EventChannel }
  /** The channel's caller ID changed (Set(CALLERID(num)=...), SET CALLERID). */
  | { type: 'NewCallerid'; channel: EventChannel }
  /** The dialplan is about to run a priority of the channel. */
  | { type: 'Newexten'; channel: EventChannel; context: string; exten: string; priority: number; application: string; appData: string }
  /** A channel variable was set by the dialplan (Set, MSet, AGI SET VARIABLE ...). */
  | { type: 'VarSet'; channel: EventChannel; variable: string; value: string }
  /** The channel is gone (registry.remove), with the Q.850 cause. */
  | { type: 'Hangup'; channel: EventChannel; cause: HangupCause }
  /** Dial placed `destination` for `caller`; `dialString` as written (`SIP/2001`). */
  | { type: 'DialBegin'; caller: EventChannel; destination: EventChannel; dialString: string }
  /** That leg's attempt is over: ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL. */
  | { type: 'DialEnd'; caller: EventChannel; destination: EventChannel; dialStatus: string }
  /** A channel joined or left a two-party bridge; `bridgeId` is stable for the bridge's life. */
  | { type: 'BridgeEnter'; bridgeId: string; bridgeType: string; channel: EventChannel; numChannels: number }
  | { type: 'BridgeLeave'; bridgeId: string; bridgeType: string; channel: EventChannel; numChannels: number }
  /** A DTMF digit began or ended on a channel (`Received` from its phone, `Sent` to it). */
  | { type: 'DTMFBegin'; channel: EventChannel; digit: string; direction: 'Received' | 'Sent' }
  | { type: 'DTMFEnd'; channel: EventChannel; digit: string; direction: 'Received' | 'Sent'; durationMs: number }
  /** A SIP peer registered, unregistered or changed reachability (qualify). */
  | { type: 'PeerStatus'; peer: string; status: 'Registered' | 'Unregistered' | 'Reachable' | 'Unreachable' | 'Lagged'; address?: string; cause?: string; timeMs?: number }
  /** An outbound registration (sip.conf `register =>`) changed state. */
  | { type: 'Registry'; domain: string; username: string; status: string; cause?: string }
  /** A mailbox's message counts changed (or were announced). */
  | { type: 'MessageWaiting'; mailbox: string; waiting: boolean; newMessages: number; oldMessages: number }
  /** A call record was written (the CDR engine emits it for the manager). */
  | { type: 'Cdr'; fields: Readonly<Record<string, string>> }
  /** The PBX is up (all configuration applied, sockets bound). */
  | { type: 'FullyBooted'; status: string };

export type PbxEventType = PbxEvent['type'];
export type PbxEventListener = (event: PbxEvent) => void;

export class EventBus {
  private readonly listeners = new Set<PbxEventListener>();
  private readonly failed = new WeakSet<PbxEventListener>();

  /** Where a throwing listener is reported (once per listener); silent when unset. */
  onListenerError: ((error: unknown) => void) | undefined;

  /** Hear every event; returns the function that stops listening. */
  on(listener: PbxEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether anybody listens (emitters may skip building costly events when nobody does). */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  emit(event: PbxEvent): void {
    if (this.listeners.size === 0) return;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        if (!this.failed.has(l)) {
          this.failed.add(l);
          this.onListenerError?.(e);
        }
      }
    }
  }
}

/** Bridge ids: unique over the process life, like Asterisk's bridge UUIDs but short. */
let bridgeSeq = 0;
export function nextBridgeId(): string {
  bridgeSeq = (bridgeSeq + 1) >>> 0;
  return `bridge-${bridgeSeq.toString(16).padStart(8, '0')}`;
}
