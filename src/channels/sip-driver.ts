/**
 * The SIP channel driver: turns an authenticated INVITE into an inbound SipChannel and hands it
 * to the demo dialplan (a phone's number dials that phone, 600 echoes), and places outgoing legs
 * to a peer's registered contacts (or its static host) for Dial().
 *
 * Authentication follows Asterisk's chan_sip for peers with a secret: the INVITE is challenged
 * with 401 (RFC 3261 22.2) like REGISTER; an unknown user and a wrong password both get 403 and
 * count towards the source's ban. Media always flows through the PBX (canreinvite=no): each leg
 * gets an RTP port pair from pbx.conf `rtp = START-END`.
 */
import type { Clock } from '../platform/clock.ts';
import { SipError } from '../core/errors.ts';
import type { PbxConfig, SipPeer } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import { actionFor, type Credentials, type DigestAuthenticator } from '../sip/auth/digest.ts';
import type { AuthBanList } from '../sip/auth/ban.ts';
import type { Registrar } from '../sip/registrar/registrar.ts';
import type { SipStack } from '../sip/stack.ts';
import type { SipRequest } from '../sip/message/types.ts';
import type { ServerTransaction } from '../sip/transaction/types.ts';
import type { Endpoint } from '../sip/transport/types.ts';
import { createResponse } from '../sip/message/headers.ts';
import { newTag } from '../sip/message/ids.ts';
import { parseNameAddr } from '../sip/message/name-addr.ts';
import { sdpOf } from '../sip/dialog/index.ts';
import { CODECS, createOffer, negotiateAnswer, parseAnswer, parseSdp, serializeSdp, supportedCodecs, type Codec } from '../sip/sdp/index.ts';
import { RtpSession } from '../rtp/session.ts';
import type { PortAllocator } from '../rtp/ports.ts';
import { ChannelRegistry } from '../core/channel-registry.ts';
import { HANGUP_CAUSES, causeName, type HangupCause } from '../core/hangup-causes.ts';
import { SipChannel } from './sip-channel.ts';

/** Asterisk's rtptimeout has no pbx.conf key yet and sip.conf's is accepted but not modelled. */
export const DEFAULT_RTP_TIMEOUT_MS = 30_000;
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
  rtpTimeoutMs?: number;
  /** Runs the dialplan for an answered-or-not inbound channel (set by the runtime: Dial, Echo). */
  route?(channel: SipChannel, driver: SipDriver): void;
}

/** What Dial() hears from one outgoing leg. */
export interface OutboundEvents {
  onRinging?(leg: SipChannel): void;
  onAnswered?(leg: SipChannel): void;
  onEnded?(leg: SipChannel, cause: HangupCause): void;
}

export class SipDriver {
  readonly channels: ChannelRegistry;
  private sessionSeq = Math.floor(Math.random() * 1e9);

  constructor(private readonly o: SipDriverOptions) {
    this.channels = o.channels ?? new ChannelRegistry();
  }

  private get rtpTimeoutMs(): number {
    return this.o.rtpTimeoutMs ?? DEFAULT_RTP_TIMEOUT_MS;
  }

  /** The stack's INVITE handler (a new INVITE, no To tag). */
  handleInvite(tx: ServerTransaction, req: SipRequest, source: Endpoint): void {
    this.inbound(tx, req, source).catch((e: unknown) => this.o.log.error(`INVITE handling failed: ${e instanceof Error ? e.message : String(e)}`));
  }

  private async inbound(tx: ServerTransaction, req: SipRequest, transportSource: Endpoint): Promise<void> {
    const { stack, auth, bans } = this.o;
    const config = this.o.config();
    const src = stack.sourceOf(req, transportSource);
    const peerFor = (username: string): SipPeer | undefined => {
      const direct = config.peers.get(username);
      if (direct) return direct;
      for (const p of config.peers.values()) if (p.defaultuser === username) return p;
      return undefined;
    };
    const lookup = (username: string): Credentials | undefined => {
      const p = peerFor(username);
      if (!p || (!p.secret && !p.md5secret)) return undefined;
      const c: Credentials = { username };
      if (p.secret) c.secret = p.secret;
      if (p.md5secret) c.md5secret = p.md5secret;
      return c;
    };
    const result = auth.verify(req, lookup, src);
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
    bans.recordSuccess(src.address);
    const caller = peerFor(result.username)!;
    const exten = req.uri.user ?? '';
    if (exten !== ECHO_EXTENSION && !config.peers.has(exten)) {
      this.o.log.notice(`Call from '${caller.name}' to extension '${exten}' rejected because extension not found in context '${caller.context}'.`);
      stack.respond(tx, createResponse(req, 404, undefined, newTag()));
      return;
    }
    const from = parseNameAddr(req.headers.find((h) => h.name.toLowerCase() === 'from')?.value ?? '<sip:anonymous@invalid>');
    const callerId = {
      name: caller.callerid?.name ?? from.displayName ?? caller.name,
      number: caller.callerid?.number ?? caller.name,
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
      rtpTimeoutMs: this.rtpTimeoutMs,
      onRtpTimeout: (c) => this.rtpTimedOut(c),
    });
    const session = stack.dialogs.acceptInvite(tx, req, { onEnded: (end) => ch.sessionEnded(end) }, caller.nat ? { peer: src } : {});
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
      ch.answerSdp = serializeSdp(negotiateAnswer(offer, this.describe(src, rtp.localPort, caller.allow)).answer);
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
    this.o.log.verbose(3, `Accepting call from '${callerId.number}' to '${exten}' on ${ch.name}`);
    this.o.route?.(ch, this);
  }

  private describe(dest: Endpoint, port: number, allow: readonly string[]) {
    const seq = ++this.sessionSeq;
    return { address: this.o.stack.advertise(dest).host, port, sessionId: seq, sessionVersion: seq, username: 'pbx', allow };
  }

  private rtpTimedOut(ch: SipChannel): void {
    this.o.log.notice(`Disconnecting call '${ch.name}' for lack of RTP activity in ${Math.round(this.rtpTimeoutMs / 1000)} seconds`);
    ch.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  }

  /**
   * Outgoing legs to every registered contact of `peerName` (or its static host), with an offer
   * of the caller's codec when the peer allows it (no transcoding), else the peer's first codec
   * (the relay transcodes). Returns the legs started, or the cause when none could be.
   */
  async request(peerName: string, caller: SipChannel, events: OutboundEvents): Promise<SipChannel[] | HangupCause> {
    const config = this.o.config();
    const peer = config.peers.get(peerName);
    if (!peer) return HANGUP_CAUSES.UNALLOCATED;
    const targets = this.targetsOf(peer);
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
        exten: peerName,
        clock: this.o.clock,
        registry: this.channels,
        rtpTimeoutMs: this.rtpTimeoutMs,
        onRtpTimeout: (c) => this.rtpTimedOut(c),
      });
      leg.rtp = rtp;
      leg.format = codec;
      leg.application = 'AppDial';
      leg.appData = '(Outgoing Line)';
      const d = this.describe(t.reach, rtp.localPort, [codec]);
      const offer = createOffer({ ...d, codecs: [codec] });
      const me = this.o.stack.advertise(t.reach);
      const host = me.port === 5060 ? me.host : `${me.host}:${me.port}`;
      const display = (caller.callerId.name ?? '').replace(/["\\]/g, '');
      leg.state = 'Down';
      leg.session = this.o.stack.dialogs.invite(
        {
          target: t.contact,
          from: `"${display}" <sip:${caller.callerId.number ?? 'anonymous'}@${host}>`,
          to: `<sip:${peerName}@${host}>`,
          sdp: serializeSdp(offer),
          peer: t.reach,
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
              rtp.telephoneEventPt = neg.telephoneEventPt;
              rtp.receiveTelephoneEventPt = neg.receiveTelephoneEventPt;
            } catch (e) {
              this.o.log.warning(`${leg.name}: unusable answer: ${e instanceof Error ? e.message : String(e)}`);
              leg.hangup(HANGUP_CAUSES.BEARERCAPABILITY_NOTAVAIL);
              return;
            }
            leg.up();
            events.onAnswered?.(leg);
          },
          onEnded: (end) => leg.sessionEnded(end),
        },
      );
      leg.onHangup((cause) => events.onEnded?.(leg, cause));
      legs.push(leg);
    }
    return legs;
  }

  private targetsOf(peer: SipPeer): { contact: string; reach: Endpoint }[] {
    if (peer.host === 'dynamic') return this.o.registrar.lookup(peer.name).map((b) => ({ contact: contactUri(b.contact), reach: b.reach }));
    const port = peer.port ?? 5060;
    return [{ contact: `sip:${peer.name}@${peer.host}:${port}`, reach: { protocol: 'UDP', address: peer.host, port } as Endpoint }];
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

/** The bare URI of a stored Contact (`<sip:..>;params` or `sip:..`). */
function contactUri(contact: string): string {
  const m = /<([^>]*)>/.exec(contact);
  return m ? m[1]! : contact;
}
