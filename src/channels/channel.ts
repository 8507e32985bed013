/**
 * The Channel every technology implements (DESIGN.md): a named call leg with a state, caller
 * ID, where it is in the dialplan, its media format, and a way to hang it up with a Q.850 cause.
 * Media lives behind `rtp` for now (the only technology is SIP); bridges relay between two legs'
 * RTP sessions.
 */
import type { HangupCause } from '../core/hangup-causes.ts';
import type { RtpSession } from '../rtp/session.ts';
import type { EventBus } from '../core/events.ts';

/** Asterisk's channel states (the subset a SIP leg goes through). */
export type ChannelState = 'Down' | 'Ring' | 'Ringing' | 'Up' | 'Busy';

export interface CallerId {
  name?: string;
  number?: string;
  /** Asterisk presentation name (allowed_not_screened, prohib ...), set by SetCallerPres. */
  presentation?: string;
}

/**
 * Whether a presentation lets the number be shown: unset and allowed* do; prohib* and
 * unavailable do not (Asterisk's AST_PRES_RESTRICTION bits other than AST_PRES_ALLOWED).
 */
export function presentationAllowed(presentation: string | undefined): boolean {
  return presentation === undefined || presentation.startsWith('allowed');
}

export interface Channel {
  readonly name: string;
  /** Asterisk's UNIQUEID: `<epoch>.<sequence>`. */
  readonly uniqueId: string;
  /** Dialplan priority (1 until the dialplan moves it). */
  priority?: number;
  language?: string;
  readonly tech: string;
  readonly direction: 'inbound' | 'outbound';
  state: ChannelState;
  callerId: CallerId;
  /** Dialplan position: context, extension, and the application running with its data. */
  context: string;
  exten: string;
  application: string;
  appData: string;
  /** Negotiated audio format (ulaw, alaw), once known. */
  format: string | undefined;
  /** Name of the channel this one is bridged with. */
  bridgedTo: string | undefined;
  readonly variables: Map<string, string>;
  /** Clock ms when the channel was created. */
  readonly createdAt: number;
  readonly rtp: RtpSession | undefined;
  /** The PBX's event bus (the registry's), where Dial and bridges report what they do. */
  readonly eventBus?: EventBus;
  /** Hang up with a cause: BYE when up, a final response (inbound) or CANCEL (outbound) before. */
  hangup(cause: HangupCause): void;
}
