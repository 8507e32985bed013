/**
 * What the call actions need from the PBX (`CallActionDeps`, filled in by the runtime) and the
 * plain data they exchange with it.
 */
/** Where an originated channel goes once answered: a dialplan place, or one application. */
export type OriginateTarget =
  | { kind: 'exten'; context: string; exten: string; priority: number }
  | { kind: 'app'; application: string; data: string };

export interface OriginateRequest {
  /** `SIP/2000`, `SIP/trunk/5551234`, `DAHDI/1`, `DAHDI/g1/5551234`. */
  channel: string;
  target: OriginateTarget;
  /** How long the channel may ring before the attempt is given up. */
  timeoutMs: number;
  callerId: { name?: string; number?: string };
  /** Channel variables set on the new channel before it rings, in order. */
  variables: readonly (readonly [string, string])[];
  /** CDR account code of the new channel. */
  account?: string;
}

/**
 * Asterisk's OriginateResponse `Reason`: the last control frame the channel saw
 * (AST_CONTROL_*): 0 no channel could be made, 1 hung up, 3 rang without answer, 4 answered,
 * 5 busy, 8 congestion.
 */
export const ORIGINATE_REASON = { FAILED: 0, HANGUP: 1, NO_ANSWER: 3, ANSWERED: 4, BUSY: 5, CONGESTION: 8 } as const;
export type OriginateReason = (typeof ORIGINATE_REASON)[keyof typeof ORIGINATE_REASON];

export interface OriginateOutcome {
  answered: boolean;
  reason: OriginateReason;
  /** The channel that was made (absent when none could be). */
  channel?: { name: string; uniqueId: string };
}

/** A live channel as Redirect needs it. */
export interface RedirectChannel {
  readonly name: string;
  readonly callerNumber: string | undefined;
}

/** One SIP peer as `sip show peers` sees it (PeerEntry). */
export interface SipPeerSummary {
  name: string;
  /** The registered (or static) address; undefined when unknown. */
  address: string | undefined;
  port: number;
  dynamic: boolean;
  nat: boolean;
  /** `OK (12 ms)`, `UNREACHABLE`, `UNKNOWN`, `Unmonitored`. */
  status: string;
  description: string;
  acl: boolean;
}

/** One SIP peer in detail (`sip show peer`, SIPshowpeer). */
export interface SipPeerDetail extends SipPeerSummary {
  type: string;
  secretSet: boolean;
  md5SecretSet: boolean;
  context: string;
  language: string;
  callerId: { name?: string; number?: string } | undefined;
  callGroup: string;
  pickupGroup: string;
  mohSuggest: string;
  voiceMailbox: string;
  defaultUser: string;
  fromUser: string;
  fromDomain: string;
  codecs: readonly string[];
  userAgent: string;
  regContact: string;
  qualifyFreq: number;
  callLimit: number | undefined;
  accountCode: string;
  transfer: boolean;
}

/** One outbound registration (`sip show registry`, RegistryEntry). */
export interface SipRegistrySummary {
  host: string;
  port: number;
  username: string;
  domain: string;
  domainPort: number;
  refresh: number;
  state: string;
  /** Wall-clock ms of the last 2xx; undefined when never registered. */
  registeredAt: number | undefined;
}

/** Asterisk's device states (ast_device_state) a device can report. */
export type DeviceState = 'UNKNOWN' | 'NOT_INUSE' | 'INUSE' | 'BUSY' | 'INVALID' | 'UNAVAILABLE' | 'RINGING' | 'RINGINUSE' | 'ONHOLD';

export interface MailboxCounts {
  newMessages: number;
  oldMessages: number;
  urgentMessages: number;
}

export interface CallActionDeps {
  /** Places the call and settles with its outcome (answer, or why not). */
  originate(request: OriginateRequest): Promise<OriginateOutcome>;
  /** Whether `exten` exists in `context` (priority 1). */
  exists(context: string, exten: string, callerId?: string): boolean;
  /** A priority label's number in that extension (Priority: `label`). */
  findLabel(context: string, exten: string, label: string): number | undefined;
  channel(name: string): RedirectChannel | undefined;
  /**
   * Sends a live channel to another dialplan place (a bridged channel's bridge is released
   * first, as a transfer does); with `extra`, a second channel at the same time. False when a
   * channel is gone.
   */
  redirect(name: string, to: { context: string; exten: string; priority: number }, extra?: { name: string; to: { context: string; exten: string; priority: number } }): boolean;
  sipPeers(): SipPeerSummary[];
  sipPeer(name: string): SipPeerDetail | undefined;
  sipRegistry(): SipRegistrySummary[];
  /** The extension's `hint =>` devices, else the devices its first priority Dials; undefined: none. */
  hint(context: string, exten: string): string | undefined;
  /** The state of one device (`SIP/2000`, `DAHDI/1`). */
  deviceState(device: string): DeviceState;
  /** Message counts of `box@context`; undefined when voicemail does not know the box. */
  mailbox(box: string, context: string): MailboxCounts | undefined;
}
