/**
 * Message framing on stream transports (RFC 3261 18.3): "In the case of stream-oriented
 * transports such as TCP, the Content-Length header field indicates the size of the body. All
 * stream-oriented transports MUST use Content-Length" — a message without it cannot be framed,
 * so the connection must be closed.
 *
 * CRLFs between messages are skipped (RFC 3261 7.5); each CRLFCRLF is a RFC 5626 3.5.1 keep-alive
 * ping, counted in `keepalives` so the transport can answer it with a single CRLF pong. After
 * push() throws, the framer (and its connection) must be discarded.
 */
import { canonicalName } from './names.ts';
import { isWsp, parseDigits, parseError, tooLarge, TOKEN } from './syntax.ts';
import { DEFAULT_LIMITS } from './types.ts';
import type { ParseLimits } from './types.ts';

export class StreamFramer {
  /** CRLFCRLF keep-alive pings seen between messages. */
  keepalives = 0;
  private readonly limits: ParseLimits;
  /** What is being read: CRLFs before a message, its header section, or its body. */
  private phase: 'lead' | 'head' | 'body' = 'lead';
  /** The last CR/LF chars seen between messages (at most 4), to recognise a ping across reads. */
  private leadRun = '';
  /**
   * Chunks of the current message not yet joined. They are joined once, when the header section
   * or the body is complete, so a sender trickling bytes costs O(n) and not O(n^2).
   */
  private parts: string[] = [];
  private partsLength = 0;
  /** Header-end scanner state across chunks: 1 after '\n', 2 after '\n\r'. */
  private nl = 0;
  private head = '';
  private bodyLength = 0;

  constructor(limits: ParseLimits = DEFAULT_LIMITS) {
    this.limits = limits;
  }

  /** Bytes held back waiting for the rest of a message. */
  get buffered(): number {
    return this.head.length + this.partsLength;
  }

  /** Appends latin1 bytes from the stream; returns the complete raw messages now available. */
  push(chunk: string): string[] {
    const out: string[] = [];
    let s = chunk;
    while (s.length > 0) {
      if (this.phase === 'lead') {
        s = this.skipLead(s);
      } else if (this.phase === 'head') {
        const end = this.scanHeaderEnd(s);
        const take = end < 0 ? s : s.slice(0, end);
        this.parts.push(take);
        this.partsLength += take.length;
        if (this.partsLength > this.limits.maxMessageBytes) throw tooLarge('Message Too Large', 513);
        if (end < 0) break;
        s = s.slice(end);
        this.head = this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
        this.parts = [];
        this.partsLength = 0;
        this.nl = 0;
        this.bodyLength = contentLength(this.head);
        if (this.head.length + this.bodyLength > this.limits.maxMessageBytes) throw tooLarge('Message Too Large', 513);
        this.phase = 'body';
        if (this.bodyLength === 0) out.push(this.finish());
      } else {
        const take = Math.min(this.bodyLength - this.partsLength, s.length);
        this.parts.push(take === s.length ? s : s.slice(0, take));
        this.partsLength += take;
        s = take === s.length ? '' : s.slice(take);
        if (this.partsLength === this.bodyLength) out.push(this.finish());
      }
    }
    return out;
  }

  private finish(): string {
    const raw = this.partsLength === 0 ? this.head : this.head + this.parts.join('');
    this.head = '';
    this.parts = [];
    this.partsLength = 0;
    this.phase = 'lead';
    return raw;
  }

  /** Drops CR/LF before a message (RFC 3261 7.5); each "\r\n\r\n" counts as a keep-alive ping. */
  private skipLead(s: string): string {
    let i = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c !== 13 && c !== 10) {
        this.leadRun = '';
        this.phase = 'head';
        return i === 0 ? s : s.slice(i);
      }
      this.leadRun = (this.leadRun + s[i]).slice(-4);
      if (this.leadRun === '\r\n\r\n') {
        this.keepalives++;
        this.leadRun = '';
      }
      i++;
    }
    return '';
  }

  /**
   * Index in s just after the empty line that ends the header section (CRLF CRLF, or LF LF), or
   * -1; the state carried in `nl` finds a terminator split across chunks.
   */
  private scanHeaderEnd(s: string): number {
    if (this.nl === 1) {
      const c0 = s.charCodeAt(0);
      if (c0 === 10) return 1;
      if (c0 === 13) {
        if (s.length === 1) {
          this.nl = 2;
          return -1;
        }
        if (s.charCodeAt(1) === 10) return 2;
      }
    } else if (this.nl === 2) {
      if (s.charCodeAt(0) === 10) return 1;
    }
    this.nl = 0;
    let j = s.indexOf('\n');
    while (j >= 0) {
      if (j + 1 === s.length) {
        this.nl = 1;
        return -1;
      }
      const c1 = s.charCodeAt(j + 1);
      if (c1 === 10) return j + 2;
      if (c1 === 13) {
        if (j + 2 === s.length) {
          this.nl = 2;
          return -1;
        }
        if (s.charCodeAt(j + 2) === 10) return j + 3;
      }
      j = s.indexOf('\n', j + 1);
    }
    return -1;
  }
}

/** Reads Content-Length (or its compact form l) from a header section, unfolding continuation lines. */
function contentLength(b: string): number {
  const headEnd = b.length;
  let pos = b.indexOf('\n') + 1;
  let found: number | undefined;
  while (pos > 0 && pos < headEnd) {
    const nl = b.indexOf('\n', pos);
    const end = nl < 0 ? headEnd : nl;
    let i = pos;
    while (i < end && TOKEN[b.charCodeAt(i)] === 1) i++;
    const name = b.slice(pos, i);
    if (name.length > 0 && name.length <= 14 && canonicalName(name) === 'Content-Length') {
      while (i < end && isWsp(b.charCodeAt(i))) i++;
      if (b.charCodeAt(i) !== 58) throw parseError('Malformed Content-Length');
      let value = b.slice(i + 1, end);
      let next = end + 1;
      while (next < headEnd && isWsp(b.charCodeAt(next))) {
        const nl2 = b.indexOf('\n', next);
        value += ' ' + b.slice(next, nl2 < 0 ? headEnd : nl2);
        next = nl2 + 1;
        if (nl2 < 0) break;
      }
      const n = parseDigits(stripLws(value), 10);
      if (n < 0 || (found !== undefined && found !== n)) throw parseError('Malformed Content-Length');
      found = n;
    }
    pos = nl + 1;
  }
  if (found === undefined) throw parseError('Missing Content-Length');
  return found;
}

function stripLws(s: string): string {
  let a = 0;
  let e = s.length;
  while (a < e && (isWsp(s.charCodeAt(a)) || s.charCodeAt(a) === 13)) a++;
  while (e > a && (isWsp(s.charCodeAt(e - 1)) || s.charCodeAt(e - 1) === 13)) e--;
  return s.slice(a, e);
}
