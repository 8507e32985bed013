/**
 * Which sip.conf peer a digest username names, and its credentials, for every request the PBX
 * authenticates as a peer (INVITE in sip-driver.ts, SUBSCRIBE in the MWI service): the peer of
 * that name first, else the first whose `defaultuser` it is, as chan_sip looks peers up.
 */
import type { SipPeer } from '../config/index.ts';
import type { Credentials } from '../sip/auth/digest.ts';

export function peerForAuthName(peers: Iterable<SipPeer>, username: string): SipPeer | undefined {
  let byDefault: SipPeer | undefined;
  for (const p of peers) {
    if (p.name === username) return p;
    if (p.defaultuser === username) byDefault ??= p;
  }
  return byDefault;
}

/** What the digest check needs of `peer`; undefined when it has no secret (nothing to check against). */
export function peerCredentials(peer: SipPeer | undefined, username: string): Credentials | undefined {
  if (!peer || (!peer.secret && !peer.md5secret)) return undefined;
  const c: Credentials = { username };
  if (peer.secret) c.secret = peer.secret;
  if (peer.md5secret) c.md5secret = peer.md5secret;
  return c;
}
