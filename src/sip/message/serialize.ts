/**
 * Writes a message as latin1 text (RFC 3261 7): start-line, headers in their order, CRLF, body.
 *
 * Content-Length is always recomputed from the body (a stale value would desynchronise a TCP
 * stream, RFC 3261 18.3): an existing Content-Length header gets the new value in place, else
 * one is appended. Consecutive entries of token-list headers (Allow, Supported ...) are joined
 * into one comma-separated line; every other entry is written on its own line, which RFC 3261
 * 7.3.1 makes equivalent.
 */
import { isJoinedOnOutput } from './names.ts';
import { formatUri } from './uri.ts';
import type { SipMessage } from './types.ts';

export function serializeMessage(msg: SipMessage): string {
  let out =
    msg.kind === 'request'
      ? msg.method + ' ' + formatUri(msg.uri) + ' SIP/2.0\r\n'
      : 'SIP/2.0 ' + msg.status + ' ' + msg.reason + '\r\n';
  const headers = msg.headers;
  const n = headers.length;
  let wroteLength = false;
  for (let i = 0; i < n; i++) {
    const h = headers[i]!;
    const name = h.name;
    if (name === 'Content-Length') {
      if (!wroteLength) out += 'Content-Length: ' + msg.body.length + '\r\n';
      wroteLength = true;
      continue;
    }
    let value = h.value;
    if (isJoinedOnOutput(name)) {
      while (i + 1 < n && headers[i + 1]!.name === name) {
        const more = headers[++i]!.value;
        if (more.length > 0) value = value.length > 0 ? value + ', ' + more : more;
      }
    }
    out += name + ': ' + value + '\r\n';
  }
  if (!wroteLength) out += 'Content-Length: ' + msg.body.length + '\r\n';
  return out + '\r\n' + msg.body;
}
