/**
 * A SIP call leg as a Channel: an INVITE session (ours as UAS for a caller, as UAC towards a
 * callee) plus the RtpSession that carries its media through the PBX. The channel leaves the
 * registry, closes its RTP ports and tells its listeners exactly once, whoever ends it.
 */
import type { Clock } from '../platform/clock.ts';
import type { CallerId, Channel, ChannelState } from './channel.ts';
import { HANGUP_CAUSES, sipStatusForCause, type HangupCause } from '../core/hangup-causes.ts';
import type { ChannelRegistry } from '../core/channel-registry.ts';
import type { EventBus } from '../core/events.ts';
import type { RtpSession } from '../rtp/session.ts';
import type { InviteClientSession, InviteServerSession, SessionEnd } from '../sip/dialog/index.ts';
import { causeForSipStatus } from '../core/hangup-causes.ts';
import type { G711Format } from '../media/frame.ts';
import type { SessionDescription } from '../sip/sdp/index.ts';
import { RtpChannelMedia } from './channel-media.ts';

/** Asterisk's UNIQUEID: `<epoch seconds>.<sequence>`, unique over the process life. */
let uniqueSeq = 0;
export function nextUniqueId(wallMs: number): string {
  return `${Math.floor(wallMs / 1000)}.${uniqueSeq++}`;
}

export interface SipChannelOptions {
  name: string;
  direction: 'inbound' | 'outbound';
  peer: string;
  callerId: CallerId;
  context: string;
  exten: string;
  clock: Clock;
  registry: ChannelRegistry;
  rtpTimeoutMs: number;
  /** The RTP timeout while the call is on hold (0: none, Asterisk's rtpholdtimeout default). */
  rtpHoldTimeoutMs?: number;
  onRtpTimeout?(channel: SipChannel): void;
  /** Max-Forwards the request that created this leg carried (70 when we started it). */
  maxForwards?: number;
}

/**
 * What we last told this leg's peer in SDP: the o= session id and version (RFC 3264 8: every new
 * offer or answer increments the version), and the offer we made when we were the offerer.
 */
export interface LocalSdp {
  address: string;
  sessionId: number;
  version: number;
  /** Our last offer towards this leg (outbound legs, re-INVITEs): parseAnswer needs it. */
  offer?: SessionDescription;
  /** Where the peer's SDP last said to send RTP (a change resets RTP latching). */
  remote?: { address: string; port: number };
  /** We offered in a 2xx to a re-INVITE without SDP: the answer comes in the ACK. */
  pendingAckOffer?: boolean;
}

/** The cause a session end means when nobody chose one (a BYE, a callee's final response ...). */
export function causeForSessionEnd(end: SessionEnd): HangupCause {
  if (end.status !== undefined && end.status >= 300) return causeForSipStatus(end.status);
  if (end.by === 'timeout') return HANGUP_CAUSES.NO_ANSWER;
  if (end.by === 'error') return HANGUP_CAUSES.CONGESTION;
  return HANGUP_CAUSES.NORMAL_CLEARING;
}

export class SipChannel implements Channel {
  readonly tech = 'SIP';
  readonly name: string;
  readonly direction: 'inbound' | 'outbound';
  readonly peer: string;
  private currentState: ChannelState = 'Down';

  /** Asterisk's channel state; each change is a Newstate event. */
  get state(): ChannelState {
    return this.currentState;
  }
  set state(to: ChannelState) {
    if (to === this.currentState) return;
    this.currentState = to;
    this.o.registry.events.emit({ type: 'Newstate', channel: this });
  }

  /** The PBX's event bus (the registry's). */
  get eventBus(): EventBus {
    return this.o.registry.events;
  }
  callerId: CallerId;
  readonly uniqueId: string;
  context: string;
  exten: string;
  priority = 1;
  language = 'en';
  application = '';
  appData = '';
  format: G711Format | undefined;
  bridgedTo: string | undefined;
  readonly variables = new Map<string, string>();
  readonly createdAt: number;
  rtp: RtpSession | undefined;
  session: InviteServerSession | InviteClientSession | undefined;
  /** Our SDP answer for an inbound leg (sent with answer()). */
  answerSdp: string | undefined;
  /** Our side of the SDP exchange with this leg's peer (set by the driver). */
  localSdp: LocalSdp | undefined;
  /** The peer's media direction as it last said (sendonly/inactive: it holds the call). */
  remoteDirection: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' = 'sendrecv';
  /** Max-Forwards of the request that created the leg; outgoing legs get one less (RFC 3261 16.6). */
  readonly maxForwards: number;
  /** The SIP message that last moved this leg (`sip show channels` Last Message). */
  lastMessage = '';
  /** Call-ID of the leg's dialog and the peer's signalling address (`sip show channels`). */
  callId = '';
  peerAddress = '';
  /** Set once the channel is gone. */
  cause: HangupCause | undefined;
  private pendingCause: HangupCause | undefined;
  private readonly listeners: ((cause: HangupCause) => void)[] = [];
  private readonly hangupController = new AbortController();
  private channelMedia: RtpChannelMedia | undefined;
  private readonly holdListeners = new Set<(holding: boolean) => void>();

  constructor(private readonly o: SipChannelOptions) {
    this.name = o.name;
    this.direction = o.direction;
    this.peer = o.peer;
    this.callerId = o.callerId;
    this.context = o.context;
    this.exten = o.exten;
    this.maxForwards = o.maxForwards ?? 70;
    this.createdAt = o.clock.now();
    this.uniqueId = nextUniqueId(o.clock.wallNow());
    o.registry.add(this);
  }

  /** Aborted when the channel ends: dialplan applications waiting on it stop. */
  get hangupSignal(): AbortSignal {
    return this.hangupController.signal;
  }

  /** Audio and DTMF for dialplan applications, created on first use (undefined without RTP). */
  get media(): RtpChannelMedia | undefined {
    if (!this.channelMedia && this.rtp && !this.ended) this.channelMedia = new RtpChannelMedia(this.rtp, (e) => {
        // AMI DTMFBegin/DTMFEnd (RFC 4733 digits from the phone), only while someone listens.
        const bus = this.eventBus;
        if (!bus?.active) return;
        if (e.type === 'begin') bus.emit({ type: 'DTMFBegin', channel: this, digit: e.digit, direction: 'Received' });
        else bus.emit({ type: 'DTMFEnd', channel: this, digit: e.digit, direction: 'Received', durationMs: e.durationMs });
      });
    return this.channelMedia;
  }

  get ended(): boolean {
    return this.cause !== undefined;
  }

  onHangup(cb: (cause: HangupCause) => void): void {
    if (this.cause !== undefined) cb(this.cause);
    else this.listeners.push(cb);
  }

  /** Inbound: 180 Ringing to the caller (once). */
  ringing(): void {
    if (this.ended || this.state !== 'Ring' || this.direction !== 'inbound') return;
    this.state = 'Ringing';
    (this.session as InviteServerSession).ringing();
  }

  /** Inbound: 183 Session Progress with our SDP (early media: prompts before the answer). */
  progress(): void {
    if (this.ended || this.direction !== 'inbound' || !this.answerSdp) return;
    if (this.state !== 'Ring' && this.state !== 'Ringing') return;
    (this.session as InviteServerSession).progress(183, this.answerSdp);
  }

  /** Inbound: 200 OK with our SDP; the RTP timeout starts now (no media is due before). */
  answer(): void {
    if (this.ended || this.state === 'Up' || this.direction !== 'inbound' || !this.answerSdp) return;
    (this.session as InviteServerSession).answer(this.answerSdp);
    this.up();
  }

  /** The leg is answered: start watching for RTP. */
  up(): void {
    this.state = 'Up';
    this.applyRtpTimeout();
  }

  /** This leg's phone holds the call (its last offer said sendonly or inactive, or c=0.0.0.0). */
  get holding(): boolean {
    return this.remoteDirection === 'sendonly' || this.remoteDirection === 'inactive';
  }

  /** Hear this leg's phone put the call on hold (true) and take it back (false). */
  onHoldChange(cb: (holding: boolean) => void): () => void {
    this.holdListeners.add(cb);
    return () => this.holdListeners.delete(cb);
  }

  /** The driver saw the phone's direction change: tell the bridge when hold starts or ends. */
  setRemoteDirection(direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'): void {
    const was = this.holding;
    this.remoteDirection = direction;
    this.applyRtpTimeout();
    if (this.holding !== was) for (const l of [...this.holdListeners]) l(this.holding);
  }

  /** On hold (Asterisk's rtpholdtimeout applies instead of rtptimeout; `sip show channels` Hold). */
  get onHold(): boolean {
    return this.remoteDirection !== 'sendrecv';
  }

  /** The seconds-without-RTP limit that applies now (hold or not); 0 when none. */
  get rtpTimeoutMs(): number {
    return this.onHold ? (this.o.rtpHoldTimeoutMs ?? 0) : this.o.rtpTimeoutMs;
  }

  /** (Re)arm the RTP timeout for the current hold state; only once answered. */
  applyRtpTimeout(): void {
    if (this.state !== 'Up' || !this.rtp || this.ended) return;
    const ms = this.rtpTimeoutMs;
    this.rtp.events.onTimeout = ms > 0 ? () => this.o.onRtpTimeout?.(this) : undefined;
    this.rtp.setRtpTimeout(ms);
  }

  /**
   * Up: BYE. Inbound before the answer: the final response for the cause (486, 480 ...).
   * Outbound before the answer: CANCEL.
   */
  hangup(cause: HangupCause): void {
    if (this.ended) return;
    this.pendingCause = cause;
    const s = this.session;
    if (s && this.direction === 'inbound' && this.state !== 'Up') (s as InviteServerSession).reject(sipStatusForCause(cause));
    else s?.hangup();
    this.finish(cause);
  }

  /** The session reported its end (or we ended it): release everything, once. */
  sessionEnded(end: SessionEnd): void {
    this.finish(this.pendingCause ?? causeForSessionEnd(end));
  }

  finish(cause: HangupCause): void {
    if (this.cause !== undefined) return;
    this.cause = cause;
    this.o.registry.remove(this, cause);
    this.channelMedia?.detach();
    this.holdListeners.clear();
    this.hangupController.abort(new Error(`${this.name} hung up`));
    const rtp = this.rtp;
    if (rtp) {
      rtp.events = {};
      void rtp.close();
    }
    for (const l of this.listeners.splice(0)) l(cause);
  }
}
