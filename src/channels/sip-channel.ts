/**
 * A SIP call leg as a Channel: an INVITE session (ours as UAS for a caller, as UAC towards a
 * callee) plus the RtpSession that carries its media through the PBX. The channel leaves the
 * registry, closes its RTP ports and tells its listeners exactly once, whoever ends it.
 */
import type { Clock } from '../platform/clock.ts';
import type { CallerId, Channel, ChannelState } from './channel.ts';
import { HANGUP_CAUSES, sipStatusForCause, type HangupCause } from '../core/hangup-causes.ts';
import type { ChannelRegistry } from '../core/channel-registry.ts';
import type { RtpSession } from '../rtp/session.ts';
import type { InviteClientSession, InviteServerSession, SessionEnd } from '../sip/dialog/index.ts';
import { causeForSipStatus } from '../core/hangup-causes.ts';
import type { G711Format } from '../media/frame.ts';
import { RtpChannelMedia } from './channel-media.ts';

/** Asterisk's UNIQUEID: `<epoch seconds>.<sequence>`, unique over the process life. */
let uniqueSeq = 0;
function nextUniqueId(wallMs: number): string {
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
  onRtpTimeout?(channel: SipChannel): void;
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
  state: ChannelState = 'Down';
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
  /** Set once the channel is gone. */
  cause: HangupCause | undefined;
  private pendingCause: HangupCause | undefined;
  private readonly listeners: ((cause: HangupCause) => void)[] = [];
  private readonly hangupController = new AbortController();
  private channelMedia: RtpChannelMedia | undefined;

  constructor(private readonly o: SipChannelOptions) {
    this.name = o.name;
    this.direction = o.direction;
    this.peer = o.peer;
    this.callerId = o.callerId;
    this.context = o.context;
    this.exten = o.exten;
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
    if (!this.channelMedia && this.rtp && !this.ended) this.channelMedia = new RtpChannelMedia(this.rtp);
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
    if (this.o.rtpTimeoutMs > 0 && this.rtp) {
      this.rtp.events.onTimeout = () => this.o.onRtpTimeout?.(this);
      this.rtp.setRtpTimeout(this.o.rtpTimeoutMs);
    }
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
    this.o.registry.remove(this);
    this.channelMedia?.detach();
    this.hangupController.abort(new Error(`${this.name} hung up`));
    const rtp = this.rtp;
    if (rtp) {
      rtp.events = {};
      void rtp.close();
    }
    for (const l of this.listeners.splice(0)) l(cause);
  }
}
