/**
 * pbx.conf: the minimal file a user edits. `[system]` holds the box settings, `[phones]` one line
 * per phone (`2000 = secret, Joe Bloggs[, email]`), from which a SIP peer and a mailbox are derived.
 * `[analog]` (analog-conf.ts) lists the analog ports; `[voicemail]` (PINs, SMTP) is handed raw
 * to voicemail-conf.ts; `[trunk NAME]` is kept raw for the layer that will model it.
 */
import type { ConfEntry, ConfFile, ConfSection } from './conf-parser.ts';
import { normalizePath } from './conf-parser.ts';
import { didYouMean, type Diagnostics, type Origin } from './diagnostics.ts';
import {
  DEFAULT_SYSTEM,
  PHONES_CONTEXT,
  PHONES_MAILBOX_CONTEXT,
  TONE_COUNTRIES,
  type LanConfig,
  type Phone,
  type PeerDefaults,
  type SipPeer,
  type SystemConfig,
  type AnalogConfig,
} from './model.ts';
import { readAnalog } from './analog-conf.ts';
import { isEmailAddress } from './voicemail-conf.ts';
import type { ChanDahdiRead } from './chan-dahdi-conf.ts';
import { isIPv4, isIPv6, isHostname, parseHostPort, parseInteger, parsePort, sameIPv4Subnet, splitList } from './values.ts';
import { fileExists, isDirectory, paths } from '../platform/fs.ts';

export const SYSTEM_KEYS = [
  'hostname', 'sip', 'rtp', 'control', 'data', 'syslog', 'country', 'timezone', 'lan', 'lan_interface',
  'gateway', 'dns', 'admin_password', 'verbose', 'dialtimeout',
] as const;

const PBX_SECTIONS = ['system', 'phones', 'trunk', 'voicemail', 'analog'];

/** Longest unix socket path Linux accepts (sun_path is 108 bytes with the terminating NUL). */
const MAX_SOCKET_PATH = 107;

/** Number the default dialplan gives the echo test. */
const ECHO_TEST_EXTENSION = '600';

const COMMON_SECRETS = new Set(['password', 'secret', 'changeme', 'letmein', 'asterisk', 'qwertyui', 'qwerty123', 'password1', 'abcdefgh']);

export interface PbxConfPart {
  system: SystemConfig;
  phones: Map<string, Phone>;
  trunks: Map<string, ConfSection>;
  voicemail?: ConfSection;
  analog?: AnalogConfig;
}

/**
 * Read the model parts pbx.conf defines. `dir` (the config directory) resolves relative
 * `control` and `data` paths; without it they are kept as written.
 */
export function readPbxConf(conf: ConfFile, diag: Diagnostics, dir?: string, dahdi?: ChanDahdiRead): PbxConfPart {
  const systemEntries: ConfEntry[] = [];
  const phoneEntries: ConfEntry[] = [];
  const trunks = new Map<string, ConfSection>();
  let voicemail: ConfSection | undefined;
  let analog: ConfSection | undefined;

  // Sections of the same name merge (a file may split [phones] across includes); duplicate keys
  // and phones are caught entry by entry.
  for (const s of conf.sections) {
    if (s.templateOnly) continue;
    const at = { file: s.file, line: s.line };
    const trunk = /^trunk(?:\s+(.*))?$/.exec(s.name);
    if (s.name === 'system') systemEntries.push(...s.entries);
    else if (s.name === 'phones') phoneEntries.push(...s.entries);
    else if (s.name === 'voicemail') voicemail = mergeRaw(voicemail, s);
    else if (s.name === 'analog') analog = mergeRaw(analog, s);
    else if (trunk) {
      const name = (trunk[1] ?? '').trim();
      if (name === '') diag.error(at, `[trunk] needs a name: [trunk NAME]`);
      else if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(name)) diag.error(at, `invalid trunk name '${name}' (use letters, digits, '-', '_', '.', '+')`);
      else if (trunks.has(name)) {
        const first = trunks.get(name)!;
        diag.error(at, `duplicate [trunk ${name}] (first at ${first.file}:${first.line})`);
      } else trunks.set(name, s);
    } else diag.error(at, `unknown section [${s.name}]${didYouMean(s.name, PBX_SECTIONS)}`);
  }

  const system = readSystem(systemEntries, diag, dir);
  const phones = readPhones(phoneEntries, diag);
  // chan_dahdi.conf ports merge into [analog]; alone they make the analog config (dahdi backend).
  const external = dahdi?.ports ?? [];
  const analogConfig = analog
    ? readAnalog(analog, new Set(phones.keys()), diag, external)
    : external.length > 0
      ? { backend: 'dahdi' as const, ports: [...external], origin: { file: dahdi?.file ?? 'chan_dahdi.conf', line: 0 } }
      : undefined;
  return { system, phones, trunks, ...(voicemail ? { voicemail } : {}), ...(analogConfig ? { analog: analogConfig } : {}) };
}

function mergeRaw(prev: ConfSection | undefined, s: ConfSection): ConfSection {
  return prev ? { ...prev, entries: [...prev.entries, ...s.entries] } : s;
}

function readSystem(entries: ConfEntry[], diag: Diagnostics, dir: string | undefined): SystemConfig {
  const system: SystemConfig = {
    ...DEFAULT_SYSTEM,
    sip: { ...DEFAULT_SYSTEM.sip },
    rtp: { ...DEFAULT_SYSTEM.rtp },
  };
  const seen = new Map<string, ConfEntry>();
  let lanEntry: ConfEntry | undefined;
  let gateway: { value: string; at: Origin } | undefined;
  let dns: { value: string[]; at: Origin } | undefined;
  let sipAt: Origin | undefined;
  let rtpAt: Origin | undefined;

  for (const e of entries) {
    const at = { file: e.file, line: e.line };
    const key = e.key.toLowerCase();
    if (!(SYSTEM_KEYS as readonly string[]).includes(key)) {
      diag.error(at, `unknown key '${e.key}' in [system]${didYouMean(e.key, SYSTEM_KEYS)}`);
      continue;
    }
    const first = seen.get(key);
    if (first) {
      diag.error(at, `duplicate key '${e.key}' in [system] (first at ${first.file}:${first.line})`);
      continue;
    }
    seen.set(key, e);
    const v = e.value;
    const invalid = (why: string): void => diag.error(at, `invalid ${key} '${v}': ${why}`);
    switch (key) {
      case 'hostname':
        if (isHostname(v)) system.hostname = v;
        else invalid(`expected a host name of letters, digits, '-' and '.'`);
        break;
      case 'sip': {
        const hp = parseHostPort(v);
        if (!hp.ok) invalid(hp.why);
        else {
          system.sip = { host: hp.value.host, port: hp.value.port ?? 5060 };
          sipAt = at;
        }
        break;
      }
      case 'rtp': {
        const m = /^(\d+)\s*-\s*(\d+)$/.exec(v);
        if (!m) {
          invalid('expected START-END, e.g. 10000-20000');
          break;
        }
        const start = parsePort(m[1]);
        const end = parsePort(m[2]);
        if (!start.ok) invalid(start.why);
        else if (!end.ok) invalid(end.why);
        else if (start.value >= end.value) invalid('start must be lower than end');
        else if (start.value < 1024) invalid('start must be 1024 or above (lower ports are reserved)');
        else {
          system.rtp = { start: start.value, end: end.value };
          rtpAt = at;
          if (start.value % 2 !== 0) diag.warn(at, `rtp range starts at an odd port; RTP uses even ports, so ${start.value + 1} is the first one used`);
        }
        break;
      }
      case 'control':
      case 'data': {
        if (v === '') {
          invalid('expected a path');
          break;
        }
        const path = dir !== undefined && !v.startsWith('/') ? normalizePath(`${dir}/${v}`) : v;
        if (key === 'control' && new TextEncoder().encode(path).length > MAX_SOCKET_PATH) {
          invalid(`a unix socket path may be at most ${MAX_SOCKET_PATH} bytes`);
          break;
        }
        system[key] = path;
        break;
      }
      case 'syslog': {
        const slash = v.lastIndexOf('/');
        const proto = slash < 0 ? 'udp' : v.slice(slash + 1).toLowerCase();
        const hp = parseHostPort(slash < 0 ? v : v.slice(0, slash));
        const form = 'expected HOST[:PORT][/udp|/tcp]';
        if (proto !== 'udp' && proto !== 'tcp') invalid(`${form} (protocol '${v.slice(slash + 1)}' is not supported)`);
        else if (!hp.ok) invalid(`${form} (${hp.why})`);
        else system.syslog = { host: hp.value.host, port: hp.value.port ?? 514, protocol: proto };
        break;
      }
      case 'country': {
        const c = v.toLowerCase() === 'gb' ? 'uk' : v.toLowerCase();
        if (TONE_COUNTRIES.includes(c)) system.country = c;
        else {
          const hint = didYouMean(c, TONE_COUNTRIES);
          diag.error(at, `unknown country '${v}'${hint || ` (known: ${TONE_COUNTRIES.join(', ')})`}`);
        }
        break;
      }
      case 'timezone':
        if (isTimezone(v)) system.timezone = v;
        else invalid('expected a zone name like Europe/Paris, or a POSIX TZ string like CET-1CEST');
        break;
      case 'lan':
        lanEntry = e;
        break;
      case 'lan_interface':
        // The firmware's network interface for the LAN (set from the console menu).
        if (/^[A-Za-z0-9_.:-]{1,15}$/.test(v)) system.lanInterface = v;
        else invalid('expected an interface name such as eth0 or enp1s0 (at most 15 characters)');
        break;
      case 'gateway':
        if (isIPv4(v) || isIPv6(v)) gateway = { value: v, at };
        else invalid('expected an IP address');
        break;
      case 'dns': {
        const list = splitList(v);
        const badOne = list.find((x) => !isIPv4(x) && !isIPv6(x));
        if (list.length === 0 || badOne !== undefined) invalid(`expected IP addresses separated by commas${badOne ? ` ('${badOne}' is not one)` : ''}`);
        else dns = { value: list, at };
        break;
      }
      case 'admin_password':
        system.adminPassword = v;
        if (!looksLikeHash(v)) {
          diag.warn(at, `admin_password should be a password hash (as the setup menu writes it), not the password itself`);
        }
        break;
      case 'verbose': {
        const n = parseInteger(v, 0, 10);
        if (n.ok) system.verbose = n.value;
        else invalid(n.why);
        break;
      }
      case 'dialtimeout': {
        // How long the phones' dialplan rings a phone (Dial()'s timeout), in seconds.
        const n = parseInteger(v, 1, 3600);
        if (n.ok) system.dialTimeout = n.value;
        else invalid(n.why);
        break;
      }
    }
  }

  // A warning, not an error: the RTP allocator skips ports it cannot bind, so this only costs one port.
  const clashAt = rtpAt ?? sipAt;
  if (clashAt && system.sip.port >= system.rtp.start && system.sip.port <= system.rtp.end) {
    diag.warn(clashAt, `sip port ${system.sip.port} is inside the rtp range ${system.rtp.start}-${system.rtp.end}; RTP cannot use that port`);
  }

  const lan = readLan(lanEntry, gateway, dns, diag);
  if (lan) system.lan = lan;
  return system;
}

function readLan(
  entry: ConfEntry | undefined,
  gateway: { value: string; at: Origin } | undefined,
  dns: { value: string[]; at: Origin } | undefined,
  diag: Diagnostics,
): LanConfig | undefined {
  if (!entry) {
    if (gateway) diag.error(gateway.at, `gateway needs 'lan = ADDRESS/PREFIX' in [system]`);
    if (dns) diag.error(dns.at, `dns needs 'lan = dhcp' or 'lan = ADDRESS/PREFIX' in [system]`);
    return undefined;
  }
  const at = { file: entry.file, line: entry.line };
  const v = entry.value.trim();
  if (v.toLowerCase() === 'dhcp') {
    if (gateway) diag.warn(gateway.at, `gateway is ignored with 'lan = dhcp' (the DHCP server supplies it)`);
    return { mode: 'dhcp', dns: dns?.value ?? [] };
  }
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(v);
  const v4 = m !== null && isIPv4(m[1]);
  const v6 = m !== null && isIPv6(m[1]);
  if (!m || (!v4 && !v6)) {
    diag.error(at, `invalid lan '${v}': expected dhcp or ADDRESS/PREFIX, e.g. 192.168.1.10/24`);
    return undefined;
  }
  const prefix = Number(m[2]);
  const maxPrefix = v4 ? 32 : 128;
  if (prefix < 1 || prefix > maxPrefix) {
    diag.error(at, `invalid lan '${v}': prefix must be 1-${maxPrefix}`);
    return undefined;
  }
  const lan: LanConfig = { mode: 'static', address: m[1], prefix, dns: dns?.value ?? [] };
  if (gateway) {
    if (isIPv4(gateway.value) !== v4) diag.error(gateway.at, `gateway ${gateway.value} is not the same IP version as lan ${v}`);
    else {
      if (v4 && !sameIPv4Subnet(gateway.value, m[1], prefix)) diag.warn(gateway.at, `gateway ${gateway.value} is outside the lan subnet ${v}`);
      lan.gateway = gateway.value;
    }
  }
  return lan;
}

/**
 * An IANA zone name (checked against /usr/share/zoneinfo when the system has it) or a POSIX TZ
 * string, as busybox and libc take them. Not Intl.DateTimeFormat: loading ICU's zone data for one
 * check costs about 7 MB of RSS for the life of the process (bench/RESULTS.md).
 */
function isTimezone(tz: string): boolean {
  if (tz === '' || tz.includes('..')) return false;
  if (/^(UTC|GMT|[A-Z][A-Za-z_+-]+(\/[A-Za-z0-9_+-]+){1,2})$/.test(tz)) {
    if (tz === 'UTC' || tz === 'GMT' || !isDirectory(ZONEINFO)) return true;
    return fileExists(paths.join(ZONEINFO, tz));
  }
  return /^[A-Za-z]{3,}[+-]?\d{1,2}(:\d{2})?([A-Za-z]{3,}(,[A-Za-z0-9./:+-]+)*)?$/.test(tz);
}

const ZONEINFO = '/usr/share/zoneinfo';

function looksLikeHash(v: string): boolean {
  return /^\$(1|5|6|y|2[aby])\$\S+$/.test(v) || /^(sha256|sha512|scrypt|pbkdf2)[:$]\S+$/i.test(v);
}

function readPhones(entries: ConfEntry[], diag: Diagnostics): Map<string, Phone> {
  const phones = new Map<string, Phone>();
  for (const e of entries) {
    const at = { file: e.file, line: e.line };
    const ext = e.key;
    if (!/^\d{1,15}$/.test(ext)) {
      diag.error(at, `phone extension '${ext}' must be digits (e.g. 2000 = secret, Joe Bloggs)`);
      continue;
    }
    const first = phones.get(ext);
    if (first) {
      diag.error(at, `duplicate phone ${ext} (first defined at ${first.origin.file}:${first.origin.line})`);
      continue;
    }
    const comma = e.value.indexOf(',');
    const secret = (comma < 0 ? e.value : e.value.slice(0, comma)).trim();
    let name = comma < 0 ? '' : e.value.slice(comma + 1).trim();
    // Optional third field, the mailbox's email. A name may hold commas ("Bloggs, Joe"), so only a
    // last field with an '@' in it is taken as the address.
    // `2000 = secret, joe@example.com` (no name) is taken as the address too.
    const lastComma = name.lastIndexOf(',');
    const tail = name.slice(lastComma + 1).trim();
    const email = (lastComma >= 0 && tail.includes('@')) || (lastComma < 0 && isEmailAddress(tail)) ? tail : undefined;
    if (email !== undefined) name = lastComma < 0 ? '' : name.slice(0, lastComma).trim();
    if (/^".*"$/.test(name)) name = name.slice(1, -1).trim();
    if (email !== undefined && !isEmailAddress(email)) {
      diag.error(at, `phone ${ext}: '${email}' is not an email address (expected '${ext} = secret, Name, user@example.com')`);
      continue;
    }
    if (secret === '') {
      diag.error(at, `phone ${ext} has no secret (expected '${ext} = secret, Name')`);
      continue;
    }
    if (/[<>"]/.test(name)) {
      diag.error(at, `phone ${ext}: the name may not contain < > or "`);
      continue;
    }
    const weakness = secretWeakness(secret, ext);
    if (weakness) diag.warn(at, `phone ${ext} has a weak secret (${weakness}); SIP scanners guess such secrets`);
    if (ext === ECHO_TEST_EXTENSION) diag.warn(at, `phone ${ext} hides the built-in echo test at ${ECHO_TEST_EXTENSION}`);
    phones.set(ext, {
      extension: ext,
      secret,
      ...(name ? { name } : {}),
      mailbox: `${ext}@${PHONES_MAILBOX_CONTEXT}`,
      ...(email !== undefined ? { email } : {}),
      origin: at,
    });
  }
  return phones;
}

function secretWeakness(secret: string, ext: string): string | undefined {
  if (secret.length < 8) return 'shorter than 8 characters';
  if (secret.includes(ext)) return 'it contains the extension number';
  if (COMMON_SECRETS.has(secret.toLowerCase())) return 'a common password';
  if (/^\d+$/.test(secret) && secret.length < 12) return 'digits only';
  if (/^(.)\1*$/.test(secret)) return 'one repeated character';
  return undefined;
}

/**
 * The SIP peer a [phones] line stands for: a phone that registers (host=dynamic), qualified, in
 * the 'phones' context, with the extension as caller ID number and its mailbox. NAT handling,
 * codecs, DTMF mode and language follow sip.conf [general] when it sets them; phones are always
 * qualified (a number from [general] qualify sets the timeout).
 */
export function phonePeer(phone: Phone, defaults: PeerDefaults, qualifyFrequency: number): SipPeer {
  return {
    name: phone.extension,
    type: 'friend',
    host: 'dynamic',
    secret: phone.secret,
    defaultuser: phone.extension,
    context: PHONES_CONTEXT,
    nat: defaults.nat,
    qualify: defaults.qualify === false ? true : defaults.qualify,
    qualifyFrequency,
    callerid: { ...(phone.name ? { name: phone.name } : {}), number: phone.extension },
    allow: [...defaults.allow],
    canreinvite: false,
    mailbox: phone.mailbox,
    dtmfmode: defaults.dtmfmode,
    insecure: [],
    language: defaults.language,
    transport: ['udp', 'tcp'],
    acl: [],
    variables: [],
    callgroup: [],
    pickupgroup: [],
    ignored: [],
    origin: phone.origin,
    fromPbxConf: true,
  };
}
