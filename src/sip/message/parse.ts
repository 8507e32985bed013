/**
 * SIP message parser (RFC 3261 sections 7 and 25), tolerant where RFC 4475 says a parser must be:
 *
 * - CRLFs before the start-line are ignored (RFC 3261 7.5);
 * - header names are case-insensitive, compact forms are expanded (7.3.3);
 * - folded header lines (CRLF followed by SP/HTAB) join with one SP (7.3.1);
 * - whitespace before the header colon is allowed (HCOLON = *( SP / HTAB ) ":" SWS);
 * - a bare LF ends a line as well as CRLF (robustness; CRLF is always written);
 * - Max-Forwards may be missing (RFC 3261 8.1.1 makes it mandatory; old phones omit it).
 *
 * and strict where a relayed or answered message would otherwise go wrong:
 *
 * - exactly one SP between the start-line parts (RFC 4475 3.1.2.x "extra spaces" cases);
 * - control chars (NUL, bare CR ...) anywhere in the header section are rejected;
 * - To, From, Call-ID, CSeq and Via must be present, the single-valued ones exactly once, and
 *   parse (From/To as name-addr, every Via, CSeq number below 2**31 with the request's method);
 * - Content-Length longer than the bytes that follow is an error; shorter truncates the body
 *   (RFC 3261 18.3: on a datagram, extra octets after the body are discarded).
 *
 * Header values are kept as received (latin1 strings, so UTF-8 bytes survive byte-exact); the
 * structured views are parsed on demand by ./headers.ts. Every failure is a SipError with code
 * SIP_PARSE or SIP_TOO_LARGE; no other exception escapes for any input string.
 */
import { SipError } from '../../core/errors.ts';
import { parseCSeq } from './cseq.ts';
import { parseNameAddr } from './name-addr.ts';
import { canonicalName, isListHeader } from './names.ts';
import { asciiEqualIgnoreCase, isToken, isWsp, parseDigits, parseError, TOKEN, tooLarge, trimLws } from './syntax.ts';
import { parseUri } from './uri.ts';
import { parseVia } from './via.ts';
import { DEFAULT_LIMITS } from './types.ts';
import type { ParseLimits, SipHeader, SipMessage, SipRequest, SipResponse } from './types.ts';

/**
 * A control char other than HTAB, or a CR not followed by LF. A single character class and a
 * one-char lookahead: linear, nothing to backtrack.
 */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)/;

export function parseMessage(raw: string, limits: ParseLimits = DEFAULT_LIMITS): SipMessage {
  try {
    return parse(raw, limits);
  } catch (e) {
    if (e instanceof SipError) throw e;
    // A bug in a helper must still surface as a parse failure of this input, not crash a socket
    // handler; `cause` keeps the original so tests (the fuzz test) can tell such bugs apart.
    const err = new SipError('SIP_PARSE', 400, 'Bad Request');
    err.cause = e;
    throw err;
  }
}

function parse(raw: string, limits: ParseLimits): SipMessage {
  if (typeof raw !== 'string') throw parseError('Bad Request');
  const len = raw.length;
  if (len > limits.maxMessageBytes) throw tooLarge('Message Too Large', 513);
  let pos = 0;
  while (pos < len) {
    const c = raw.charCodeAt(pos);
    if (c !== 13 && c !== 10) break;
    pos++;
  }
  if (pos >= len) throw parseError('Empty Message');

  // Start-line.
  let nl = raw.indexOf('\n', pos);
  if (nl < 0) throw parseError('Missing Header Terminator');
  let end = nl > pos && raw.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
  const isResponse = end - pos >= 4 && asciiEqualIgnoreCase(raw.slice(pos, pos + 4), 'SIP/');
  if (end - pos > limits.maxLineBytes) {
    throw isResponse ? tooLarge('Status Line Too Long', 400) : tooLarge('Request-URI Too Long', 414);
  }
  const startLine = raw.slice(pos, end);
  for (let i = 0; i < startLine.length; i++) {
    const c = startLine.charCodeAt(i);
    // HTAB may appear in a Reason-Phrase (RFC 3261 25.1), never in a Request-Line.
    if ((c < 32 && (c !== 9 || !isResponse)) || c === 127) throw parseError(isResponse ? 'Bad Status Line' : 'Bad Request Line');
  }

  // Header lines: one logical header at a time, continuation lines appended with one SP.
  const headers: SipHeader[] = [];
  let lines = 0;
  let curName = '';
  let curValue: string | undefined;
  let bodyStart = -1;
  pos = nl + 1;
  const headerStart = pos;
  while (pos < len) {
    nl = raw.indexOf('\n', pos);
    if (nl < 0) break;
    end = nl > pos && raw.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    if (end === pos) {
      bodyStart = nl + 1;
      break;
    }
    const c0 = raw.charCodeAt(pos);
    if (c0 === 32 || c0 === 9) {
      if (curValue === undefined) throw parseError('Malformed Header');
      const more = trimLws(raw.slice(pos, end));
      if (more.length > 0) curValue = curValue.length > 0 ? curValue + ' ' + more : more;
      if (curName.length + 2 + curValue.length > limits.maxLineBytes) throw tooLarge('Header Too Long', 400);
    } else {
      if (curValue !== undefined) addHeader(headers, curName, curValue);
      if (++lines > limits.maxHeaders) throw tooLarge('Too Many Headers', 400);
      if (end - pos > limits.maxLineBytes) throw tooLarge('Header Too Long', 400);
      let i = pos;
      while (i < end && TOKEN[raw.charCodeAt(i)] === 1) i++;
      if (i === pos) throw parseError('Malformed Header');
      const name = raw.slice(pos, i);
      while (i < end && isWsp(raw.charCodeAt(i))) i++;
      if (i >= end || raw.charCodeAt(i) !== 58) throw parseError('Malformed Header');
      i++;
      while (i < end && isWsp(raw.charCodeAt(i))) i++;
      let ve = end;
      while (ve > i && isWsp(raw.charCodeAt(ve - 1))) ve--;
      curName = canonicalName(name);
      curValue = raw.slice(i, ve);
    }
    pos = nl + 1;
  }
  if (bodyStart < 0) throw parseError('Missing Header Terminator');
  // One native scan of the whole header section for control chars (NUL, bare CR, ESC ...).
  if (CONTROL.test(raw.slice(headerStart, bodyStart))) throw parseError('Invalid Character In Header');
  if (curValue !== undefined) addHeader(headers, curName, curValue);

  const msg = isResponse ? statusLine(startLine, headers) : requestLine(startLine, headers);
  const contentLength = checkHeaders(msg);
  const rest = len - bodyStart;
  if (contentLength < 0) {
    msg.body = raw.slice(bodyStart);
  } else {
    if (contentLength > rest) throw parseError('Content-Length Mismatch');
    msg.body = raw.slice(bodyStart, bodyStart + contentLength);
  }
  return msg;
}

/**
 * Stores one logical header, split into one entry per element for list headers. Commas inside
 * quoted strings and angle brackets do not separate elements; an unclosed quote or bracket is a
 * malformed header (RFC 4475 3.1.2.x "unterminated quoted string").
 */
function addHeader(headers: SipHeader[], name: string, value: string): void {
  if (!isListHeader(name) || (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('<') < 0)) {
    headers.push({ name, value });
    return;
  }
  const n = value.length;
  let start = 0;
  let inQuote = false;
  let depth = 0;
  let pushed = false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 92) i++;
      else if (c === 34) inQuote = false;
    } else if (c === 34) {
      inQuote = true;
    } else if (c === 60) {
      depth++;
    } else if (c === 62) {
      if (depth === 0) throw parseError('Malformed ' + name);
      depth--;
    } else if (c === 44 && depth === 0) {
      const part = trimLws(value.slice(start, i));
      if (part.length > 0) {
        headers.push({ name, value: part });
        pushed = true;
      }
      start = i + 1;
    }
  }
  if (inQuote || depth !== 0) throw parseError('Malformed ' + name);
  const last = trimLws(value.slice(start));
  if (last.length > 0 || !pushed) headers.push({ name, value: last });
}

/** Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 7.1). */
function requestLine(line: string, headers: SipHeader[]): SipRequest {
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || sp2 === sp1 + 1) throw parseError('Bad Request Line');
  const method = line.slice(0, sp1);
  const uriText = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(method)) throw parseError('Bad Request Line');
  checkVersion(version, 'Bad Request Line');
  for (let i = 0; i < uriText.length; i++) {
    if (uriText.charCodeAt(i) === 9) throw parseError('Bad Request Line');
  }
  const uri = parseUri(uriText);
  return { kind: 'request', method, uri, headers, body: '' };
}

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 7.2). */
function statusLine(line: string, headers: SipHeader[]): SipResponse {
  const sp1 = line.indexOf(' ');
  if (sp1 < 0) throw parseError('Bad Status Line');
  checkVersion(line.slice(0, sp1), 'Bad Status Line');
  const code = line.slice(sp1 + 1, sp1 + 4);
  const status = parseDigits(code, 3);
  if (code.length !== 3 || status < 100 || status > 699) throw parseError('Bad Status Line');
  let reason = '';
  if (line.length > sp1 + 4) {
    if (line.charCodeAt(sp1 + 4) !== 32) throw parseError('Bad Status Line');
    reason = line.slice(sp1 + 5);
  }
  return { kind: 'response', status, reason, headers, body: '' };
}

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT, case-insensitive; only 2.0 is served (505 otherwise). */
function checkVersion(v: string, reason: string): void {
  if (v === 'SIP/2.0') return;
  if (v.length < 7 || !asciiEqualIgnoreCase(v.slice(0, 4), 'SIP/')) throw parseError(reason);
  const dot = v.indexOf('.', 4);
  if (dot < 0 || parseDigits(v.slice(4, dot)) < 0 || parseDigits(v.slice(dot + 1)) < 0) throw parseError(reason);
  if (v.slice(4) !== '2.0') throw parseError('Version Not Supported', 505);
}

/**
 * RFC 3261 8.1.1 mandatory headers, checked once so every later layer may rely on them.
 * Returns the Content-Length, or -1 when the message has none.
 */
function checkHeaders(msg: SipMessage): number {
  let from: string | undefined;
  let to: string | undefined;
  let callId: string | undefined;
  let cseq: string | undefined;
  let contentLength: string | undefined;
  let vias = 0;
  for (const h of msg.headers) {
    switch (h.name) {
      case 'Via':
        vias++;
        parseVia(h.value);
        break;
      case 'From':
        if (from !== undefined) throw parseError('Multiple From');
        from = h.value;
        break;
      case 'To':
        if (to !== undefined) throw parseError('Multiple To');
        to = h.value;
        break;
      case 'Call-ID':
        if (callId !== undefined) throw parseError('Multiple Call-ID');
        callId = h.value;
        break;
      case 'CSeq':
        if (cseq !== undefined) throw parseError('Multiple CSeq');
        cseq = h.value;
        break;
      case 'Content-Length':
        if (contentLength !== undefined && contentLength !== h.value) throw parseError('Multiple Content-Length');
        contentLength = h.value;
        break;
      case 'Max-Forwards': {
        const mf = parseDigits(h.value, 10);
        if (mf < 0 || mf > 255) throw parseError('Malformed Max-Forwards');
        break;
      }
      default:
        break;
    }
  }
  if (vias === 0) throw parseError('Missing Via');
  if (from === undefined) throw parseError('Missing From');
  if (to === undefined) throw parseError('Missing To');
  if (callId === undefined) throw parseError('Missing Call-ID');
  if (cseq === undefined) throw parseError('Missing CSeq');
  if (callId.length === 0) throw parseError('Malformed Call-ID');
  for (let i = 0; i < callId.length; i++) {
    if (isWsp(callId.charCodeAt(i))) throw parseError('Malformed Call-ID');
  }
  reparse(() => parseNameAddr(from as string), 'Malformed From');
  reparse(() => parseNameAddr(to as string), 'Malformed To');
  const cs = parseCSeq(cseq);
  if (msg.kind === 'request' && cs.method !== msg.method) throw parseError('CSeq Method Mismatch');
  if (contentLength === undefined) return -1;
  const n = parseDigits(contentLength, 10);
  if (n < 0) throw parseError('Malformed Content-Length');
  return n;
}

/** Names the header in the reason when its value does not parse (the helpers say only 'Malformed URI'). */
function reparse(fn: () => unknown, reason: string): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof SipError && e.status === 400) throw parseError(reason);
    throw e;
  }
}
