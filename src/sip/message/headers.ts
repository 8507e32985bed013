/**
 * Header access and the structured views of header values, parsed on demand so a message that
 * is only relayed is never fully decoded. Names are matched case-insensitively and compact
 * forms are accepted (getHeader(msg, 'v') is the top Via); added headers get canonical names.
 */
import { parseCSeq } from './cseq.ts';
import { parseNameAddr } from './name-addr.ts';
import { canonicalName } from './names.ts';
import { reasonPhrase } from './reason.ts';
import { asciiEqualIgnoreCase, parseError } from './syntax.ts';
import { parseVia } from './via.ts';
import type { CSeq, SipHeader, SipMessage, SipRequest, SipResponse, Via } from './types.ts';

export { parseUri, formatUri, unescapeUri } from './uri.ts';
export { parseNameAddr, formatNameAddr } from './name-addr.ts';
export { parseVia, formatVia } from './via.ts';
export { parseCSeq, formatCSeq } from './cseq.ts';
export { parseAuthParams, formatAuthParams } from './auth-params.ts';
export type { AuthParams } from './auth-params.ts';
export { reasonPhrase } from './reason.ts';
export { canonicalName, COMPACT_FORMS } from './names.ts';
export { toWireText, fromWireText } from './syntax.ts';

function sameName(h: SipHeader, canon: string): boolean {
  return h.name === canon || asciiEqualIgnoreCase(h.name, canon);
}

/** The first value of a header (the top element for split list headers), or undefined. */
export function getHeader(msg: SipMessage, name: string): string | undefined {
  const canon = canonicalName(name);
  for (const h of msg.headers) if (sameName(h, canon)) return h.value;
  return undefined;
}

/** Every value of a header, in message order (one per element for split list headers). */
export function getHeaders(msg: SipMessage, name: string): string[] {
  const canon = canonicalName(name);
  const out: string[] = [];
  for (const h of msg.headers) if (sameName(h, canon)) out.push(h.value);
  return out;
}

/** Replaces every entry of the header with one, at the place of the first (or at the end). */
export function setHeader(msg: SipMessage, name: string, value: string): void {
  const canon = canonicalName(name);
  const hs = msg.headers;
  let at = -1;
  for (let i = hs.length - 1; i >= 0; i--) {
    if (sameName(hs[i]!, canon)) {
      hs.splice(i, 1);
      at = i;
    }
  }
  if (at < 0) hs.push({ name: canon, value });
  else hs.splice(at, 0, { name: canon, value });
}

/**
 * Adds one entry. atTop puts it before the existing entries of that name (a proxy's Via or
 * Record-Route, RFC 3261 16.6), or first in the message when there are none; otherwise it goes
 * after the last entry of that name, or at the end.
 */
export function addHeader(msg: SipMessage, name: string, value: string, atTop = false): void {
  const canon = canonicalName(name);
  const hs = msg.headers;
  const entry = { name: canon, value };
  if (atTop) {
    const i = hs.findIndex((h) => sameName(h, canon));
    hs.splice(i < 0 ? 0 : i, 0, entry);
    return;
  }
  for (let i = hs.length - 1; i >= 0; i--) {
    if (sameName(hs[i]!, canon)) {
      hs.splice(i + 1, 0, entry);
      return;
    }
  }
  hs.push(entry);
}

/** Removes every entry of the header; returns how many were removed. */
export function removeHeaders(msg: SipMessage, name: string): number {
  const canon = canonicalName(name);
  const before = msg.headers.length;
  msg.headers = msg.headers.filter((h) => !sameName(h, canon));
  return before - msg.headers.length;
}

function required(msg: SipMessage, name: string): string {
  const v = getHeader(msg, name);
  if (v === undefined) throw parseError('Missing ' + name);
  return v;
}

/** The top Via, parsed (RFC 3261 17.2.3 matches server transactions on its branch). */
export function topVia(msg: SipMessage): Via {
  return parseVia(required(msg, 'Via'));
}

export function callId(msg: SipMessage): string {
  return required(msg, 'Call-ID');
}

export function cseq(msg: SipMessage): CSeq {
  return parseCSeq(required(msg, 'CSeq'));
}

function tagOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = parseNameAddr(value).params['tag'];
  return t === null || t === undefined ? undefined : t;
}

export function fromTag(msg: SipMessage): string | undefined {
  return tagOf(getHeader(msg, 'From'));
}

export function toTag(msg: SipMessage): string | undefined {
  return tagOf(getHeader(msg, 'To'));
}

/** Methods whose 1xx/2xx responses create a dialog, so Record-Route is reflected (RFC 3261 12.1.1, RFC 6665 4.1.2.1). */
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);

/**
 * Builds a response to a request (RFC 3261 8.2.6.2): the Via headers in order, From, To (with
 * toTag added when given and the To has no tag yet), Call-ID and CSeq copied; Record-Route
 * copied for 101-299 answers to dialog-creating requests (12.1.1); Timestamp copied for 100
 * (8.2.6.1). No body; Content-Length is written by serializeMessage.
 */
export function createResponse(req: SipRequest, status: number, reason?: string, toTagValue?: string): SipResponse {
  const headers: SipHeader[] = [];
  const reflectRoute = status > 100 && status < 300 && DIALOG_CREATING.has(req.method);
  for (const h of req.headers) {
    if (h.name === 'Via') headers.push({ name: 'Via', value: h.value });
  }
  if (reflectRoute) {
    for (const h of req.headers) if (h.name === 'Record-Route') headers.push({ name: 'Record-Route', value: h.value });
  }
  const from = getHeader(req, 'From');
  const to = getHeader(req, 'To');
  if (from !== undefined) headers.push({ name: 'From', value: from });
  if (to !== undefined) {
    const needsTag = toTagValue !== undefined && toTagValue !== '' && tagOf(to) === undefined;
    headers.push({ name: 'To', value: needsTag ? to + ';tag=' + toTagValue : to });
  }
  const cid = getHeader(req, 'Call-ID');
  if (cid !== undefined) headers.push({ name: 'Call-ID', value: cid });
  const cs = getHeader(req, 'CSeq');
  if (cs !== undefined) headers.push({ name: 'CSeq', value: cs });
  if (status === 100) {
    const ts = getHeader(req, 'Timestamp');
    if (ts !== undefined) headers.push({ name: 'Timestamp', value: ts });
  }
  return { kind: 'response', status, reason: reason ?? reasonPhrase(status), headers, body: '' };
}
