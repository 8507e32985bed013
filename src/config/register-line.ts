/**
 * sip.conf `register =>` lines, in chan_sip's syntax:
 *
 *   register => [peer?][transport://]user[@domain][:secret[:authuser]]@host[:port][/extension][~expiry]
 *
 * The last `@` separates the account from the registrar (so a secret may hold `@`, never `:`).
 * On the registrar side `~expiry` is cut first, then `/extension`, then `:port`. On the account
 * side `peer?` and `transport://` are prefixes, then `:` splits user[@domain], secret, authuser.
 * tls is refused (this PBX has no TLS transport); an empty secret is allowed (some providers
 * register by address).
 */
import type { Origin, SipRegistration } from './model.ts';
import { isHost, parseHostPort, parseInteger, type Parsed } from './values.ts';

/** What the user writes, for error messages. */
export const REGISTER_SYNTAX = '[transport://]user[@domain][:secret[:authuser]]@host[:port][/extension][~expiry]';

/** Asterisk's default registration expiry when [general] has no defaultexpiry (DEFAULT_DEFAULT_EXPIRY). */
export const DEFAULT_REGISTER_EXPIRY = 120;

const bad = <T>(why: string): Parsed<T> => ({ ok: false, why });

/** A user or extension: no spaces, no characters that end a URI part. */
const USER_PART = /^[^\s:@;?<>"/~]+$/;

export function parseRegisterLine(text: string, defaultExpiry: number, origin: Origin): Parsed<SipRegistration> {
  const line = text.trim();
  const at = line.lastIndexOf('@');
  if (at < 0) return bad(`no registrar host: expected ${REGISTER_SYNTAX}`);
  let account = line.slice(0, at);
  let registrar = line.slice(at + 1);
  if (registrar === '') return bad('no registrar host after the last @');

  let expiry = defaultExpiry;
  const tilde = registrar.indexOf('~');
  if (tilde >= 0) {
    const n = parseInteger(registrar.slice(tilde + 1), 1, 604800);
    if (!n.ok) return bad(`expiry '${registrar.slice(tilde + 1)}': ${n.why}`);
    expiry = n.value;
    registrar = registrar.slice(0, tilde);
  }
  let extension = 's';
  const slash = registrar.indexOf('/');
  if (slash >= 0) {
    extension = registrar.slice(slash + 1);
    if (!USER_PART.test(extension)) return bad(`extension '${extension}' must be a word without spaces, :, @ or /`);
    registrar = registrar.slice(0, slash);
  }
  const hp = parseHostPort(registrar);
  if (!hp.ok) return bad(`registrar ${hp.why}`);

  let peer: string | undefined;
  const q = account.indexOf('?');
  if (q >= 0) {
    peer = account.slice(0, q);
    if (!/^[\w.+-]+$/.test(peer)) return bad(`peer name '${peer}' before ? is not a valid peer name`);
    account = account.slice(q + 1);
  }
  let transport: SipRegistration['transport'] = 'udp';
  const scheme = /^([^:/@]*):\/\//.exec(account);
  if (scheme) {
    const t = scheme[1].toLowerCase();
    if (t === 'tls') return bad('transport tls:// is not supported (use udp:// or tcp://)');
    if (t !== 'udp' && t !== 'tcp') return bad(`unknown transport '${scheme[1]}://' (use udp:// or tcp://)`);
    transport = t;
    account = account.slice(scheme[0].length);
  }
  const fields = account.split(':');
  if (fields.length > 3) return bad(`too many ':' before the host: expected user[@domain][:secret[:authuser]]`);
  const [userDomain, secret = '', authuser] = fields;
  const atDomain = userDomain.indexOf('@');
  const user = atDomain >= 0 ? userDomain.slice(0, atDomain) : userDomain;
  const domain = atDomain >= 0 ? userDomain.slice(atDomain + 1) : undefined;
  if (!USER_PART.test(user)) return bad(user === '' ? 'no user name before the host' : `user '${user}' must be a word without spaces, :, @ or /`);
  if (domain !== undefined && !isHost(domain)) return bad(`domain '${domain}' is not a valid host name or address`);
  if (/[\s"]/.test(secret)) return bad('the secret must not hold spaces or quotes');
  if (authuser !== undefined && !USER_PART.test(authuser)) return bad(`authuser '${authuser}' must be a word without spaces, :, @ or /`);

  return {
    ok: true,
    value: {
      text: line,
      ...(peer !== undefined ? { peer } : {}),
      transport,
      user,
      ...(domain !== undefined ? { domain } : {}),
      secret,
      ...(authuser !== undefined ? { authuser } : {}),
      host: hp.value.host,
      ...(hp.value.port !== undefined ? { port: hp.value.port } : {}),
      extension,
      expiry,
      origin,
    },
  };
}
