/**
 * The SIP channel driver: turns an authenticated INVITE into an inbound SipChannel and hands it
 * to the demo dialplan (a phone's number dials that phone, 600 echoes), and places outgoing legs
 * to a peer's registered contacts (or its static host) for Dial().
 *
 * Authentication follows Asterisk's chan_sip for peers with a secret: the INVITE is challenged
 * with 401 (RFC 3261 22.2) like REGISTER; an unknown user and a wrong password both get 403 and
 * count towards the source's ban. Media always flows through the PBX (canreinvite=no): each leg
 * gets an RTP port pair from pbx.conf `rtp = START-END`.
 *
 * Mid-call: a re-INVITE or UPDATE is answered at once with our SDP (same port and codec, the
 * mirrored direction). Hold is Asterisk's: a phone's `a=sendonly`/`inactive` (or c=0.0.0.0) is
 * answered here and reported to the channel's hold listeners (the bridge then plays music on
 * hold to the other party); `sendrecv` takes the call back. The other leg gets no re-INVITE.
 * Max-Forwards: 0 gets 483 Too Many Hops, outgoing legs carry the incoming value less one. Loops (RFC 3261 8.2.2.2): an INVITE that is one of our own outgoing legs coming back
 * (chan_sip's "call to ourself") or a copy of a call in progress arriving by another path (a
 * merged request: same Call-ID, From tag and CSeq, another branch) gets 482 Loop Detected.
 */
import type { Clock } from '../platform/clock.ts';
import { SipError } from '../core/errors.ts';
import type { PbxConfig, SipPeer } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import { actionFor, type Credentials, type DigestAuthenticator } from '../sip/auth/digest.ts';
import { digestClient } from '../sip/auth/digest-client.ts';
import type { AuthBanList } from '../sip/auth/ban.ts';
import type { Registrar } from '../sip/registrar/registrar.ts';
import type { SipStack } from '../sip/stack.ts';
import type { SipRequest } from '../sip/message/types.ts';
import type { ServerTransaction } from '../sip/transaction/types.ts';
import type { Endpoint } from '../sip/transport/types.ts';
import { createResponse, getHeader } from '../sip/message/headers.ts';
import { newTag } from '../sip/message/ids.ts';
import { parseNameAddr } from '../sip/message/name-addr.ts';
import { sdpOf } from '../sip/dialog/index.ts';
import {
  CODECS,
  combineDirections,
  createOffer,
  negotiateAnswer,
  parseAnswer,
  parseSdp,
  serializeSdp,
  supportedCodecs,
  type Codec,
  type Direction,
  type NegotiatedMedia,
} from '../sip/sdp/index.ts';
import type { OfferAnswer, ReferRequest } from '../sip/dialog/index.ts';
import { parseReplaces, type ReplacesTarget } from '../sip/message/refer.ts';
import { RtpSession } from '../rtp/session.ts';
import type { PortAllocator } from '../rtp/ports.ts';
import { ChannelRegistry } from '../core/channel-registry.ts';
import { HANGUP_CAUSES, causeName, type HangupCause } from '../core/hangup-causes.ts';
import { SipChannel } from './sip-channel.ts';
import { presentationAllowed, type CallerId } from './channel.ts';
import { peerCredentials, peerForAuthName } from './peer-credentials.ts';

/** sip.conf rtptimeout when [general] is silent (model.ts: 30 s, Asterisk's is off). */
export const DEFAULT_RTP_TIMEOUT_MS = 30_000;
/** RFC 3261 8.1.1.6: what a UAC starts Max-Forwards at. */
const INITIAL_MAX_FORWARDS = 70;
/** The demo dialplan's Dial() timeout (Asterisk's demo uses 20 s). */
export const DEFAULT_DIAL_TIMEOUT_MS = 20_000;
export const ECHO_EXTENSION = '600';

export interface SipDriverOptions {
  clock: Clock;
  config(): PbxConfig;
  stack: SipStack;
  registrar: Registrar;
  auth: DigestAuthenticator;
  bans: AuthBanList;
  ports: PortAllocator;
  log: Logger;
  channels?: ChannelRegistry;
  /** Overrides sip.conf rtptimeout for every leg (tests). */
  rtpTimeoutMs?: number;
  /** Runs the dialplan for an answered-or-not inbound channel (set by the runtime: Dial, Echo). */
  route?(channel: SipChannel, driver: SipDriver): void;
  /**
   * Whether the dialplan has `exten` in `context` (chan_sip answers 404 before creating a channel
   * otherwise). Without it, the pbx.conf phones and the echo test exist.
   */
  exists?(context: string, exten: string, callerId: string | undefined): boolean;
  /**
   * A REFER on a leg's dialog (RFC 3515; the runtime's transfer service decides and sends the
   * NOTIFYs through `channel.session.notifyRefer`): the REFER's answer. Without it: 501.
   */
  refer?(channel: SipChannel, refer: ReferRequest): { status: number; reason?: string };
  /**
   * An INVITE with Replaces (RFC 3891) took the place of `replaced` (an answered leg): the new
   * channel is set up but not answered; the runtime bridges it. Without it: 481 for every Replaces.
   */
  replaces?(channel: SipChannel, replaced: SipChannel): void;
  /** RFC 3263 next hops of a static-host peer (a trunk named by DNS); default: its host literally. */
  locate?(peer: SipPeer): Promise<Endpoint[]>;
  /** Addresses a static-host peer is known at (its host, or what DNS last said), for insecure=invite matching. */
  peerAddresses?(peer: SipPeer): readonly string[];
}

/** What Dial() hears from one outgoing leg. */
export interface OutboundEvents {
  onRinging?(leg: SipChannel): void;
  onAnswered?(leg: SipChannel): void;
  onEnded?(leg: SipChannel, cause: HangupCause): void;
}

/** What request() reads from the calling channel (a SIP or an analog leg). */
export interface DialCaller {
  readonly ended: boolean;
  readonly format: string | undefined;
  callerId: CallerId;
  readonly maxForwards: number;
}

/** What `sip show stats` reports about calls (leak checks after load). */
export interface CallResources {
  channels: number;
  rtpPortsInUse: number;
  rtpPortCapacity: number;
}

export class SipDriver {
  readonly channels: ChannelRegistry;
  private sessionSeq = Math.floor(Math.random() * 1e9);
  /** Call-IDs of our outgoing legs: an INVITE carrying one is our own call coming back. */
  private readonly outgoingCallIds = new Set<string>();
  /** Inbound INVITEs in progress by Call-ID, From tag and CSeq, with their top Via branch. */
  private readonly inboundKeys = new Map<string, string>();

  constructor(private readonly o: SipDriverOptions) {
    this.channels = o.channels ?? new ChannelRegistry();
  }

  /** Every SIP leg, oldest first, as `sip show channels` lists them. */
  sipChannels(): { peerAddress: string; user: string; callId: string; format: string | undefined; onHold: boolean; lastMessage: string; peer: string }[] {
    const out = [];
    for (const c of this.channels.list()) {
      if (!(c instanceof SipChannel)) continue;
      out.push({
        peerAddress: c.peerAddress,
        user: c.direction === 'inbound' ? (c.callerId.number ?? c.peer) : c.exten,
        callId: c.callId,
        format: c.format,
        onHold: c.onHold,
        lastMessage: c.lastMessage,
        peer: c.peer,
      });
    }
    return out;
  }

  resources(): CallResources {
    return { channels: this.channels.size, rtpPortsInUse: this.o.ports.inUse, rtpPortCapacity: this.o.ports.capacity };
  }

  /** rtptimeout and rtpholdtimeout of a peer in ms (its own, else [general]'s). */
  private rtpTimeouts(peer: SipPeer): { rtpTimeoutMs: number; rtpHoldTimeoutMs: number } {
    const general = this.o.config().sip;
    return {
      rtpTimeoutMs: this.o.rtpTimeoutMs ?? (peer.rtpTimeout ?? general.rtpTimeout ?? DEFAULT_RTP_TIMEOUT_MS / 1000) * 1000,
      rtpHoldTimeoutMs: (peer.rtpHoldTimeout ?? general.rtpHoldTimeout ?? 0) * 1000,
    };
  }

  /** The stack's INVITE handler (a new INVITE, no To tag). */
  handleInvite(tx: ServerTransaction, req: SipRequest, source: Endpoint): void {
    this.inbound(tx, req, source).catch((e: unknown) => this.o.log.error(`INVITE handling failed: ${e instanceof Error ? e.message : String(e)}`));
  }

  private async inbound(tx: ServerTransaction, req: SipRequest, transportSource: Endpoint): Promise<void> {
    const { stack, auth, bans } = this.o;
    const config = this.o.config();
    const src = stack.sourceOf(req, transportSource);
    const maxForwards = parseMaxForwards(getHeader(req, 'Max-Forwards'));
    if (maxForwards === 0) {
      stack.respond(tx, createResponse(req, 483, 'Too Many Hops', newTag()));
      return;
    }
    const callId = getHeader(req, 'Call-ID') ?? '';
    const mergeKey = `${callId}\n${fromTag(req)}\n${getHeader(req, 'CSeq') ?? ''}`;
    const branch = topBranch(req);
    const known = this.inboundKeys.get(mergeKey);
    if (this.outgoingCallIds.has(callId) || (known !== undefined && known !== branch)) {
      this.o.log.notice(`Call ${callId} from ${src.address}:${src.port} rejected: loop detected`);
      stack.respond(tx, createResponse(req, 482, 'Loop Detected', newTag()));
      return;
    }
    const peerFor = (username: string): SipPeer | undefined => config.peers.get(username) ?? peerForAuthName(config.peers.values(), username);
    const lookup = (username: string): Credentials | undefined => peerCredentials(peerFor(username), username);
    // A provider's call (insecure=invite): matched by source address, never challenged.
    const trunk = this.trunkBySource(src);
    const result = trunk ? { ok: true as const, username: trunk.name } : auth.verify(req, lookup, src);
    if (!result.ok) {
      switch (actionFor(result.reason)) {
        case 'challenge':
          stack.respond(tx, auth.challenge(req, { source: src }));
          return;
        case 'challenge-stale':
          stack.respond(tx, auth.challenge(req, { source: src, stale: true }));
          return;
        case 'bad-request':
          stack.respond(tx, createResponse(req, 400, result.reason === 'bad-uri' ? 'Digest URI Mismatch' : 'Bad Authorization Header', newTag()));
          return;
        case 'forbidden': {
          const banned = bans.recordFailure(src.address);
          this.o.log.warning(`Call from ${src.address}:${src.port} rejected: wrong password or unknown user${banned ? ' (source banned)' : ''}`);
          stack.respond(tx, createResponse(req, 403, undefined, newTag()));
          return;
        }
      }
    }
    if (!trunk) bans.recordSuccess(src.address);
    const caller = trunk ?? peerFor(result.username)!;
    const from = parseNameAddr(req.headers.find((h) => h.name.toLowerCase() === 'from')?.value ?? '<sip:anonymous@invalid>');
    // A trunk's caller is whoever the provider says (From), unless the peer sets callerid.
    const callerNumber = caller.callerid?.number ?? (trunk ? (from.uri.user ?? 'anonymous') : caller.name);
    const inDialplanAt = (x: string): boolean => (this.o.exists ? this.o.exists(caller.context, x, callerNumber) : x === ECHO_EXTENSION || config.peers.has(x));
    let exten = req.uri.user ?? '';
    // chan_sip: a provider's call whose Request-URI names no extension here starts at `s`.
    if (trunk && (exten === '' || !inDialplanAt(exten)) && inDialplanAt('s')) exten = 's';
    // RFC 3891: an INVITE with Replaces takes an answered leg's place instead of the dialplan.
    const replaced = this.replacedBy(req);
    if (replaced === 'none') {
      this.o.log.notice(`Call from '${caller.name}' with Replaces naming no call of ours rejected`);
      stack.respond(tx, createResponse(req, 481, 'Call/Transaction Does Not Exist', newTag()));
      return;
    }
    const inDialplan = replaced !== undefined || inDialplanAt(exten);
    if (!inDialplan) {
      this.o.log.notice(`Call from '${caller.name}' to extension '${exten}' rejected because extension not found in context '${caller.context}'.`);
      stack.respond(tx, createResponse(req, 404, undefined, newTag()));
      return;
    }
    const callerId = {
      name: caller.callerid?.name ?? from.displayName ?? (trunk ? callerNumber : caller.name),
      number: callerNumber,
    };
    const ch = new SipChannel({
      name: this.channels.nextName('SIP', caller.name),
      direction: 'inbound',
      peer: caller.name,
      callerId,
      context: caller.context,
      exten,
      clock: this.o.clock,
      registry: this.channels,
      ...this.rtpTimeouts(caller),
      onRtpTimeout: (c) => this.rtpTimedOut(c),
      maxForwards: maxForwards ?? INITIAL_MAX_FORWARDS,
    });
    this.inboundKeys.set(mergeKey, branch);
    ch.onHangup(() => this.inboundKeys.delete(mergeKey));
    ch.callId = callId;
    ch.peerAddress = src.address;
    ch.lastMessage = 'Rx: INVITE';
    const session = stack.dialogs.acceptInvite(
      tx,
      req,
      {
        onEnded: (end) => ch.sessionEnded(end),
        onReinvite: (offer, method) => this.reinvited(ch, offer, method),
        onAck: (sdp) => this.acknowledged(ch, sdp),
        onRefer: (r) => this.referred(ch, r),
      },
      caller.nat ? { peer: src } : {},
    );
    ch.session = session;
    ch.state = 'Ring';
    const offerText = sdpOf(req);
    try {
      if (offerText === undefined) throw new SipError('SDP_NOT_ACCEPTABLE', 488, 'Offer Required');
      const offer = parseSdp(offerText);
      // First pass settles the codec; the port comes from the RTP session opened for it.
      const pick = negotiateAnswer(offer, this.describe(src, 0, caller.allow));
      const rtp = await RtpSession.open({
        host: config.system.sip.host,
        ports: this.o.ports,
        clock: this.o.clock,
        format: pick.codec,
        payloadType: pick.payloadType,
        ...(pick.telephoneEventPt !== undefined ? { telephoneEventPt: pick.telephoneEventPt } : {}),
        ...(pick.receiveTelephoneEventPt !== undefined ? { receiveTelephoneEventPt: pick.receiveTelephoneEventPt } : {}),
        ...(pick.remote ? { remote: pick.remote } : {}),
        ...(pick.remoteRtcp ? { remoteRtcp: pick.remoteRtcp } : {}),
        symmetric: caller.nat,
      });
      if (ch.ended) {
        await rtp.close();
        return;
      }
      ch.rtp = rtp;
      ch.format = pick.codec;
      const desc = this.describe(src, rtp.localPort, caller.allow);
      ch.localSdp = { address: desc.address, sessionId: desc.sessionId, version: desc.sessionVersion, ...(pick.remote ? { remote: pick.remote } : {}) };
      ch.remoteDirection = effectiveDirection(pick);
      ch.answerSdp = serializeSdp(negotiateAnswer(offer, desc).answer);
    } catch (e) {
      if (e instanceof SipError) {
        this.o.log.notice(`${ch.name}: offer rejected: ${e.status} ${e.reason}`);
        ch.variables.set('HANGUPCAUSE', String(HANGUP_CAUSES.BEARERCAPABILITY_NOTAVAIL));
        if (!ch.ended) {
          session.reject(e.status, e.reason);
          ch.finish(HANGUP_CAUSES.BEARERCAPABILITY_NOTAVAIL);
        }
        return;
      }
      if (!ch.ended) ch.hangup(HANGUP_CAUSES.CONGESTION);
      throw e;
    }
    if (replaced !== undefined) {
      if (replaced.ended) {
        ch.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
        return;
      }
      this.o.log.verbose(3, `${ch.name} replaces ${replaced.name}`);
      this.o.replaces!(ch, replaced);
      return;
    }
    this.o.log.verbose(3, `Accepting call from '${callerId.number}' to '${exten}' on ${ch.name}`);
    this.o.route?.(ch, this);
  }

  /**
   * The static-host peer with insecure=invite that an INVITE from `src` belongs to (chan_sip
   * matches peers by address): its host (or an address DNS gave for it) and its port, any port
   * with insecure=port. A peer matched by address but without insecure=invite is challenged as
   * any other caller.
   */
  private trunkBySource(src: Endpoint): SipPeer | undefined {
    for (const peer of this.o.config().peers.values()) {
      if (peer.host === 'dynamic' || !peer.insecure.includes('invite') || peer.type === 'user') continue;
      const addresses = this.o.peerAddresses?.(peer) ?? [peer.host];
      if (!addresses.includes(src.address)) continue;
      if (peer.insecure.includes('port') || (peer.port ?? 5060) === src.port) return peer;
    }
    return undefined;
  }

  /**
   * The leg an INVITE's Replaces header names: undefined without the header, 'none' when it
   * names no answered leg of ours (or cannot be read, or nobody takes replacements): 481.
   */
  private replacedBy(req: SipRequest): SipChannel | 'none' | undefined {
    const value = getHeader(req, 'Replaces');
    if (value === undefined) return undefined;
    const target = parseReplaces(value);
    const leg = target && this.o.replaces ? this.channelForDialog(target) : undefined;
    // Only a confirmed call is replaced here; `early-only` asks for a ringing one (a pickup, not done).
    return leg && leg.state === 'Up' && !target!.earlyOnly ? leg : 'none';
  }

  /**
   * The leg whose dialog a Replaces names. RFC 3891 3: to-tag is our tag, from-tag the peer's;
   * the reverse is accepted too, since phones building Refer-To for an attended transfer name
   * their own dialog with the PBX from their side (chan_sip matches both ways).
   */
  channelForDialog(target: ReplacesTarget): SipChannel | undefined {
    for (const c of this.channels.list()) {
      if (!(c instanceof SipChannel) || c.ended) continue;
      const d = c.session?.dialog?.state;
      if (!d || d.callId !== target.callId) continue;
      if ((d.localTag === target.toTag && d.remoteTag === target.fromTag) || (d.localTag === target.fromTag && d.remoteTag === target.toTag)) return c;
    }
    return undefined;
  }

  /** A REFER on a leg's dialog goes to the runtime (the transfer service); 501 without one. */
  private referred(ch: SipChannel, r: ReferRequest): { status: number; reason?: string } {
    ch.lastMessage = 'Rx: REFER';
    if (!this.o.refer) return { status: 501, reason: 'Not Implemented' };
    return this.o.refer(ch, r);
  }

  private describe(dest: Endpoint, port: number, allow: readonly string[]) {
    const seq = ++this.sessionSeq;
    return { address: this.o.stack.advertise(dest).host, port, sessionId: seq, sessionVersion: seq, username: 'pbx', allow };
  }

  private rtpTimedOut(ch: SipChannel): void {
    this.o.log.notice(`Disconnecting call '${ch.name}' for lack of RTP activity in ${Math.round(ch.rtpTimeoutMs / 1000)} seconds`);
    ch.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  }

  /**
   * A re-INVITE or UPDATE with an offer (or none: we offer, the answer comes in the ACK). The
   * answer keeps the leg's port and codec (488 when the new offer drops it; the call goes on);
   * a new remote address is used at once; a new direction is passed on to the bridged leg.
   */
  private reinvited(ch: SipChannel, offerText: string | undefined, method: 'INVITE' | 'UPDATE'): OfferAnswer {
    ch.lastMessage = `Rx: ${method}`;
    const rtp = ch.rtp;
    const local = ch.localSdp;
    if (!rtp || !ch.format || !local || ch.ended) return { status: 488, reason: 'Not Acceptable Here' };
    if (offerText === undefined) {
      // RFC 3261 14.2: a re-INVITE without SDP asks for our offer.
      const offer = this.localOffer(ch, 'sendrecv');
      local.pendingAckOffer = true;
      return { sdp: serializeSdp(offer) };
    }
    let neg: NegotiatedMedia & { answer: ReturnType<typeof negotiateAnswer>['answer'] };
    try {
      neg = negotiateAnswer(parseSdp(offerText), {
        address: local.address,
        port: rtp.localPort,
        sessionId: local.sessionId,
        sessionVersion: ++local.version,
        username: 'pbx',
        allow: [ch.format],
      });
    } catch (e) {
      if (e instanceof SipError) return { status: e.status, reason: e.reason };
      throw e;
    }
    this.useRemote(ch, neg);
    const direction = effectiveDirection(neg);
    if (direction !== ch.remoteDirection) {
      this.o.log.verbose(3, `${ch.name} ${direction === 'sendrecv' ? 'took the call off hold' : `put the call on hold (${direction})`}`);
      ch.setRemoteDirection(direction);
    }
    return { sdp: serializeSdp(neg.answer) };
  }

  /** The ACK of our 2xx; it carries the answer when the re-INVITE had no offer. */
  private acknowledged(ch: SipChannel, sdp: string | undefined): void {
    ch.lastMessage = 'Rx: ACK';
    const local = ch.localSdp;
    if (!local?.pendingAckOffer || !local.offer || sdp === undefined) return;
    local.pendingAckOffer = false;
    try {
      this.useRemote(ch, parseAnswer(local.offer, parseSdp(sdp)));
    } catch (e) {
      this.o.log.warning(`${ch.name}: unusable answer in ACK: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Our offer to a leg: its codec and port, the next o= version, `direction`. */
  private localOffer(ch: SipChannel, direction: Direction) {
    const local = ch.localSdp!;
    const rtp = ch.rtp!;
    const offer = createOffer({
      address: local.address,
      port: rtp.localPort,
      sessionId: local.sessionId,
      sessionVersion: ++local.version,
      username: 'pbx',
      codecs: [ch.format!],
      telephoneEvent: rtp.receiveTelephoneEventPt ?? rtp.telephoneEventPt ?? true,
      direction,
    });
    local.offer = offer;
    return offer;
  }

  /** A new SDP remote address or telephone-event type from the peer takes effect now. */
  private useRemote(ch: SipChannel, neg: NegotiatedMedia): void {
    const rtp = ch.rtp!;
    const local = ch.localSdp!;
    const was = local.remote;
    const now = neg.remote;
    if (was?.address !== now?.address || was?.port !== now?.port) {
      rtp.setRemote(now, neg.remoteRtcp);
      if (now) local.remote = now;
      else delete local.remote;
    }
    if (neg.telephoneEventPt !== undefined) rtp.telephoneEventPt = neg.telephoneEventPt;
    if (neg.receiveTelephoneEventPt !== undefined) rtp.receiveTelephoneEventPt = neg.receiveTelephoneEventPt;
  }

  /**
   * Outgoing legs to every registered contact of `peerName` (or its static host), with an offer
   * of the caller's codec when the peer allows it (no transcoding), else the peer's first codec
   * (the relay transcodes). `number` is the dialled number for `Dial(SIP/peer/number)` (a trunk):
   * the user part of the Request-URI and To of a static-host peer (Asterisk: else the peer's
   * defaultuser, else none); a registered phone is always called at its Contact. Returns the legs
   * started, or the cause when none could be.
   */
  async request(peerName: string, caller: DialCaller, events: OutboundEvents, number?: string): Promise<SipChannel[] | HangupCause> {
    const config = this.o.config();
    const peer = config.peers.get(peerName);
    if (!peer) return HANGUP_CAUSES.UNALLOCATED;
    const targets = await this.targetsOf(peer, number);
    if (targets.length === 0) return HANGUP_CAUSES.SUBSCRIBER_ABSENT;
    const allowed = supportedCodecs(peer.allow);
    const codec: Codec | undefined = caller.format && allowed.includes(caller.format as Codec) ? (caller.format as Codec) : allowed[0];
    if (!codec) return HANGUP_CAUSES.BEARERCAPABILITY_NOTAVAIL;
    const legs: SipChannel[] = [];
    for (const t of targets) {
      const rtp = await RtpSession.open({
        host: config.system.sip.host,
        ports: this.o.ports,
        clock: this.o.clock,
        format: codec,
        payloadType: CODECS[codec].payloadType,
        telephoneEventPt: 101,
        symmetric: peer.nat,
      });
      if (caller.ended) {
        await rtp.close();
        break;
      }
      const leg = new SipChannel({
        name: this.channels.nextName('SIP', peer.name),
        direction: 'outbound',
        peer: peer.name,
        callerId: { ...caller.callerId },
        context: peer.context,
        exten: number ?? peerName,
        clock: this.o.clock,
        registry: this.channels,
        ...this.rtpTimeouts(peer),
        onRtpTimeout: (c) => this.rtpTimedOut(c),
      });
      leg.rtp = rtp;
      leg.format = codec;
      leg.application = 'AppDial';
      leg.appData = '(Outgoing Line)';
      const d = this.describe(t.reach, rtp.localPort, [codec]);
      const offer = createOffer({ ...d, codecs: [codec] });
      leg.localSdp = { address: d.address, sessionId: d.sessionId, version: d.sessionVersion, offer };
      const me = this.o.stack.advertise(t.reach);
      const host = me.port === 5060 ? me.host : `${me.host}:${me.port}`;
      // chan_sip's initreqprep: a caller without a name shows its number as the display name;
      // a caller whose presentation is not allowed (prohib*, unavailable) is sent as
      // "Anonymous" <sip:anonymous@anonymous.invalid> (RFC 3261 8.1.1.3), a peer's fromuser
      // still taking the user part as chan_sip lets it.
      const hidden = !presentationAllowed(caller.callerId.presentation);
      const display = hidden ? 'Anonymous' : (caller.callerId.name || caller.callerId.number || '').replace(/["\\]/g, '');
      const fromUser = peer.fromuser ?? (hidden ? 'anonymous' : (caller.callerId.number ?? 'anonymous'));
      const fromDomain = hidden ? 'anonymous.invalid' : (peer.fromdomain ?? host);
      leg.state = 'Down';
      leg.peerAddress = t.reach.address;
      leg.lastMessage = 'Tx: INVITE';
      const session = this.o.stack.dialogs.invite(
        {
          target: t.contact,
          from: `"${display}" <sip:${fromUser}@${fromDomain}>`,
          to: t.to ?? `<sip:${peerName}@${host}>`,
          sdp: serializeSdp(offer),
          peer: t.reach,
          ...(t.routes ? { routes: t.routes } : {}),
          // A provider's 401/407 (on the INVITE, a re-INVITE or our BYE) is answered with the
          // peer's credentials; a refused answer ends the leg with the challenge's status.
          ...(peer.secret !== undefined || peer.md5secret !== undefined
            ? { authenticate: digestClient({ username: peer.authuser ?? peer.defaultuser ?? peer.name, ...pick(peer) }) }
            : {}),
          // RFC 3261 16.6 step 3, as a B2BUA passing the call on: one hop less than we got.
          maxForwards: Math.max(0, caller.maxForwards - 1),
        },
        {
          onProgress: (status) => {
            if (status === 180 || status === 183) {
              leg.state = 'Ringing';
              events.onRinging?.(leg);
            }
          },
          onAnswered: (sdp) => {
            try {
              if (sdp === undefined) throw new SipError('SDP_NOT_ACCEPTABLE', 488, 'No SDP in 200 OK');
              const neg = parseAnswer(offer, parseSdp(sdp));
              rtp.setRemote(neg.remote, neg.remoteRtcp);
              if (neg.remote) leg.localSdp!.remote = neg.remote;
              rtp.telephoneEventPt = neg.telephoneEventPt;
              rtp.receiveTelephoneEventPt = neg.receiveTelephoneEventPt;
            } catch (e) {
              this.o.log.warning(`${leg.name}: unusable answer: ${e instanceof Error ? e.message : String(e)}`);
              leg.hangup(HANGUP_CAUSES.BEARERCAPABILITY_NOTAVAIL);
              return;
            }
            leg.lastMessage = 'Tx: ACK';
            leg.up();
            events.onAnswered?.(leg);
          },
          onEnded: (end) => leg.sessionEnded(end),
          onReinvite: (o, method) => this.reinvited(leg, o, method),
          onAck: (s) => this.acknowledged(leg, s),
          onRefer: (r) => this.referred(leg, r),
        },
      );
      leg.session = session;
      leg.callId = session.callId;
      this.outgoingCallIds.add(session.callId);
      leg.onHangup((cause) => {
        this.outgoingCallIds.delete(session.callId);
        events.onEnded?.(leg, cause);
      });
      legs.push(leg);
    }
    return legs;
  }

  /**
   * Where a leg goes. A static host named by DNS is located per RFC 3263 (the first answer is
   * used); with `outboundproxy` the INVITE carries the proxy as a pre-loaded Route (RFC 3261
   * 8.1.2, loose routing) and goes to the proxy, the Request-URI still naming the peer.
   */
  private async targetsOf(peer: SipPeer, number: string | undefined): Promise<{ contact: string; reach: Endpoint; to?: string; routes?: string[] }[]> {
    if (peer.host === 'dynamic') return this.o.registrar.lookup(peer.name).map((b) => ({ contact: contactUri(b.contact), reach: b.reach }));
    const user = number ?? peer.defaultuser;
    const hostPort = `${peer.host.includes(':') ? `[${peer.host}]` : peer.host}${peer.port === undefined || peer.port === 5060 ? '' : `:${peer.port}`}`;
    const uri = `sip:${user !== undefined ? `${user}@` : ''}${hostPort}`;
    const proxy = peer.outboundproxy !== undefined ? proxyUri(peer.outboundproxy) : undefined;
    const next = proxy ? proxy.hop : { host: peer.host, ...(peer.port !== undefined ? { port: peer.port } : {}) };
    const located = this.o.locate
      ? await this.o.locate({ ...peer, host: next.host, ...(next.port !== undefined ? { port: next.port } : { port: undefined }) })
      : [{ protocol: 'UDP' as const, address: next.host, port: next.port ?? 5060 }];
    const reach = located[0];
    if (!reach) return [];
    return [{ contact: uri, to: `<${uri}>`, reach, ...(proxy ? { routes: [`<${proxy.route}>`] } : {}) }];
  }

  /** Hang up every channel (console `channel request hangup all`, PBX stop). */
  hangupAll(cause: HangupCause = HANGUP_CAUSES.NORMAL_CLEARING): number {
    const list = this.channels.list();
    for (const ch of list) ch.hangup(cause);
    return list.length;
  }

  describeCause(cause: HangupCause): string {
    return `${cause} (${causeName(cause)})`;
  }
}

/** Max-Forwards as a number; undefined when absent or not a number (then 70 is assumed). */
function parseMaxForwards(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*\d{1,3}\s*$/.test(v)) return undefined;
  return Number(v);
}

function fromTag(req: SipRequest): string {
  return /;\s*tag=([^;>\s]+)/i.exec(getHeader(req, 'From') ?? '')?.[1] ?? '';
}

function topBranch(req: SipRequest): string {
  return /;\s*branch=([^;,\s]+)/i.exec(getHeader(req, 'Via') ?? '')?.[1] ?? '';
}

/**
 * The direction the peer really asked for: c=0.0.0.0 (RFC 2543 hold) means it receives nothing
 * whatever its attribute says.
 */
function effectiveDirection(neg: NegotiatedMedia): Direction {
  return neg.hold && neg.remote === undefined ? combineDirections(neg.remoteDirection, 'sendonly') : neg.remoteDirection;
}

/** sip.conf outboundproxy (`host[:port]`, `sip:host[:port][;lr]`): the next hop and the Route URI. */
function proxyUri(value: string): { hop: { host: string; port?: number }; route: string } {
  const bare = value.replace(/^sips?:/i, '').replace(/;.*$/, '');
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(bare) ?? /^([^:]+)(?::(\d+))?$/.exec(bare);
  const host = m?.[1] ?? bare;
  const port = m?.[2] !== undefined ? Number(m[2]) : undefined;
  return { hop: { host, ...(port !== undefined ? { port } : {}) }, route: `sip:${bare};lr` };
}

/** The secret fields of a peer, without undefined members. */
function pick(peer: SipPeer): { secret?: string; md5secret?: string } {
  return { ...(peer.secret !== undefined ? { secret: peer.secret } : {}), ...(peer.md5secret !== undefined ? { md5secret: peer.md5secret } : {}) };
}

/** The bare URI of a stored Contact (`<sip:..>;params` or `sip:..`). */
function contactUri(contact: string): string {
  const m = /<([^>]*)>/.exec(contact);
  return m ? m[1]! : contact;
}
