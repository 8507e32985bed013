/**
 * The header values of a transfer: Refer-To (RFC 3515 2.1) with an embedded Replaces (RFC 3891
 * section 6: `<sip:C@pbx?Replaces=CALLID%3Bto-tag%3DX%3Bfrom-tag%3DY>`) and Replaces itself
 * (RFC 3891 section 6.1, in an INVITE). Pure parsing: a value we cannot read is undefined, and
 * the caller answers 400 as it sees fit.
 */
import { parseNameAddr } from './name-addr.ts';
import { unescapeUri } from './uri.ts';

/** A dialog named by Replaces: its Call-ID and tags as the receiver of the header sees them. */
export interface ReplacesTarget {
  callId: string;
  /** RFC 3891 3: the tag the receiver put in the dialog (its local tag). */
  toTag: string;
  /** The tag of the other end of the dialog (the receiver's remote tag). */
  fromTag: string;
  /** `early-only`: only an early dialog may be replaced (RFC 3891 3). */
  earlyOnly: boolean;
}

/** What a Refer-To names: the target's user part (the extension) and host, and any Replaces. */
export interface ReferTarget {
  /** User part of the URI, unescaped (the extension to call); '' when absent. */
  user: string;
  host: string;
  /** The whole URI without its embedded headers, as written. */
  uri: string;
  replaces?: ReplacesTarget;
}

/**
 * Replaces header value: `callid;to-tag=X;from-tag=Y[;early-only]`. Both tags are required
 * (RFC 3891 6.1); parameter names are case-insensitive, the Call-ID is kept exactly.
 */
export function parseReplaces(value: string): ReplacesTarget | undefined {
  const parts = value.split(';').map((p) => p.trim());
  const callId = parts[0] ?? '';
  if (callId === '' || /\s/.test(callId)) return undefined;
  let toTag: string | undefined;
  let fromTag: string | undefined;
  let earlyOnly = false;
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? '' : p.slice(eq + 1).trim();
    if (name === 'to-tag') toTag = v;
    else if (name === 'from-tag') fromTag = v;
    else if (name === 'early-only') earlyOnly = true;
  }
  if (!toTag || !fromTag) return undefined;
  return { callId, toTag, fromTag, earlyOnly };
}

/**
 * Refer-To value: a name-addr or bare addr-spec with a sip/sips URI. The embedded Replaces
 * header (escaped, `%3B` for `;`, `%3D` for `=`, `%40` for `@`) is unescaped and parsed; a
 * Replaces we cannot read makes the whole value unreadable (a transfer must not silently turn
 * from attended into blind).
 */
export function parseReferTo(value: string): ReferTarget | undefined {
  let uri;
  try {
    uri = parseNameAddr(value.trim()).uri;
  } catch {
    return undefined;
  }
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips') return undefined;
  const target: ReferTarget = {
    user: uri.user ?? '',
    host: uri.host,
    uri: `${uri.scheme}:${uri.user !== undefined ? `${uri.user}@` : ''}${uri.host}${uri.port !== undefined ? `:${uri.port}` : ''}`,
  };
  const key = Object.keys(uri.headers).find((k) => k.toLowerCase() === 'replaces');
  if (key !== undefined) {
    const replaces = parseReplaces(unescapeUri(uri.headers[key]!));
    if (!replaces) return undefined;
    target.replaces = replaces;
  }
  return target;
}
