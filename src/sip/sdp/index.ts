/** The public surface of the SDP layer. */
export { parseSdp, isIp4, isIp6 } from './parse.ts';
export { serializeSdp } from './serialize.ts';
export {
  combineDirections,
  fmtpFor,
  mediaConnection,
  mediaDirection,
  mediaPtime,
  mediaRtcp,
  mirrorDirection,
  rtpMaps,
  STATIC_PAYLOAD_TYPES,
} from './media.ts';
export {
  CODECS,
  createOffer,
  DEFAULT_PTIME,
  DEFAULT_TELEPHONE_EVENT_PT,
  DEFAULT_TELEPHONE_EVENTS,
  isCodec,
  negotiateAnswer,
  parseAnswer,
  supportedCodecs,
} from './offer-answer.ts';
export type { AnswerOptions, Codec, DescriptionOptions, NegotiatedMedia, OfferOptions, RemoteAddress } from './offer-answer.ts';
export { DEFAULT_SDP_LIMITS } from './types.ts';
export type {
  AddrType,
  Direction,
  NetType,
  RtpMap,
  SdpAttribute,
  SdpConnection,
  SdpLimits,
  SdpLine,
  SdpMedia,
  SdpOrigin,
  SdpTiming,
  SessionDescription,
} from './types.ts';
