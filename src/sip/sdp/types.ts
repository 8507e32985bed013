/**
 * The SDP data model (RFC 4566). Plain data: a parsed description serialises back to the same
 * meaning, and a description built in code (an offer or answer) is the same shape.
 */

export type NetType = 'IN';
export type AddrType = 'IP4' | 'IP6';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** c= (RFC 4566 5.7). `ttl`/`count` only appear for multicast, kept so they serialise back. */
export interface SdpConnection {
  netType: NetType;
  addrType: AddrType;
  address: string;
  ttl?: number;
  count?: number;
}

/** o= (5.2). Session id and version are digit strings: they may exceed 2^53. */
export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: NetType;
  addrType: AddrType;
  address: string;
}

/** a= (5.13): `value` is undefined for property attributes (`a=sendrecv`). */
export interface SdpAttribute {
  name: string;
  value?: string;
}

/** A line we carry but do not interpret (i= u= e= p= b= z= k=), kept in order. */
export interface SdpLine {
  type: string;
  value: string;
}

/** t= with its r= lines (5.9, 5.10). */
export interface SdpTiming {
  start: string;
  stop: string;
  repeats: string[];
}

/** m= and its section (5.14). `formats` are strings: RTP payload types, or tokens for other protos. */
export interface SdpMedia {
  type: string;
  port: number;
  portCount?: number;
  proto: string;
  formats: string[];
  /** i= and b= and k= lines of this section. */
  extra: SdpLine[];
  connection?: SdpConnection;
  attributes: SdpAttribute[];
}

export interface SessionDescription {
  origin: SdpOrigin;
  sessionName: string;
  /** i= u= e= p= b= z= k= at session level. */
  extra: SdpLine[];
  connection?: SdpConnection;
  timing: SdpTiming[];
  attributes: SdpAttribute[];
  media: SdpMedia[];
}

/** Limits that keep a hostile body cheap to reject. */
export interface SdpLimits {
  maxBytes: number;
  maxLines: number;
  maxLineBytes: number;
  maxMedia: number;
  maxFormats: number;
  maxAttributes: number;
}

export const DEFAULT_SDP_LIMITS: SdpLimits = {
  maxBytes: 16_384,
  maxLines: 512,
  maxLineBytes: 2048,
  maxMedia: 16,
  maxFormats: 64,
  maxAttributes: 128,
};

/** a=rtpmap:<pt> <encoding>/<clock>[/<channels>] (6). */
export interface RtpMap {
  payloadType: number;
  encoding: string;
  clockRate: number;
  channels?: number;
}
