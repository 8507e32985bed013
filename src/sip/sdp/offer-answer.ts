/**
 * The offer/answer model (RFC 3264) for the one thing the PBX does with SDP: a single audio
 * stream of G.711 (PCMU payload type 0, PCMA 8) plus RFC 4733 telephone-events, with media
 * anchored on the PBX (Asterisk's `directmedia=no`).
 *
 * - createOffer: our offer, codecs in the peer's `allow` order (5: the order is our
 *   preference), telephone-event on a dynamic type (101 unless told otherwise), a=ptime:20.
 * - negotiateAnswer: answer an offer (6). Same number of m= lines in the same order (6: "the
 *   answer MUST contain exactly the same number of m lines"); the first audio RTP stream with a
 *   codec in common is accepted with exactly one codec (so both sides send the same one) plus
 *   telephone-event on the offer's payload type number (6.1: the same number SHOULD be used);
 *   every other stream is rejected with port 0. Nothing in common: SipError 488.
 * - parseAnswer: read the answer to an offer we sent (the outgoing-call side).
 *
 * Hold (RFC 3264 8.4): an offer with a=sendonly or a=inactive, or the RFC 2543 style
 * c=0.0.0.0, is a hold; the answer mirrors the direction (sendonly -> recvonly, inactive ->
 * inactive), combined with our own wish (our hold of them).
 */
import { combineDirections, mediaConnection, mediaDirection, mediaPtime, mediaRtcp, mirrorDirection, fmtpFor, rtpMaps } from './media.ts';
import { malformed, notAcceptable } from './errors.ts';
import { isIp4, isIp6 } from './parse.ts';
import type { AddrType, Direction, SdpAttribute, SdpMedia, SessionDescription } from './types.ts';

export type Codec = 'ulaw' | 'alaw';

/** Our codecs: Asterisk names -> RTP encoding names and static payload types (RFC 3551). */
export const CODECS: Readonly<Record<Codec, { payloadType: number; encoding: string }>> = {
  ulaw: { payloadType: 0, encoding: 'PCMU' },
  alaw: { payloadType: 8, encoding: 'PCMA' },
};

export const DEFAULT_TELEPHONE_EVENT_PT = 101;
/** DTMF 0-9 * # A-D and flash (RFC 4733 3.2). */
export const DEFAULT_TELEPHONE_EVENTS = '0-16';
export const DEFAULT_PTIME = 20;

export function isCodec(name: string): name is Codec {
  return name === 'ulaw' || name === 'alaw';
}

/** The codecs we can do, from an Asterisk allow list, in its order (unknown names dropped). */
export function supportedCodecs(allow: readonly string[]): Codec[] {
  const out: Codec[] = [];
  for (const raw of allow) {
    const n = raw.trim().toLowerCase();
    if (isCodec(n) && !out.includes(n)) out.push(n);
  }
  return out;
}

export interface RemoteAddress {
  address: string;
  port: number;
}

/** What a negotiation settled on for the audio stream. */
export interface NegotiatedMedia {
  codec: Codec;
  /** Payload type to send (and expect) the codec with. */
  payloadType: number;
  /** Payload type to send RFC 4733 events with; undefined when the peer does not do them. */
  telephoneEventPt?: number;
  /** Payload type the peer sends events with (ours from the offer when we offered). */
  receiveTelephoneEventPt?: number;
  /** Where to send RTP; undefined while the peer asks for no media (c=0.0.0.0). */
  remote?: RemoteAddress;
  /** Where to send RTCP: a=rtcp (RFC 3605) or RTP port + 1. */
  remoteRtcp?: RemoteAddress;
  /** Our direction (as written in our SDP). */
  direction: Direction;
  /** The peer's direction. */
  remoteDirection: Direction;
  /** The peer has put the call on hold (sendonly, inactive or c=0.0.0.0). */
  hold: boolean;
  /** Our packetisation in ms, and the peer's a=ptime if it gave one. */
  ptime: number;
  remotePtime?: number;
  /** Index of the audio m= line. */
  mediaIndex: number;
}

export interface DescriptionOptions {
  /** Our RTP address and port. */
  address: string;
  port: number;
  sessionId: string | number;
  sessionVersion: string | number;
  /** o= username (default "pbx"). */
  username?: string;
  sessionName?: string;
  /** Our wish: e.g. sendonly when we put the peer on hold. Default sendrecv. */
  direction?: Direction;
  ptime?: number;
}

export interface OfferOptions extends DescriptionOptions {
  /** Codecs in preference order, Asterisk names (ulaw, alaw); unknown names are skipped. */
  codecs: readonly string[];
  /** true (default) for payload type 101, a number for another type, false for none. */
  telephoneEvent?: boolean | number;
}

export interface AnswerOptions extends DescriptionOptions {
  /** The peer's allow list in its order (Asterisk names). */
  allow: readonly string[];
  /** Answer with telephone-event when offered (default true). */
  telephoneEvent?: boolean;
  /** Pick the codec in the offer's order instead of ours (default false: allow order wins, as in Asterisk). */
  preferOfferOrder?: boolean;
}

function addrTypeOf(address: string): AddrType {
  return address.includes(':') ? 'IP6' : 'IP4';
}

function numberString(v: string | number, what: string): string {
  const s = String(v);
  if (!/^\d{1,20}$/.test(s)) throw new RangeError(`${what} must be a non-negative integer, got ${s}`);
  return s;
}

function baseDescription(o: DescriptionOptions): SessionDescription {
  const addrType = addrTypeOf(o.address);
  return {
    origin: {
      username: o.username ?? 'pbx',
      sessionId: numberString(o.sessionId, 'sessionId'),
      sessionVersion: numberString(o.sessionVersion, 'sessionVersion'),
      netType: 'IN',
      addrType,
      address: o.address,
    },
    sessionName: o.sessionName ?? 'pbx',
    extra: [],
    connection: { netType: 'IN', addrType, address: o.address },
    timing: [{ start: '0', stop: '0', repeats: [] }],
    attributes: [],
    media: [],
  };
}

function audioAttributes(codecs: { codec: Codec; pt: number }[], te: { pt: number; events: string } | undefined, ptime: number, direction: Direction): SdpAttribute[] {
  const attrs: SdpAttribute[] = codecs.map((c) => ({ name: 'rtpmap', value: `${c.pt} ${CODECS[c.codec].encoding}/8000` }));
  if (te) {
    attrs.push({ name: 'rtpmap', value: `${te.pt} telephone-event/8000` });
    attrs.push({ name: 'fmtp', value: `${te.pt} ${te.events}` });
  }
  attrs.push({ name: 'ptime', value: String(ptime) });
  attrs.push({ name: direction });
  return attrs;
}

/** Our offer. Throws SipError 488 when the list names no codec we can do. */
export function createOffer(o: OfferOptions): SessionDescription {
  const codecs = supportedCodecs(o.codecs);
  if (codecs.length === 0) throw notAcceptable('no supported codec allowed');
  const tePt = o.telephoneEvent === false ? undefined : typeof o.telephoneEvent === 'number' ? o.telephoneEvent : DEFAULT_TELEPHONE_EVENT_PT;
  if (tePt !== undefined && (!Number.isInteger(tePt) || tePt < 96 || tePt > 127)) throw new RangeError(`telephone-event payload type ${tePt} is not dynamic (96-127)`);
  const sd = baseDescription(o);
  const list = codecs.map((codec) => ({ codec, pt: CODECS[codec].payloadType }));
  const te = tePt === undefined ? undefined : { pt: tePt, events: DEFAULT_TELEPHONE_EVENTS };
  sd.media.push({
    type: 'audio',
    port: o.port,
    proto: 'RTP/AVP',
    formats: [...list.map((c) => String(c.pt)), ...(te ? [String(te.pt)] : [])],
    extra: [],
    attributes: audioAttributes(list, te, o.ptime ?? DEFAULT_PTIME, o.direction ?? 'sendrecv'),
  });
  return sd;
}

function isRtpAvp(proto: string): boolean {
  return proto === 'RTP/AVP' || proto === 'RTP/AVPF';
}

/** The offer's payload type for each of our codecs, in the offer's order. */
function offeredCodecs(m: SdpMedia): { codec: Codec; pt: number }[] {
  const out: { codec: Codec; pt: number }[] = [];
  for (const map of rtpMaps(m)) {
    if (map.clockRate !== 8000 || (map.channels !== undefined && map.channels !== 1)) continue;
    const enc = map.encoding.toUpperCase();
    const codec: Codec | undefined = enc === 'PCMU' ? 'ulaw' : enc === 'PCMA' ? 'alaw' : undefined;
    if (codec && !out.some((c) => c.codec === codec)) out.push({ codec, pt: map.payloadType });
  }
  return out;
}

function telephoneEventPt(m: SdpMedia): number | undefined {
  for (const map of rtpMaps(m)) {
    if (map.encoding.toLowerCase() === 'telephone-event' && map.clockRate === 8000) return map.payloadType;
  }
  return undefined;
}

interface Endpoint {
  remote?: RemoteAddress;
  remoteRtcp?: RemoteAddress;
  /** c=0.0.0.0 (or ::): the RFC 2543 way to say "send me nothing". */
  nullAddress: boolean;
}

function remoteEndpoint(sd: SessionDescription, m: SdpMedia): Endpoint {
  const c = mediaConnection(sd, m);
  if (!c) throw malformed('no c= line for the audio stream');
  if (c.address === '0.0.0.0' || c.address === '::') return { nullAddress: true };
  if (!(c.addrType === 'IP4' ? isIp4(c.address) : isIp6(c.address))) throw notAcceptable('c= address is not an IP address');
  if (c.ttl !== undefined || c.count !== undefined) throw notAcceptable('multicast media is not supported');
  if (m.port === 0) return { nullAddress: false };
  const rtcp = mediaRtcp(m);
  return {
    remote: { address: c.address, port: m.port },
    remoteRtcp: { address: rtcp?.address ?? c.address, port: rtcp?.port ?? m.port + 1 },
    nullAddress: false,
  };
}

function rejected(m: SdpMedia): SdpMedia {
  // RFC 3264 6: a rejected stream keeps its media type and proto, port 0, at least one format.
  return { type: m.type, port: 0, proto: m.proto, formats: m.formats.length ? [m.formats[0]!] : ['0'], extra: [], attributes: [] };
}

/**
 * Answer `offer` for a peer allowing `allow`. Returns the answer and what was settled; throws
 * SipError 488 (nothing in common, no usable audio stream) or 400 (the offer lacks what RFC
 * 4566 requires, e.g. a c= line).
 */
export function negotiateAnswer(offer: SessionDescription, o: AnswerOptions): NegotiatedMedia & { answer: SessionDescription } {
  const allow = supportedCodecs(o.allow);
  const answer = baseDescription(o);
  let chosen: (NegotiatedMedia & { te?: { pt: number; events: string } }) | undefined;
  let sawAudio = false;
  let sawSecureOnly = false;
  offer.media.forEach((m, index) => {
    if (chosen || m.type !== 'audio' || m.port === 0 || !isRtpAvp(m.proto)) {
      if (m.type === 'audio' && m.port !== 0 && !isRtpAvp(m.proto)) sawSecureOnly ||= m.proto.includes('SAVP');
      answer.media.push(rejected(m));
      return;
    }
    sawAudio = true;
    const offered = offeredCodecs(m);
    const pick = o.preferOfferOrder
      ? offered.find((c) => allow.includes(c.codec))
      : allow.map((codec) => offered.find((c) => c.codec === codec)).find((c) => c !== undefined);
    if (!pick) {
      answer.media.push(rejected(m));
      return;
    }
    const endpoint = remoteEndpoint(offer, m);
    const remoteDirection = mediaDirection(offer, m);
    // With c=0.0.0.0 the offerer cannot receive, whatever its attribute says.
    const effective = endpoint.nullAddress ? combineDirections(remoteDirection, 'sendonly') : remoteDirection;
    const direction = combineDirections(mirrorDirection(effective), o.direction ?? 'sendrecv');
    const tePt = o.telephoneEvent === false ? undefined : telephoneEventPt(m);
    const te = tePt === undefined ? undefined : { pt: tePt, events: validEvents(fmtpFor(m, tePt)) };
    const ptime = o.ptime ?? DEFAULT_PTIME;
    const remotePtime = mediaPtime(offer, m);
    chosen = {
      codec: pick.codec,
      payloadType: pick.pt,
      direction,
      remoteDirection,
      hold: endpoint.nullAddress || remoteDirection === 'sendonly' || remoteDirection === 'inactive',
      ptime,
      mediaIndex: index,
    };
    if (te) {
      chosen.telephoneEventPt = te.pt;
      chosen.receiveTelephoneEventPt = te.pt;
      chosen.te = te;
    }
    if (endpoint.remote) chosen.remote = endpoint.remote;
    if (endpoint.remoteRtcp) chosen.remoteRtcp = endpoint.remoteRtcp;
    if (remotePtime !== undefined) chosen.remotePtime = remotePtime;
    answer.media.push({
      type: 'audio',
      port: o.port,
      proto: m.proto,
      formats: [String(pick.pt), ...(te ? [String(te.pt)] : [])],
      extra: [],
      attributes: audioAttributes([pick], te, ptime, direction),
    });
  });
  if (!chosen) {
    if (sawAudio) throw notAcceptable('no common codec');
    if (sawSecureOnly) throw notAcceptable('SRTP is not supported');
    throw notAcceptable('no audio stream offered');
  }
  const { te: _te, ...result } = chosen;
  return { ...result, answer };
}

/** The events list from the offer's fmtp when it is a plain list of ranges, else the default. */
function validEvents(fmtp: string | undefined): string {
  return fmtp && /^\d{1,3}(-\d{1,3})?(,\d{1,3}(-\d{1,3})?){0,31}$/.test(fmtp) ? fmtp : DEFAULT_TELEPHONE_EVENTS;
}

/**
 * Read the answer to our `offer` (outgoing calls). The codec is the first one in the answer's
 * list that we offered (the answerer's preference, RFC 3264 6.1). Throws SipError 488 when the
 * answer breaks offer/answer rules or accepts nothing we can use.
 */
export function parseAnswer(offer: SessionDescription, answer: SessionDescription): NegotiatedMedia {
  if (answer.media.length !== offer.media.length) {
    throw notAcceptable(`answer has ${answer.media.length} m= lines, offer had ${offer.media.length}`);
  }
  const index = offer.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  if (index < 0) throw notAcceptable('no audio stream offered');
  const ours = offer.media[index]!;
  const theirs = answer.media[index]!;
  if (theirs.type !== 'audio') throw notAcceptable('answer changed the media type');
  if (theirs.port === 0) throw notAcceptable('audio stream rejected');
  const ourCodecs = offeredCodecs(ours);
  const pick = offeredCodecs(theirs).find((c) => ourCodecs.some((x) => x.codec === c.codec));
  if (!pick) throw notAcceptable('no common codec');
  const endpoint = remoteEndpoint(answer, theirs);
  const remoteDirection = mediaDirection(answer, theirs);
  const direction = mediaDirection(offer, ours);
  const result: NegotiatedMedia = {
    codec: pick.codec,
    payloadType: pick.pt,
    direction,
    remoteDirection,
    hold: endpoint.nullAddress || remoteDirection === 'sendonly' || remoteDirection === 'inactive',
    ptime: mediaPtime(offer, ours) ?? DEFAULT_PTIME,
    mediaIndex: index,
  };
  const ourTe = telephoneEventPt(ours);
  const theirTe = telephoneEventPt(theirs);
  if (ourTe !== undefined && theirTe !== undefined) {
    result.telephoneEventPt = theirTe;
    result.receiveTelephoneEventPt = ourTe;
  }
  if (endpoint.remote) result.remote = endpoint.remote;
  if (endpoint.remoteRtcp) result.remoteRtcp = endpoint.remoteRtcp;
  const remotePtime = mediaPtime(answer, theirs);
  if (remotePtime !== undefined) result.remotePtime = remotePtime;
  return result;
}
