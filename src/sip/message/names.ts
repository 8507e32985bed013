/**
 * Header names: canonical spelling, compact forms (RFC 3261 7.3.3 and the extensions that
 * define one), and which headers are comma-separated lists the parser splits into one entry
 * per element (RFC 3261 7.3.1: "field-name: field-value *(,field-value)" is equivalent to
 * several header lines of the same name).
 */
import { asciiLower } from './syntax.ts';

const KNOWN = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Accept-Resource-Priority',
  'Alert-Info', 'Allow', 'Allow-Events', 'Authentication-Info', 'Authorization', 'Call-ID',
  'Call-Info', 'Contact', 'Content-Disposition', 'Content-Encoding', 'Content-Language',
  'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Error-Info', 'Event', 'Expires', 'From',
  'History-Info', 'Identity', 'In-Reply-To', 'Join', 'Max-Breadth', 'Max-Forwards', 'MIME-Version',
  'Min-Expires', 'Min-SE', 'Organization', 'P-Asserted-Identity', 'P-Associated-URI',
  'P-Preferred-Identity', 'Path', 'Priority', 'Privacy', 'Proxy-Authenticate',
  'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason', 'Record-Route', 'Refer-To',
  'Referred-By', 'Reject-Contact', 'Replaces', 'Reply-To', 'Request-Disposition', 'Require',
  'Resource-Priority', 'Retry-After', 'Route', 'RSeq', 'Security-Client', 'Security-Server',
  'Security-Verify', 'Server', 'Service-Route', 'Session-Expires', 'SIP-ETag', 'SIP-If-Match',
  'Subject', 'Subscription-State', 'Supported', 'Timestamp', 'To', 'Unsupported', 'User-Agent',
  'Via', 'Warning', 'WWW-Authenticate',
];

/**
 * Compact forms: RFC 3261 7.3.3 (i m e l c f s k t v), RFC 6665 (o u), RFC 3515 (r),
 * RFC 3892 (b), RFC 4028 (x), RFC 3841 (a j d), RFC 8224 (y).
 */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'Call-ID',
  m: 'Contact',
  e: 'Content-Encoding',
  l: 'Content-Length',
  c: 'Content-Type',
  f: 'From',
  s: 'Subject',
  k: 'Supported',
  t: 'To',
  v: 'Via',
  o: 'Event',
  u: 'Allow-Events',
  r: 'Refer-To',
  b: 'Referred-By',
  x: 'Session-Expires',
  a: 'Accept-Contact',
  j: 'Reject-Contact',
  d: 'Request-Disposition',
  y: 'Identity',
};

/**
 * Headers whose grammar is a comma-separated list of elements. Authorization, WWW-Authenticate,
 * Proxy-Authenticate/-Authorization, Authentication-Info, Date, Retry-After and unknown headers
 * are never split: commas inside them do not separate values (RFC 3261 7.3.1 exceptions).
 */
const LIST_HEADERS = new Set([
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Accept-Resource-Priority',
  'Alert-Info', 'Allow', 'Allow-Events', 'Call-Info', 'Contact', 'Content-Encoding',
  'Content-Language', 'Error-Info', 'History-Info', 'In-Reply-To', 'P-Asserted-Identity',
  'P-Associated-URI', 'P-Preferred-Identity', 'Path', 'Proxy-Require', 'Reason', 'Record-Route',
  'Reject-Contact', 'Request-Disposition', 'Require', 'Resource-Priority', 'Route',
  'Security-Client', 'Security-Server', 'Security-Verify', 'Service-Route', 'Supported',
  'Unsupported', 'Via', 'Warning',
]);

/**
 * Lists of tokens that the serialiser writes back as one comma-separated line (Allow: INVITE,
 * ACK ...) rather than one line per element, to stay close to what phones send.
 */
const JOINED_ON_OUTPUT = new Set([
  'Accept', 'Accept-Encoding', 'Accept-Language', 'Allow', 'Allow-Events', 'Content-Encoding',
  'Content-Language', 'Proxy-Require', 'Require', 'Supported', 'Unsupported',
]);

const BY_LOWER = new Map<string, string>();
const SELF = new Set<string>();
for (const name of KNOWN) {
  BY_LOWER.set(asciiLower(name), name);
  SELF.add(name);
}
for (const short in COMPACT_FORMS) BY_LOWER.set(short, COMPACT_FORMS[short] as string);

/**
 * The canonical long form of a header name: compact forms expanded, known headers in their
 * RFC spelling (CALL-ID and call-id become Call-ID); unknown headers are kept as received.
 */
export function canonicalName(name: string): string {
  if (SELF.has(name)) return name;
  return BY_LOWER.get(asciiLower(name)) ?? name;
}

export function isListHeader(canonical: string): boolean {
  return LIST_HEADERS.has(canonical);
}

export function isJoinedOnOutput(canonical: string): boolean {
  return JOINED_ON_OUTPUT.has(canonical);
}
