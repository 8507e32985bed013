/**
 * sip.conf as Asterisk's chan_sip reads it: `[general]` (registrar settings and the defaults every
 * peer starts from), then one section per peer, usually built from templates
 * (`[2000](office-phone)`). Keys are case-insensitive, like Asterisk's.
 *
 * Choices (see docs/configuration.md):
 * - The SIP listen address comes from pbx.conf `sip =`; `bindport`, `bindaddr`, `udpbindaddr`,
 *   `tcpbindaddr` and `tcpenable` are accepted and only warned about when they disagree with it.
 * - Keys Asterisk knows but this PBX does not act on yet are accepted with one warning per key;
 *   keys nobody knows are errors with a "did you mean".
 */
import type { ConfEntry, ConfFile, ConfSection } from './conf-parser.ts';
import { didYouMean, type Diagnostics, type Origin } from './diagnostics.ts';
import {
  defaultSipGeneral,
  KNOWN_CODECS,
  SUPPORTED_CODECS,
  type AclRule,
  type DtmfMode,
  type PeerDefaults,
  type SipGeneral,
  type SipPeer,
  type SystemConfig,
} from './model.ts';
import { DEFAULT_REGISTER_EXPIRY, parseRegisterLine } from './register-line.ts';
import { isIPv4, isIPv6, parseBool, parseCallerId, parseHostPort, parseInteger, parsePort, splitList } from './values.ts';

/** Keys that set a peer field and, in [general], the default for every peer. */
const DEFAULTABLE_KEYS = [
  'context', 'nat', 'qualify', 'qualifyfreq', 'allow', 'disallow', 'canreinvite', 'directmedia', 'dtmfmode',
  'language', 'insecure', 'transport', 'allowtransfer',
];

/** Keys only a peer section may hold. */
const PEER_ONLY_KEYS = [
  'type', 'host', 'port', 'secret', 'md5secret', 'defaultuser', 'username', 'callerid', 'fullname', 'cid_number',
  'mailbox', 'fromuser', 'fromdomain', 'call-limit', 'accountcode', 'defaultip', 'outboundproxy', 'permit', 'deny',
  'setvar', 'callgroup', 'pickupgroup', 'musicclass', 'mohsuggest', 'mohinterpret', 'description',
  'rtptimeout', 'rtpholdtimeout', 'authuser',
];

/** Keys only [general] may hold (ours at the end: authfailban...digestalgorithms). */
const GENERAL_ONLY_KEYS = [
  'realm', 'defaultexpiry', 'defaultexpirey', 'minexpiry', 'maxexpiry', 'alwaysauthreject', 'allowguest',
  'useragent', 'register', 'bindport', 'bindaddr', 'udpbindaddr', 'tcpenable', 'tcpbindaddr',
  'authfailban', 'authfailbantime', 'noncelifetime', 'qualifytimeout', 'digestalgorithms',
  'rtptimeout', 'rtpholdtimeout', 'externip', 'externaddr', 'externhost', 'externrefresh', 'localnet',
  'registertimeout', 'registerattempts',
];

/** Asterisk keys accepted in [general] and not acted on yet. */
const IGNORED_GENERAL_KEYS = [
  'srvlookup', 'tos_sip', 'tos_audio', 'tos_video', 'cos_sip', 'cos_audio', 'cos_video',
  'rtpkeepalive', 'videosupport', 't38pt_udptl', 'jbenable', 'jbforce', 'jbmaxsize',
  'jbresyncthreshold', 'jbimpl', 'jblog', 'domain', 'autodomain', 'allowexternaldomains', 'allowsubscribe', 'notifyringing',
  'notifyhold', 'callcounter', 'limitonpeers', 'pedantic', 'sendrpid', 'trustrpid', 'progressinband',
  'rtcachefriends', 'rtautoclear', 'relaxdtmf', 'compactheaders', 'allowoverlap',
  'maxcallbitrate', 'session-timers', 'session-expires', 'session-minse', 'session-refresher',
  'notifymimetype', 'vmexten', 'mohinterpret', 'mohsuggest', 'parkinglot', 'tlsenable', 'tlsbindaddr',
  'tlscertfile', 'tlsprivatekey', 'tlscafile', 'tlscapath', 'tlscipher', 'tlsclientmethod',
  'tlsdontverifyserver', 'timert1', 'timerb', 'subscribecontext',
  'callevents', 'match_auth_username', 'directrtpsetup', 'shrinkcallerid', 'encryption',
  'ignoresdpversion', 'preferred_codec_only', 'autoframing', 'g726nonstandard', 't1min', 'accountcode',
  'fromdomain', 'musicclass', 'callerid', 'language_prefix', 'rfc2833compensate', 'buggymwi',
  'mwi_from', 'regcontext', 'regexten', 'maxexpirey', 'minexpirey', 'checkmwi', 'alwaysauthreject_hint',
  'sipdebug', 'recordhistory', 'dumphistory', 'websocket_enabled', 'nat_auto',
  'contactpermit', 'contactdeny', 'contactacl', 'storesipcm', 'outboundproxy', 'keepalive',
  'use_q850_reason', 'authfailureevents', 'send_diversion', 'usereqphone', 'promiscredir',
  'dynamic_exclude_static', 'unsolicited_mailbox', 'textsupport', 'qualifygap', 'qualifypeers',
  'hash_users', 'hash_peers', 'hash_dialogs', 'maxforwards', 'rtsavesysname', 'rtupdate', 'ignoreregexpire',
  'supportpath', 'tcpauthtimeout', 'tcpauthlimit', 'udpbindaddr6',
];

/** Asterisk keys accepted in a peer section and not acted on yet. */
const IGNORED_PEER_KEYS = [
  'auth', 'amaflags', 'busylevel', 'callingpres', 'rtpkeepalive',
  't38pt_udptl', 'videosupport', 'textsupport', 'progressinband', 'sendrpid', 'trustrpid', 'vmexten',
  'subscribecontext', 'allowsubscribe', 'subscribemwi', 'regexten', 'usereqphone', 'promiscredir',
  'maxcallbitrate', 'autoframing', 'encryption', 'session-timers', 'session-expires', 'session-minse',
  'session-refresher', 'rfc2833compensate', 'ignoresdpversion', 'parkinglot',
  'directrtpsetup', 'contactpermit', 'contactdeny', 'contactacl', 'registertrying', 'timert1', 'timerb',
  'buggymwi', 'callcounter', 'unsolicited_mailbox', 'use_q850_reason', 'remotesecret', 'constantssrc',
  'supportpath', 'g726nonstandard', 'preferred_codec_only', 'callbackextension', 'mwi_from', 'trunkname',
  'qualifygap', 'outofcall_message_context', 'directmediapermit', 'directmediadeny', 'send_diversion',
  'hasvoicemail', 'dynamic', 'username_in_callerid', 'rpid_update', 'rpid_immediate', 'snom_aoc_enabled',
  'maxforwards', 'namedcallgroup', 'namedpickupgroup', 'cc_agent_policy', 'cc_monitor_policy', 'ringing',
  'acl', 'keepalive', 'avpf', 'force_avp', 'icesupport', 'dtlsenable',
];

const DEFAULTABLE = new Set(DEFAULTABLE_KEYS);
const IGNORED_PEER = new Set(IGNORED_PEER_KEYS);
const IGNORED_GENERAL = new Set(IGNORED_GENERAL_KEYS);
const GENERAL_ALLOWED = new Set([...DEFAULTABLE_KEYS, ...GENERAL_ONLY_KEYS, ...IGNORED_GENERAL_KEYS]);
const PEER_ALLOWED = new Set([...DEFAULTABLE_KEYS, ...PEER_ONLY_KEYS, ...IGNORED_PEER_KEYS]);
const GENERAL_ONLY = new Set(GENERAL_ONLY_KEYS.filter((k) => !PEER_ALLOWED.has(k)));
const PEER_ONLY = new Set(PEER_ONLY_KEYS.filter((k) => !GENERAL_ALLOWED.has(k)));

const DTMF_MODES: Record<string, DtmfMode> = {
  rfc2833: 'rfc2833',
  rfc4733: 'rfc2833',
  info: 'info',
  shortinfo: 'shortinfo',
  inband: 'inband',
  auto: 'auto',
};

const NAT_WORDS = new Set(['yes', 'no', 'never', 'route', 'force_rport', 'comedia', 'auto_force_rport', 'auto_comedia']);
const DIRECTMEDIA_WORDS = new Set(['yes', 'no', 'nonat', 'update', 'outgoing']);
const AUDIO_CODECS = KNOWN_CODECS.filter((c) => !/^(h26|vp8|t140)/.test(c));

export interface SipConfPart {
  general: SipGeneral;
  peers: Map<string, SipPeer>;
}

/** The fields a [general] section and a peer section share (the defaultable keys). */
interface CommonFields extends PeerDefaults {
  qualifyFrequency: number;
  transport: ('udp' | 'tcp')[];
}

const OPTIONAL_PEER_FIELDS = [
  'port', 'secret', 'md5secret', 'defaultuser', 'authuser', 'callerid', 'mailbox', 'fromuser', 'fromdomain', 'callLimit',
  'accountcode', 'defaultip', 'outboundproxy', 'musicclass', 'mohsuggest', 'mohinterpret', 'description', 'rtpTimeout', 'rtpHoldTimeout',
  'allowtransfer',
] as const satisfies readonly (keyof SipPeer & keyof PeerDraft)[];

/** What a peer looks like while its entries are applied; checked and completed by finishPeer. */
interface PeerDraft extends CommonFields {
  name: string;
  type?: SipPeer['type'];
  host?: string;
  port?: number;
  secret?: string;
  md5secret?: string;
  defaultuser?: string;
  authuser?: string;
  callerid?: { name?: string; number?: string };
  mailbox?: string;
  fromuser?: string;
  fromdomain?: string;
  callLimit?: number;
  accountcode?: string;
  defaultip?: string;
  outboundproxy?: string;
  acl: AclRule[];
  variables: [string, string][];
  callgroup: number[];
  pickupgroup: number[];
  musicclass?: string;
  mohsuggest?: string;
  mohinterpret?: string;
  description?: string;
  rtpTimeout?: number;
  rtpHoldTimeout?: number;
  ignored: string[];
}

/**
 * Read sip.conf into [general] settings and peers. `system` is pbx.conf's [system], against which
 * the bind* keys are compared.
 */
export function readSipConf(conf: ConfFile, system: SystemConfig, diag: Diagnostics): SipConfPart {
  const warnedIgnored = new Set<string>();
  const ignoredKey = (key: string, at: Origin): void => {
    if (warnedIgnored.has(key)) return;
    warnedIgnored.add(key);
    diag.warn(at, `'${key}' is not supported yet and is ignored`);
  };

  const generals = conf.sections.filter((s) => s.name === 'general' && !s.templateOnly);
  if (generals.length > 1) {
    for (const g of generals.slice(1)) {
      diag.error(g, `duplicate section [general] (first at ${generals[0].file}:${generals[0].line}); use [general](+) to add to it`);
    }
  }
  const general = readGeneral(generals[0]?.entries ?? [], system, diag, ignoredKey);

  const peers = new Map<string, SipPeer>();
  const seen = new Map<string, ConfSection>();
  for (const s of conf.sections) {
    if (s.templateOnly || s.name === 'general') continue;
    if (s.name === 'authentication') {
      diag.warn(s, `[authentication] is not supported yet and is ignored`);
      continue;
    }
    const first = seen.get(s.name);
    if (first) {
      diag.error(s, `peer '${s.name}' is defined twice (first at ${first.file}:${first.line}); use [${s.name}](+) to add to it`);
      continue;
    }
    seen.set(s.name, s);
    const peer = readPeer(s, general, diag, ignoredKey);
    if (peer) peers.set(peer.name, peer);
  }
  return { general, peers };
}

function readGeneral(
  entries: ConfEntry[],
  system: SystemConfig,
  diag: Diagnostics,
  ignoredKey: (key: string, at: Origin) => void,
): SipGeneral {
  const general = defaultSipGeneral();
  const common: CommonFields = { ...general.peerDefaults, qualifyFrequency: general.qualifyFrequency, transport: ['udp', 'tcp'] };
  const listen = `${system.sip.host}:${system.sip.port}`;
  const bindMismatch = (at: Origin, key: string, value: string): void =>
    diag.warn(at, `${key} = ${value} is ignored: SIP listens on ${listen} as pbx.conf 'sip =' says`);
  let expiryAt: Origin | undefined;
  // register => lines wait for the whole section: their default expiry is defaultexpiry wherever it stands.
  const registerLines: { value: string; at: Origin }[] = [];
  let registerExpiry: number | undefined;

  for (const e of entries) {
    const at = { file: e.file, line: e.line };
    const key = e.key.toLowerCase();
    const v = e.value;
    const invalid = (why: string): void => diag.error(at, `invalid ${e.key} '${v}': ${why}`);
    if (!GENERAL_ALLOWED.has(key)) {
      if (PEER_ONLY.has(key)) diag.error(at, `'${e.key}' is a peer setting and has no meaning in [general]`);
      else diag.error(at, `unknown key '${e.key}' in [general]${didYouMean(key, GENERAL_ALLOWED)}`);
      continue;
    }
    if (DEFAULTABLE.has(key)) {
      applyCommon(common, key, e, diag);
      continue;
    }
    if (IGNORED_GENERAL.has(key)) {
      ignoredKey(key, at);
      continue;
    }
    switch (key) {
      case 'realm':
        if (/^[\x21-\x7e]+$/.test(v) && !v.includes('"')) general.realm = v;
        else invalid('expected a word without spaces or quotes');
        break;
      case 'defaultexpiry':
      case 'defaultexpirey':
      case 'minexpiry':
      case 'maxexpiry': {
        const n = parseInteger(v, 1, 604800);
        if (!n.ok) invalid(n.why);
        else {
          if (key === 'minexpiry') general.minExpires = n.value;
          else if (key === 'maxexpiry') general.maxExpires = n.value;
          else {
            general.defaultExpires = n.value;
            registerExpiry = n.value;
          }
          expiryAt ??= at;
        }
        break;
      }
      case 'alwaysauthreject':
      case 'allowguest': {
        const b = parseBool(v);
        if (!b.ok) invalid(b.why);
        else if (key === 'alwaysauthreject') general.alwaysAuthReject = b.value;
        else general.allowGuest = b.value;
        break;
      }
      case 'useragent':
        if (v !== '' && !/[\r\n]/.test(v)) general.useragent = v;
        else invalid('expected a product name');
        break;
      case 'register':
        registerLines.push({ value: v, at });
        break;
      case 'registertimeout': {
        const n = parseInteger(v, 1, 3600);
        if (n.ok) general.registerTimeout = n.value;
        else invalid(n.why);
        break;
      }
      case 'registerattempts': {
        const n = parseInteger(v, 0, 100000);
        if (n.ok) general.registerAttempts = n.value;
        else invalid(n.why);
        break;
      }
      case 'bindport': {
        const p = parsePort(v);
        if (!p.ok) invalid(p.why);
        else if (p.value !== system.sip.port) bindMismatch(at, e.key, v);
        break;
      }
      case 'bindaddr':
        if (!isIPv4(v) && !isIPv6(v)) invalid('expected an IP address');
        else if (v !== system.sip.host) bindMismatch(at, e.key, v);
        break;
      case 'udpbindaddr':
      case 'tcpbindaddr': {
        const hp = parseHostPort(v);
        if (!hp.ok) invalid(hp.why);
        else if (hp.value.host !== system.sip.host || (hp.value.port !== undefined && hp.value.port !== system.sip.port)) {
          bindMismatch(at, e.key, v);
        }
        break;
      }
      case 'tcpenable': {
        const b = parseBool(v);
        if (!b.ok) invalid(b.why);
        else if (!b.value) diag.warn(at, `tcpenable = ${v} is ignored: SIP always listens on both UDP and TCP`);
        break;
      }
      case 'authfailban': {
        const n = parseInteger(v, 0, 1000);
        if (n.ok) general.authFailBanThreshold = n.value;
        else invalid(n.why);
        break;
      }
      case 'authfailbantime': {
        const n = parseInteger(v, 1, 86400 * 7);
        if (n.ok) general.banSeconds = n.value;
        else invalid(n.why);
        break;
      }
      case 'noncelifetime': {
        const n = parseInteger(v, 5, 3600);
        if (n.ok) general.nonceLifetime = n.value;
        else invalid(n.why);
        break;
      }
      case 'qualifytimeout': {
        const n = parseInteger(v, 100, 60000);
        if (n.ok) general.qualifyTimeout = n.value;
        else invalid(n.why);
        break;
      }
      case 'rtptimeout':
      case 'rtpholdtimeout': {
        const n = parseInteger(v, 0, 86400);
        if (!n.ok) invalid(n.why);
        else if (key === 'rtptimeout') general.rtpTimeout = n.value;
        else general.rtpHoldTimeout = n.value;
        break;
      }
      case 'externip':
      case 'externaddr':
      case 'externhost': {
        // externip/externaddr take an address (a name is resolved once, as Asterisk does at
        // load); externhost is a name looked up again every externrefresh seconds.
        const hp = parseHostPort(v);
        if (!hp.ok) invalid(hp.why);
        else {
          const literal = isIPv4(hp.value.host) || isIPv6(hp.value.host);
          general.externAddress = { host: hp.value.host, ...(hp.value.port !== undefined ? { port: hp.value.port } : {}), resolve: !literal };
        }
        break;
      }
      case 'externrefresh': {
        const n = parseInteger(v, 1, 86400);
        if (n.ok) general.externRefresh = n.value;
        else invalid(n.why);
        break;
      }
      case 'localnet': {
        const network = parseNetwork(v);
        if (network) {
          if (!general.localnet.includes(network)) general.localnet.push(network);
        } else invalid('expected ADDRESS/MASK or ADDRESS/PREFIX, e.g. 192.168.0.0/255.255.0.0 or 10.0.0.0/8');
        break;
      }
      case 'digestalgorithms': {
        const names = splitList(v).map((x) => x.toUpperCase());
        const algs: ('SHA-256' | 'MD5')[] = [];
        let ok = names.length > 0;
        for (const n of names) {
          const a = n === 'SHA-256' || n === 'SHA256' ? 'SHA-256' : n === 'MD5' ? 'MD5' : undefined;
          if (!a) ok = false;
          else if (!algs.includes(a)) algs.push(a);
        }
        if (ok) general.digestAlgorithms = algs;
        else invalid(`expected sha-256 and/or md5, in order of preference`);
        break;
      }
    }
  }

  if (!(general.minExpires <= general.defaultExpires && general.defaultExpires <= general.maxExpires) && expiryAt) {
    diag.error(
      expiryAt,
      `expiry settings must satisfy minexpiry <= defaultexpiry <= maxexpiry (have ${general.minExpires} <= ${general.defaultExpires} <= ${general.maxExpires})`,
    );
  }
  for (const r of registerLines) {
    const p = parseRegisterLine(r.value, registerExpiry ?? DEFAULT_REGISTER_EXPIRY, r.at);
    if (p.ok) general.registrations.push(p.value);
    else diag.error(r.at, `invalid register => '${r.value}': ${p.why}`);
  }
  const { qualifyFrequency, transport: _transport, ...defaults } = common;
  general.peerDefaults = defaults;
  general.qualifyFrequency = qualifyFrequency;
  return general;
}

function readPeer(
  s: ConfSection,
  general: SipGeneral,
  diag: Diagnostics,
  ignoredKey: (key: string, at: Origin) => void,
): SipPeer | undefined {
  const at = { file: s.file, line: s.line };
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(s.name)) {
    diag.error(at, `invalid peer name '${s.name}' (use letters, digits, '-', '_', '.', '+')`);
    return undefined;
  }
  const d = general.peerDefaults;
  // Fields are listed rather than spread from `d`: a spread followed by many properties drops V8
  // into slow dictionary objects, which made loading 1,000 peers ten times slower.
  const draft: PeerDraft = {
    context: d.context,
    nat: d.nat,
    qualify: d.qualify,
    allow: [...d.allow],
    canreinvite: d.canreinvite,
    dtmfmode: d.dtmfmode,
    language: d.language,
    insecure: [...d.insecure],
    allowtransfer: d.allowtransfer,
    qualifyFrequency: general.qualifyFrequency,
    transport: ['udp', 'tcp'],
    name: s.name,
    type: undefined,
    host: undefined,
    port: undefined,
    secret: undefined,
    md5secret: undefined,
    defaultuser: undefined,
    authuser: undefined,
    callerid: undefined,
    mailbox: undefined,
    fromuser: undefined,
    fromdomain: undefined,
    callLimit: undefined,
    accountcode: undefined,
    defaultip: undefined,
    outboundproxy: undefined,
    acl: [],
    variables: [],
    callgroup: [],
    pickupgroup: [],
    musicclass: undefined,
    description: undefined,
    rtpTimeout: undefined,
    rtpHoldTimeout: undefined,
    ignored: [],
  };
  const errorsBefore = diag.errors.length;

  for (const e of s.entries) {
    const key = e.key.toLowerCase();
    if (!PEER_ALLOWED.has(key)) {
      if (GENERAL_ONLY.has(key)) diag.error(e, `'${e.key}' belongs in [general], not in peer [${s.name}]`);
      else diag.error(e, `unknown key '${e.key}' in [${s.name}]${didYouMean(key, PEER_ALLOWED)}`);
      continue;
    }
    if (DEFAULTABLE.has(key)) applyCommon(draft, key, e, diag);
    else if (IGNORED_PEER.has(key)) {
      if (!draft.ignored.includes(key)) draft.ignored.push(key);
      ignoredKey(key, e);
    } else applyPeerOnly(draft, key, e, diag);
  }
  if (diag.errors.length > errorsBefore) return undefined;
  return finishPeer(draft, at, diag);
}

function finishPeer(draft: PeerDraft, at: Origin, diag: Diagnostics): SipPeer | undefined {
  const name = draft.name;
  if (!draft.type) {
    diag.error(at, `peer '${name}' has no type (add type=friend, peer or user)`);
    return undefined;
  }
  let host = draft.host;
  if (host === undefined) {
    if (draft.type !== 'user') {
      diag.error(at, `peer '${name}' has no host (use host=dynamic for phones that register)`);
      return undefined;
    }
    host = 'dynamic';
  }
  if (host === 'dynamic' && draft.secret === undefined && draft.md5secret === undefined && draft.type !== 'user') {
    diag.error(at, `peer '${name}' has host=dynamic but no secret or md5secret, so anyone could register as it`);
    return undefined;
  }
  if (draft.allow.length === 0 || !draft.allow.some((c) => SUPPORTED_CODECS.includes(c))) {
    diag.warn(at, `peer '${name}' allows no codec this PBX supports (${SUPPORTED_CODECS.join(', ')}); its calls will fail`);
  }
  const peer: SipPeer = {
    name,
    type: draft.type,
    host,
    context: draft.context,
    nat: draft.nat,
    qualify: draft.qualify,
    qualifyFrequency: draft.qualifyFrequency,
    allow: draft.allow,
    canreinvite: draft.canreinvite,
    dtmfmode: draft.dtmfmode,
    insecure: draft.insecure,
    language: draft.language,
    transport: draft.transport,
    acl: draft.acl,
    variables: draft.variables,
    callgroup: draft.callgroup,
    pickupgroup: draft.pickupgroup,
    ignored: draft.ignored,
    origin: at,
    fromPbxConf: false,
  };
  // Optional fields are added only when set (in one fixed order, so peers share one object shape).
  const optional = peer as unknown as Record<string, unknown>;
  for (const k of OPTIONAL_PEER_FIELDS) {
    const v = draft[k];
    if (v !== undefined) optional[k] = v;
  }
  return peer;
}

function reportInvalid(diag: Diagnostics, e: ConfEntry, why: string): void {
  diag.error(e, `invalid ${e.key} '${e.value}': ${why}`);
}

/** Apply one of the DEFAULTABLE_KEYS to a [general] draft or a peer draft. */
function applyCommon(target: CommonFields, key: string, e: ConfEntry, diag: Diagnostics): void {
  const v = e.value.trim();
  const invalid = (why: string): void => reportInvalid(diag, e, why);
  switch (key) {
    case 'context':
      if (/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(v)) target.context = v;
      else invalid(`expected a context name of letters, digits, '-', '_'`);
      break;
    case 'nat': {
      const words = splitList(v.toLowerCase());
      const unknown = words.find((w) => !NAT_WORDS.has(w));
      if (words.length === 0 || unknown !== undefined) invalid(`expected yes, no, force_rport, comedia (or auto_ forms)${unknown ? didYouMean(unknown, NAT_WORDS) : ''}`);
      // Any NAT mode turns on latching (symmetric signalling and RTP); only no/never turn it off.
      else target.nat = !words.every((w) => w === 'no' || w === 'never');
      break;
    }
    case 'qualify': {
      const b = parseBool(v);
      if (b.ok) target.qualify = b.value;
      else {
        const n = parseInteger(v, 0, 60000);
        if (n.ok) target.qualify = n.value === 0 ? false : n.value;
        else invalid('expected yes, no, or a timeout in milliseconds');
      }
      break;
    }
    case 'qualifyfreq': {
      const n = parseInteger(v, 1, 86400);
      if (n.ok) target.qualifyFrequency = n.value;
      else invalid(n.why);
      break;
    }
    case 'allow':
    case 'disallow':
      applyCodecs(target, key, e, diag);
      break;
    case 'allowtransfer': {
      // chan_sip: no refuses this peer's REFER (603 Declined).
      const b = parseBool(v);
      if (b.ok) target.allowtransfer = b.value;
      else invalid('expected yes or no');
      break;
    }
    case 'canreinvite':
    case 'directmedia': {
      const words = splitList(v.toLowerCase());
      const b = parseBool(v);
      if (b.ok) target.canreinvite = b.value;
      else if (words.length > 0 && words.every((w) => DIRECTMEDIA_WORDS.has(w))) target.canreinvite = !words.includes('no');
      else invalid('expected yes, no, nonat, update or outgoing');
      break;
    }
    case 'dtmfmode': {
      const m = DTMF_MODES[v.toLowerCase()];
      if (m) target.dtmfmode = m;
      else invalid(`expected rfc2833, info, shortinfo, inband or auto${didYouMean(v, Object.keys(DTMF_MODES))}`);
      break;
    }
    case 'language':
      if (/^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})?$/.test(v)) target.language = v;
      else invalid(`expected a language code like en or fr_CA`);
      break;
    case 'insecure': {
      const words = splitList(v.toLowerCase());
      if (words.length === 1 && words[0] === 'no') target.insecure = [];
      else if (words.length === 1 && words[0] === 'very') target.insecure = ['port', 'invite'];
      else if (words.length > 0 && words.every((w) => w === 'port' || w === 'invite')) target.insecure = [...new Set(words)];
      else invalid('expected port, invite, port,invite or no');
      break;
    }
    case 'transport': {
      const words = splitList(v.toLowerCase());
      const unsupported = words.find((w) => w !== 'udp' && w !== 'tcp');
      if (words.length === 0) invalid('expected udp and/or tcp');
      else if (unsupported !== undefined) invalid(`transport '${unsupported}' is not supported (udp, tcp)`);
      else target.transport = [...new Set(words)] as ('udp' | 'tcp')[];
      break;
    }
  }
}

/**
 * allow/disallow are processed in order, Asterisk style: `disallow=all` empties the list,
 * `allow=x` appends x unless present, `disallow=x` removes it, `allow=all` appends every audio
 * codec. A `:20` packetisation suffix is accepted and dropped.
 */
function applyCodecs(target: CommonFields, key: 'allow' | 'disallow', e: ConfEntry, diag: Diagnostics): void {
  const at: Origin = e;
  const names = splitList(e.value.toLowerCase()).map((n) => n.replace(/:\d+$/, ''));
  if (names.length === 0) diag.error(at, `${e.key} needs a codec name`);
  for (const n of names) {
    if (n === 'all') {
      if (key === 'disallow') target.allow = [];
      else for (const c of AUDIO_CODECS) if (!target.allow.includes(c)) target.allow.push(c);
    } else if (!KNOWN_CODECS.includes(n)) {
      diag.error(at, `unknown codec '${n}'${didYouMean(n, KNOWN_CODECS)}`);
    } else if (key === 'allow') {
      if (!target.allow.includes(n)) target.allow.push(n);
    } else {
      target.allow = target.allow.filter((c) => c !== n);
    }
  }
}

function applyPeerOnly(draft: PeerDraft, key: string, e: ConfEntry, diag: Diagnostics): void {
  const v = e.value.trim();
  const invalid = (why: string): void => reportInvalid(diag, e, why);
  switch (key) {
    case 'type':
      if (v === 'friend' || v === 'peer' || v === 'user') draft.type = v;
      else invalid(`expected friend, peer or user${didYouMean(v, ['friend', 'peer', 'user'])}`);
      break;
    case 'host': {
      if (v.toLowerCase() === 'dynamic') {
        draft.host = 'dynamic';
        break;
      }
      const hp = parseHostPort(v);
      if (!hp.ok) invalid(hp.why);
      else {
        draft.host = hp.value.host;
        if (hp.value.port !== undefined) draft.port = hp.value.port;
      }
      break;
    }
    case 'port': {
      const p = parsePort(v);
      if (p.ok) draft.port = p.value;
      else invalid(p.why);
      break;
    }
    case 'secret':
      if (v !== '') draft.secret = v;
      else invalid('empty secret');
      break;
    case 'md5secret':
      if (/^[0-9a-fA-F]{32}$/.test(v)) draft.md5secret = v.toLowerCase();
      else invalid('expected 32 hex digits: md5 of user:realm:secret');
      break;
    case 'defaultuser':
    case 'username':
      if (/^[^\s:@;"<>]+$/.test(v)) draft.defaultuser = v;
      else invalid('expected a user name without spaces, :, @ or quotes');
      break;
    case 'authuser':
      if (/^[^\s"]+$/.test(v)) draft.authuser = v;
      else invalid('expected a user name without spaces or quotes');
      break;
    case 'callerid': {
      if (v.toLowerCase() === 'asreceived') break;
      const c = parseCallerId(v);
      if (c.ok) draft.callerid = c.value;
      else invalid(c.why);
      break;
    }
    case 'fullname':
      draft.callerid = { ...draft.callerid, name: v.replace(/^"(.*)"$/, '$1') };
      break;
    case 'cid_number':
      if (/^[0-9*#+]+$/.test(v)) draft.callerid = { ...draft.callerid, number: v };
      else invalid('expected digits, *, # or +');
      break;
    case 'mailbox':
      if (/^[A-Za-z0-9_*#+-]+(@[A-Za-z0-9_.-]+)?(\s*[,&]\s*[A-Za-z0-9_*#+-]+(@[A-Za-z0-9_.-]+)?)*$/.test(v)) draft.mailbox = v;
      else invalid('expected BOX[@CONTEXT], several separated by commas');
      break;
    case 'fromuser':
      if (/^[^\s:@;"<>]+$/.test(v)) draft.fromuser = v;
      else invalid('expected a user name without spaces, :, @ or quotes');
      break;
    case 'fromdomain': {
      const hp = parseHostPort(v);
      if (hp.ok) draft.fromdomain = v;
      else invalid(hp.why);
      break;
    }
    case 'call-limit': {
      const n = parseInteger(v, 0, 1000);
      if (n.ok) draft.callLimit = n.value;
      else invalid(n.why);
      break;
    }
    case 'accountcode':
      if (v.length <= 80) draft.accountcode = v;
      else invalid('at most 80 characters');
      break;
    case 'defaultip':
      if (isIPv4(v) || isIPv6(v)) draft.defaultip = v;
      else invalid('expected an IP address');
      break;
    case 'outboundproxy': {
      const hp = parseHostPort(v.replace(/^sip:/i, '').replace(/;lr$/i, ''));
      if (hp.ok) draft.outboundproxy = v;
      else invalid(hp.why);
      break;
    }
    case 'permit':
    case 'deny': {
      const network = parseNetwork(v);
      if (network) draft.acl.push({ action: key, network });
      else invalid('expected ADDRESS/MASK, e.g. 192.168.1.0/255.255.255.0 or 192.168.1.0/24');
      break;
    }
    case 'setvar': {
      const i = v.indexOf('=');
      if (i > 0) draft.variables.push([v.slice(0, i).trim(), v.slice(i + 1).trim()]);
      else invalid('expected NAME=VALUE');
      break;
    }
    case 'callgroup':
    case 'pickupgroup': {
      const groups = parseGroups(v);
      if (groups) draft[key] = groups;
      else invalid('expected group numbers 0-63, e.g. 1,3-5');
      break;
    }
    case 'musicclass':
      draft.musicclass = v;
      break;
    case 'mohsuggest':
      draft.mohsuggest = v;
      break;
    case 'mohinterpret':
      draft.mohinterpret = v;
      break;
    case 'description':
      draft.description = v;
      break;
    case 'rtptimeout':
    case 'rtpholdtimeout': {
      // Seconds without RTP before an answered call (or one on hold) is hung up; 0 turns it off.
      const n = parseInteger(v, 0, 86400);
      if (!n.ok) invalid(n.why);
      else if (key === 'rtptimeout') draft.rtpTimeout = n.value;
      else draft.rtpHoldTimeout = n.value;
      break;
    }
  }
}

/** `ADDR/PREFIX`, `ADDR/DOTTED.MASK` or a bare address, normalised to `ADDR/PREFIX`. */
function parseNetwork(s: string): string | undefined {
  const [addr, mask] = s.split('/', 2).map((x) => x.trim());
  if (isIPv4(addr)) {
    if (mask === undefined) return `${addr}/32`;
    if (/^\d{1,2}$/.test(mask) && Number(mask) <= 32) return `${addr}/${Number(mask)}`;
    if (isIPv4(mask)) {
      const bits = mask.split('.').map((p) => Number(p).toString(2).padStart(8, '0')).join('');
      if (/^1*0*$/.test(bits)) return `${addr}/${bits.indexOf('0') < 0 ? 32 : bits.indexOf('0')}`;
    }
    return undefined;
  }
  if (isIPv6(addr)) {
    if (mask === undefined) return `${addr}/128`;
    if (/^\d{1,3}$/.test(mask) && Number(mask) <= 128) return `${addr}/${Number(mask)}`;
  }
  return undefined;
}

function parseGroups(s: string): number[] | undefined {
  const out: number[] = [];
  for (const part of splitList(s)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a > 63 || b > 63 || a > b) return undefined;
    for (let g = a; g <= b; g++) if (!out.includes(g)) out.push(g);
  }
  return out;
}
