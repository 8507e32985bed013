/**
 * SDP parser (RFC 4566 section 5). Input is the SIP body as a latin1 string (one char per
 * byte). Lines end in CRLF or a bare LF (5: "parsers SHOULD be tolerant and also accept records
 * terminated with a single newline"); blank lines are skipped.
 *
 * Strict where a mistake would reach the media path: v=0 first and o= second; c= and m= fields
 * checked; RTP/AVP formats are payload types 0-127; a=rtpmap, a=fmtp, a=ptime, a=rtcp and the
 * direction attributes are validated when parsed, so every accessor can rely on them.
 * Tolerant of what real phones omit: a missing s= or t= is accepted.
 *
 * Only SipError escapes (400 "Malformed SDP (<fault>)"); the fuzz test holds it to that.
 */
import { malformed } from './errors.ts';
import { DEFAULT_SDP_LIMITS } from './types.ts';
import type {
  AddrType,
  SdpAttribute,
  SdpConnection,
  SdpLimits,
  SdpMedia,
  SdpOrigin,
  SdpTiming,
  SessionDescription,
} from './types.ts';

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
/** Line types allowed after v= o= s= at session level, and in a media section. */
const SESSION_TYPES = 'iuepcbtrzka';
const MEDIA_TYPES = 'icbka';
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;
const DIGITS = /^\d{1,20}$/;
const IP4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IP6 = /^[0-9A-Fa-f:.]{2,45}$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

export function isIp4(s: string): boolean {
  return IP4.test(s);
}

export function isIp6(s: string): boolean {
  return IP6.test(s) && s.includes(':');
}

function splitFields(value: string, what: string): string[] {
  const parts = value.split(' ');
  if (parts.some((p) => p === '')) throw malformed(`${what}: fields must be separated by single spaces`);
  return parts;
}

function parseAddrType(s: string, what: string): AddrType {
  if (s === 'IP4' || s === 'IP6') return s;
  throw malformed(`${what}: address type '${s.slice(0, 10)}' is not IP4 or IP6`);
}

function checkAddress(addrType: AddrType, address: string, what: string): void {
  const ok = addrType === 'IP4' ? IP4.test(address) || HOSTNAME.test(address) : isIp6(address) || HOSTNAME.test(address);
  if (!ok || address.length > 255) throw malformed(`${what}: bad ${addrType} address`);
}

function parseOrigin(value: string): SdpOrigin {
  const f = splitFields(value, 'o= line');
  if (f.length !== 6) throw malformed('o= line: expected 6 fields');
  const [username, sessionId, sessionVersion, netType, addrType, address] = f as [string, string, string, string, string, string];
  if (!DIGITS.test(sessionId) || !DIGITS.test(sessionVersion)) throw malformed('o= line: session id and version must be numbers');
  if (netType !== 'IN') throw malformed('o= line: network type must be IN');
  const at = parseAddrType(addrType, 'o= line');
  checkAddress(at, address, 'o= line');
  return { username, sessionId, sessionVersion, netType, addrType: at, address };
}

/** c=IN IP4 <address>[/<ttl>[/<count>]] (IP6: <address>[/<count>]). */
function parseConnection(value: string): SdpConnection {
  const f = splitFields(value, 'c= line');
  if (f.length !== 3) throw malformed('c= line: expected 3 fields');
  if (f[0] !== 'IN') throw malformed('c= line: network type must be IN');
  const addrType = parseAddrType(f[1]!, 'c= line');
  const [address, ...suffix] = f[2]!.split('/');
  checkAddress(addrType, address!, 'c= line');
  const c: SdpConnection = { netType: 'IN', addrType, address: address! };
  if (suffix.length > 2 || suffix.some((x) => !/^\d{1,3}$/.test(x))) throw malformed('c= line: bad multicast suffix');
  if (addrType === 'IP4') {
    if (suffix[0] !== undefined) c.ttl = Number(suffix[0]);
    if (suffix[1] !== undefined) c.count = Number(suffix[1]);
  } else {
    if (suffix.length > 1) throw malformed('c= line: bad multicast suffix');
    if (suffix[0] !== undefined) c.count = Number(suffix[0]);
  }
  return c;
}

function parseTiming(value: string): Omit<SdpTiming, 'repeats'> {
  const f = splitFields(value, 't= line');
  if (f.length !== 2 || !DIGITS.test(f[0]!) || !DIGITS.test(f[1]!)) throw malformed('t= line: expected two numbers');
  return { start: f[0]!, stop: f[1]! };
}

function isRtpProto(proto: string): boolean {
  return proto.startsWith('RTP/');
}

function parseMediaLine(value: string, limits: SdpLimits): SdpMedia {
  const f = splitFields(value, 'm= line');
  if (f.length < 3) throw malformed('m= line: expected media, port and proto');
  const [type, portText, proto, ...formats] = f as [string, string, string, ...string[]];
  if (!TOKEN.test(type)) throw malformed('m= line: bad media type');
  const pm = /^(\d{1,5})(?:\/(\d{1,5}))?$/.exec(portText);
  if (!pm || Number(pm[1]) > 65535) throw malformed('m= line: bad port');
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(proto)) throw malformed('m= line: bad proto');
  if (formats.length > limits.maxFormats) throw malformed(`m= line: more than ${limits.maxFormats} formats`);
  const port = Number(pm[1]);
  if (formats.length === 0 && port !== 0) throw malformed('m= line: no formats');
  for (const fmt of formats) {
    if (isRtpProto(proto)) {
      if (!/^\d{1,3}$/.test(fmt) || Number(fmt) > 127) throw malformed(`m= line: payload type '${fmt.slice(0, 10)}' is not 0-127`);
    } else if (!TOKEN.test(fmt)) {
      throw malformed('m= line: bad format');
    }
  }
  const m: SdpMedia = { type, port, proto, formats, extra: [], attributes: [] };
  if (pm[2] !== undefined) {
    const n = Number(pm[2]);
    if (n < 1 || n > 65535) throw malformed('m= line: bad port count');
    m.portCount = n;
  }
  return m;
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (!TOKEN.test(name)) throw malformed('a= line: bad attribute name');
  return colon < 0 ? { name } : { name, value: value.slice(colon + 1) };
}

/** Validates the attributes every layer above reads, so accessors never meet bad values. */
function checkAttributes(attrs: SdpAttribute[], where: string): void {
  let direction: string | undefined;
  for (const a of attrs) {
    if (DIRECTIONS.has(a.name)) {
      if (a.value !== undefined) throw malformed(`a=${a.name} takes no value`);
      if (direction !== undefined && direction !== a.name) throw malformed(`conflicting direction attributes ${where}`);
      direction = a.name;
      continue;
    }
    const v = a.value;
    switch (a.name) {
      case 'rtpmap': {
        const m = v === undefined ? null : /^(\d{1,3}) ([^ /]+)\/(\d{1,6})(?:\/(\d{1,2}))?$/.exec(v);
        if (!m || Number(m[1]) > 127 || Number(m[3]) === 0) throw malformed(`bad a=rtpmap ${where}`);
        break;
      }
      case 'fmtp':
        if (v === undefined || !/^\S{1,32}( +\S.*)?$/.test(v)) throw malformed(`bad a=fmtp ${where}`);
        break;
      case 'ptime':
      case 'maxptime':
        if (v === undefined || !/^\d{1,4}(\.\d{1,3})?$/.test(v) || Number(v) === 0 || Number(v) > 1000) throw malformed(`bad a=${a.name} ${where}`);
        break;
      case 'rtcp': {
        const m = v === undefined ? null : /^(\d{1,5})(?: IN (IP4|IP6) (\S+))?$/.exec(v);
        if (!m || Number(m[1]) > 65535) throw malformed(`bad a=rtcp ${where}`);
        if (m[3] !== undefined) checkAddress(m[2] as AddrType, m[3], 'a=rtcp');
        break;
      }
      default:
        break;
    }
  }
}

/** Parse an SDP body. Throws SipError 400 naming the fault. */
export function parseSdp(body: string, limits: SdpLimits = DEFAULT_SDP_LIMITS): SessionDescription {
  if (body.length > limits.maxBytes) throw malformed(`body larger than ${limits.maxBytes} bytes`);
  const raw = body.split('\n');
  if (raw.length > limits.maxLines) throw malformed(`more than ${limits.maxLines} lines`);
  const lines: string[] = [];
  for (let line of raw) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue;
    if (line.length > limits.maxLineBytes) throw malformed(`line longer than ${limits.maxLineBytes} bytes`);
    if (CONTROL.test(line)) throw malformed('control character in a line');
    if (line.length < 2 || line[1] !== '=' || line.charCodeAt(0) < 97 || line.charCodeAt(0) > 122) {
      throw malformed(`'${line.slice(0, 20)}' is not a type=value line`);
    }
    lines.push(line);
  }
  if (lines[0] !== 'v=0') throw malformed(lines.length === 0 ? 'empty body' : 'first line must be v=0');
  if (lines[1]?.[0] !== 'o') throw malformed('missing o= line');
  const origin = parseOrigin(lines[1].slice(2));
  let i = 2;
  let sessionName = '';
  if (lines[i]?.[0] === 's') sessionName = lines[i++]!.slice(2);

  const sd: SessionDescription = { origin, sessionName, extra: [], timing: [], attributes: [], media: [] };
  let attrCount = 0;
  let media: SdpMedia | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const type = line[0]!;
    const value = line.slice(2);
    if (type === 'm') {
      if (sd.media.length >= limits.maxMedia) throw malformed(`more than ${limits.maxMedia} m= lines`);
      media = parseMediaLine(value, limits);
      sd.media.push(media);
      attrCount = 0;
      continue;
    }
    if (type === 'v' || type === 'o' || type === 's') throw malformed(`${type}= line out of place`);
    if (!media) {
      // Line order is not enforced (phones get it wrong and it changes no meaning); the
      // serialiser writes RFC 4566 order.
      if (!SESSION_TYPES.includes(type)) throw malformed(`unknown line type ${type}=`);
      switch (type) {
        case 'c':
          if (sd.connection) throw malformed('more than one session-level c= line');
          sd.connection = parseConnection(value);
          break;
        case 't':
          if (sd.timing.length >= 16) throw malformed('too many t= lines');
          sd.timing.push({ ...parseTiming(value), repeats: [] });
          break;
        case 'r': {
          const t = sd.timing[sd.timing.length - 1];
          if (!t) throw malformed('r= line without t= line');
          if (t.repeats.length >= 16) throw malformed('too many r= lines');
          t.repeats.push(value);
          break;
        }
        case 'a':
          if (++attrCount > limits.maxAttributes) throw malformed(`more than ${limits.maxAttributes} attributes`);
          sd.attributes.push(parseAttribute(value));
          break;
        default:
          sd.extra.push({ type, value });
      }
    } else {
      if (!MEDIA_TYPES.includes(type)) throw malformed(`${type}= line not allowed in a media section`);
      switch (type) {
        case 'c':
          if (media.connection) throw malformed('more than one c= line in a media section');
          media.connection = parseConnection(value);
          break;
        case 'a':
          if (++attrCount > limits.maxAttributes) throw malformed(`more than ${limits.maxAttributes} attributes`);
          media.attributes.push(parseAttribute(value));
          break;
        default:
          media.extra.push({ type, value });
      }
    }
  }
  checkAttributes(sd.attributes, 'at session level');
  sd.media.forEach((m, n) => checkAttributes(m.attributes, `in m= line ${n + 1}`));
  return sd;
}
