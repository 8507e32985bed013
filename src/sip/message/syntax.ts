/**
 * Lexical helpers shared by the SIP message parsers (RFC 3261 section 25.1 basic rules).
 *
 * Everything here works on latin1 strings (one char per byte) with charCodeAt loops: no
 * regular expression that could backtrack, and no String.prototype.trim/toLowerCase, which
 * treat some latin1 chars (0xA0, 0xC0-0xDE) as whitespace or letters and would corrupt
 * UTF-8 bytes travelling inside display names and reason phrases.
 */
import { SipError } from '../../core/errors.ts';
import type { Params } from './types.ts';

/** A SIP_PARSE failure answered with `status reason` (400 unless said otherwise). */
export function parseError(reason: string, status = 400): SipError {
  return new SipError('SIP_PARSE', status, reason);
}

/** A limit violation (RFC 3261 21.5.14 513 for size; 400 or 414 for lines). */
export function tooLarge(reason: string, status: number): SipError {
  return new SipError('SIP_TOO_LARGE', status, reason);
}

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of "-.!%*_+`'~") TOKEN[ch.charCodeAt(0)] = 1;

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || TOKEN[c] === 0) return false;
  }
  return true;
}

export function isWsp(c: number): boolean {
  return c === 32 || c === 9;
}

/** Trims SP and HTAB only (LWS after unfolding). */
export function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Lower-cases A-Z only, leaving every other byte as it is. */
export function asciiLower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      let out = s.slice(0, i);
      for (let j = i; j < s.length; j++) {
        const d = s.charCodeAt(j);
        out += d >= 65 && d <= 90 ? String.fromCharCode(d + 32) : s[j];
      }
      return out;
    }
  }
  return s;
}

/** Upper-cases a-z only. */
export function asciiUpper(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) {
      let out = s.slice(0, i);
      for (let j = i; j < s.length; j++) {
        const d = s.charCodeAt(j);
        out += d >= 97 && d <= 122 ? String.fromCharCode(d - 32) : s[j];
      }
      return out;
    }
  }
  return s;
}

/** Case-insensitive ASCII comparison. */
export function asciiEqualIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  return true;
}

/** True when s holds a control char (CTL other than HTAB), which never belongs in a header. */
export function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return true;
  }
  return false;
}

/** Parses 1*DIGIT; returns -1 when s is empty, holds anything else or is longer than maxDigits. */
export function parseDigits(s: string, maxDigits = 10): number {
  if (s.length === 0 || s.length > maxDigits) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/**
 * Reads a quoted-string starting at s[start] === '"' (RFC 3261 25.1: quoted-pair = "\" any
 * char but CR/LF). Returns the unescaped text and the index after the closing quote, or
 * undefined when the string is not terminated.
 */
export function readQuoted(s: string, start: number): { text: string; end: number } | undefined {
  let text = '';
  let run = start + 1;
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) {
      if (i + 1 >= s.length) return undefined;
      text += s.slice(run, i) + s[i + 1];
      i++;
      run = i + 1;
    } else if (c === 34) {
      return { text: text + s.slice(run, i), end: i + 1 };
    }
  }
  return undefined;
}

/** Writes s as a quoted-string, escaping '"' and '\' and dropping CR/LF (they cannot be escaped). */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 92) out += '\\' + s[i];
    else if (c !== 13 && c !== 10) out += s[i];
  }
  return out + '"';
}

/**
 * Parses `;name[=value]` parameters (RFC 3261 generic-param) from s[start..]. s[start] must be
 * ';' (or start === s.length). Names are lower-cased; values are kept as received, quoted strings
 * keep their quotes so they re-serialise identically. Empty parameters (";;") are skipped.
 * Throws `reason` when text other than parameters follows or a quote is not closed.
 */
export function parseParams(s: string, start: number, reason: string, out: Params = {}): Params {
  let i = start;
  const n = s.length;
  while (i < n) {
    while (i < n && isWsp(s.charCodeAt(i))) i++;
    if (i >= n) break;
    if (s.charCodeAt(i) !== 59) throw parseError(reason);
    i++;
    // One parameter: up to the next ';' outside quotes.
    let j = i;
    let eq = -1;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === 59) break;
      if (c === 61 && eq < 0) eq = j;
      else if (c === 34) {
        const q = readQuoted(s, j);
        if (q === undefined) throw parseError(reason);
        j = q.end;
        continue;
      }
      j++;
    }
    const name = trimLws(s.slice(i, eq < 0 ? j : eq));
    if (name.length === 0) {
      if (eq >= 0) throw parseError(reason);
      i = j;
      continue;
    }
    if (hasWsInside(name) || hasAny(name, '<>"')) throw parseError(reason);
    const value = eq < 0 ? null : trimLws(s.slice(eq + 1, j));
    out[asciiLower(name)] = value;
    i = j;
  }
  return out;
}

function hasWsInside(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isWsp(s.charCodeAt(i))) return true;
  return false;
}

export function hasAny(s: string, chars: string): boolean {
  for (let i = 0; i < s.length; i++) if (chars.indexOf(s[i] as string) >= 0) return true;
  return false;
}

/** Writes parameters back as `;name` or `;name=value`. */
export function formatParams(params: Params): string {
  let out = '';
  for (const k in params) {
    const v = params[k];
    out += v === null || v === undefined ? ';' + k : ';' + k + '=' + v;
  }
  return out;
}

/**
 * Text to wire bytes: a JS string (UTF-16) encoded as UTF-8, one latin1 char per byte, ready to
 * go into a header value or display name. "Jürgen" becomes "J\u00c3\u00bcrgen".
 */
export function toWireText(text: string): string {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 127) {
      ascii = false;
      break;
    }
  }
  if (ascii) return text;
  let out = '';
  for (const b of new TextEncoder().encode(text)) out += String.fromCharCode(b);
  return out;
}

/** Wire bytes (latin1 chars) decoded as UTF-8 for display; invalid sequences become U+FFFD. */
export function fromWireText(bytes: string): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes.charCodeAt(i) > 127) {
      ascii = false;
      break;
    }
  }
  if (ascii) return bytes;
  const buf = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) buf[i] = bytes.charCodeAt(i) & 0xff;
  return new TextDecoder('utf-8').decode(buf);
}
