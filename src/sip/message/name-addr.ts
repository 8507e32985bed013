/**
 * name-addr and addr-spec values of From, To, Contact, Route, Record-Route, Refer-To ...
 * (RFC 3261 20.10 and 25.1):
 *
 *   ( name-addr / addr-spec ) *( SEMI generic-param )
 *   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *(token LWS) / quoted-string
 *
 * RFC 3261 20.10: when the URI is not enclosed in angle brackets, any semicolon-separated
 * parameters are header parameters, not URI parameters. The display name is kept as raw bytes
 * (latin1 chars; UTF-8 names stay byte-exact), unquoted and unescaped.
 */
import { formatParams, parseError, parseParams, quote, readQuoted, trimLws, isWsp } from './syntax.ts';
import { formatUri, parseUri } from './uri.ts';
import type { NameAddr } from './types.ts';

const MALFORMED = 'Malformed Address';

export function parseNameAddr(s: string): NameAddr {
  if (typeof s !== 'string') throw parseError(MALFORMED);
  const v = trimLws(s);
  if (v.length === 0) throw parseError(MALFORMED);
  let displayName: string | undefined;
  let lt: number;
  if (v.charCodeAt(0) === 34) {
    const q = readQuoted(v, 0);
    if (q === undefined) throw parseError(MALFORMED);
    displayName = q.text;
    lt = q.end;
    while (lt < v.length && isWsp(v.charCodeAt(lt))) lt++;
    if (v.charCodeAt(lt) !== 60) throw parseError(MALFORMED);
  } else {
    lt = v.indexOf('<');
    if (lt > 0) {
      const name = trimLws(v.slice(0, lt));
      if (name.indexOf('"') >= 0 || name.indexOf('>') >= 0) throw parseError(MALFORMED);
      if (name.length > 0) displayName = name;
    }
  }
  if (lt >= 0) {
    const gt = v.indexOf('>', lt + 1);
    if (gt < 0) throw parseError(MALFORMED);
    const uri = parseUri(trimLws(v.slice(lt + 1, gt)));
    const params = parseParams(v, gt + 1, MALFORMED);
    return displayName === undefined ? { uri, params } : { displayName, uri, params };
  }
  // addr-spec: the URI ends at the first ';', what follows are header parameters.
  const semi = v.indexOf(';');
  const uriText = semi < 0 ? v : trimLws(v.slice(0, semi));
  if (uriText.indexOf('>') >= 0) throw parseError(MALFORMED);
  const uri = parseUri(uriText);
  return { uri, params: semi < 0 ? {} : parseParams(v, semi, MALFORMED) };
}

/**
 * Always writes the name-addr form (angle brackets), so URI parameters can never be mistaken
 * for header parameters; the display name, when present, is quoted.
 */
export function formatNameAddr(na: NameAddr): string {
  const uri = '<' + formatUri(na.uri) + '>';
  const head = na.displayName !== undefined && na.displayName !== '' ? quote(na.displayName) + ' ' + uri : uri;
  return head + formatParams(na.params);
}
