/**
 * SIP message data model (RFC 3261 section 7). Plain data: messages are built, cloned and
 * serialised without hidden state. Header values are kept as received (one entry per header
 * line, or per comma-separated element for headers the parser splits: Via, Contact, Route,
 * Record-Route ...); structured views (Via, NameAddr, CSeq) are parsed on demand by helpers in
 * ./headers.ts so a message that is only relayed is never fully decoded.
 */

export type SipMethod =
  | 'INVITE'
  | 'ACK'
  | 'BYE'
  | 'CANCEL'
  | 'OPTIONS'
  | 'REGISTER'
  | 'PRACK'
  | 'SUBSCRIBE'
  | 'NOTIFY'
  | 'PUBLISH'
  | 'INFO'
  | 'REFER'
  | 'MESSAGE'
  | 'UPDATE'
  | (string & {});

export type Params = Record<string, string | null>;

export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  /** ;transport=tcp ;lr ... (lower-cased names; null for flag parameters) */
  params: Params;
  /** ?header=value parts */
  headers: Record<string, string>;
}

export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  /** Header parameters after the URI: ;tag= ;expires= ;q= ... */
  params: Params;
}

export interface Via {
  /** SIP/2.0 */
  protocol: string;
  transport: string;
  host: string;
  port?: number;
  /** branch, received, rport (null when present without value), maddr, ttl ... */
  params: Params;
}

export interface CSeq {
  seq: number;
  method: SipMethod;
}

export interface SipHeader {
  /** Canonical long-form name (compact forms expanded: v -> Via, m -> Contact ...). */
  name: string;
  value: string;
}

interface SipMessageBase {
  headers: SipHeader[];
  /** Body bytes as a latin1 string: one char per byte, so length === Content-Length. */
  body: string;
}

export interface SipRequest extends SipMessageBase {
  kind: 'request';
  method: SipMethod;
  uri: SipUri;
}

export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/** Limits enforced by the parser; violations are SIP_TOO_LARGE errors (answered 400/413/494 or dropped). */
export interface ParseLimits {
  maxMessageBytes: number;
  maxHeaders: number;
  maxLineBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxMessageBytes: 65_535,
  maxHeaders: 100,
  maxLineBytes: 4096,
};
