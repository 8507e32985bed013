/**
 * chan_dahdi.conf (or, when it is absent, the older zapata.conf): analog ports written the way
 * Asterisk users already have them. Asterisk's reading model is kept: in [channels] each key
 * changes the *current* settings and every `channel => 1-4` (or `1,3`) creates channels with the
 * settings in force at that line, so one file can give each channel its own context and options.
 *
 *   [channels]
 *   signalling = fxo_ks      ; fxo_* signalling drives a phone: our FXS port
 *   context = internal
 *   callerid = "Reception" <2100>
 *   channel => 1-2
 *   signalling = fxs_ks      ; fxs_* signalling faces the exchange: our FXO port
 *   context = from-pstn
 *   callerid = asreceived
 *   group = 0
 *   busydetect = yes
 *   channel => 3-4
 *
 * Only the keys in CHAN_DAHDI_KEYS mean something here. Other real chan_dahdi keys are warned
 * about and ignored (users bring whole working configs); a key that looks like a misspelt
 * supported key is an error with a did-you-mean. Everything is reported at file:line and the
 * caller (load.ts) keeps the running configuration when there is any error.
 */
import type { ConfFile, ConfLister, ConfReader } from './conf-parser.ts';
import { parseConfFile } from './conf-parser.ts';
import { closest, didYouMean, type Diagnostics, type Origin } from './diagnostics.ts';
import type { AnalogPortConfig, DahdiSignalling } from './model.ts';
import { parsePortList } from './analog-conf.ts';
import { parseBool, parseCallerId } from './values.ts';

export const CHAN_DAHDI_CONF = 'chan_dahdi.conf';
export const ZAPATA_CONF = 'zapata.conf';

/** The keys this PBX acts on (`signaling` is Asterisk's other spelling of `signalling`). */
export const CHAN_DAHDI_KEYS = [
  'channel',
  'context',
  'signalling',
  'signaling',
  'group',
  'callerid',
  'usecallerid',
  'hidecallerid',
  'cidsignalling',
  'cidstart',
  'busydetect',
  'busycount',
  'callprogress',
  'echocancel',
  'rxgain',
  'txgain',
  'immediate',
  'threewaycalling',
  'transfer',
  'callwaiting',
  'callwaitingcallerid',
  'callgroup',
  'pickupgroup',
] as const;

/** Real chan_dahdi.conf keys accepted with a "not supported, ignored" warning. */
const KNOWN_IGNORED = new Set([
  'language', 'musiconhold', 'mohinterpret', 'mohsuggest', 'parkinglot', 'accountcode', 'amaflags',
  'description', 'mailbox', 'threewaysilenthold',
  'canpark', 'cancallforward', 'callreturn', 'lastnumredial', 'usecallingpres', 'restrictcid',
  'hidecalleridname', 'echocancelwhenbridged', 'echotraining', 'relaxdtmf', 'hwrxgain', 'hwtxgain',
  'cid_rxgain', 'rxdrc', 'txdrc', 'namedcallgroup', 'namedpickupgroup',
  'setvar', 'immediatering', 'transfertobusy', 'cid_tag', 'append_msn_to_cid_tag', 'cid_number',
  'fullname', 'useincomingcalleridondahditransfer', 'adsi', 'usesmdi', 'smdiport', 'busypattern',
  'answeronpolarityswitch', 'hanguponpolarityswitch', 'polarityonanswerdelay', 'autoreoriginate',
  'progzone', 'tonezone', 'ringtimeout', 'pulsedial', 'dialmode', 'faxdetect', 'faxdetect_timeout',
  'faxbuffers', 'firstdigit_timeout', 'interdigit_timeout', 'matchdigit_timeout', 'buffers',
  'jitterbuffers', 'jbenable', 'jbmaxsize', 'jbresyncthreshold', 'jbimpl', 'jbtargetextra', 'jblog',
  'cadence', 'usedistinctiveringdetection', 'distinctiveringaftercid', 'sendcalleridafter',
  'dtmfcidlevel', 'waitfordialtone', 'dialtone_detect', 'mwimonitor', 'mwilevel', 'mwimonitornotify',
  'mwisendtype', 'calledsubscriberheld', 'outsignalling', 'defaultozz', 'defaultcic', 'prewink',
  'preflash', 'wink', 'flash', 'start', 'rxwink', 'rxflash', 'debounce', 'toneduration', 'stripmsd',
  'switchtype', 'pridialplan', 'prilocaldialplan', 'nsf', 'resetinterval', 'overlapdial', 'pritimer',
  'facilityenable', 'internationalprefix', 'nationalprefix', 'localprefix', 'privateprefix',
  'unknownprefix', 'priindication', 'priexclusive', 'minunused', 'minidle', 'idledial', 'idleext',
  'ignore_failed_channels', 'reportalarms', 'dring1', 'dring2', 'dring3', 'dring1context',
  'dring2context', 'dring3context', 'dring1range', 'dring2range', 'dring3range', 'mfcr2_variant',
  'mfcr2_get_ani_first', 'mfcr2_max_ani', 'mfcr2_max_dnis', 'mfcr2_category', 'mfcr2_logdir',
  'mfcr2_logging', 'mfcr2_call_files', 'mfcr2_mfback_timeout', 'mfcr2_metering_pulse_timeout',
  'mfcr2_dtmf_detection', 'mfcr2_dtmf_dialing', 'mfcr2_allow_collect_calls', 'mfcr2_double_answer',
  'mfcr2_immediate_accept', 'mfcr2_accept_on_offer', 'mfcr2_skip_category', 'mfcr2_forced_release',
  'mfcr2_charge_calls', 'mfcr2_advanced_protocol_file', 'ss7type', 'linkset', 'pointcode',
  'adjpointcode', 'defaultdpc', 'cicbeginswith', 'networkindicator', 'sigchan', 'trunkgroup', 'spanmap',
  'dahdichan', 'ani_info_digits', 'ani_wink_time', 'ani_timeout', 'moh_signaling', 'aoc_enable',
  'aoce_delayhangup', 'cc_ptmp_recall_mode', 'cc_qsig_signaling_link_req', 'cc_qsig_signaling_link_rsp',
  'max_call_waiting_calls', 'allow_call_waiting_calls', 'mwi_mailboxes', 'mwi_vm_boxes', 'mwi_vm_numbers',
  'inbanddisconnect', 'discardremoteholdretrieval', 'service_message_support', 'force_restart_unavailable_chans',
]);

const SIGNALLING: Record<string, DahdiSignalling> = {
  fxo_ks: 'fxo_ks', fxo_ls: 'fxo_ls', fxo_gs: 'fxo_gs', fxs_ks: 'fxs_ks', fxs_ls: 'fxs_ls', fxs_gs: 'fxs_gs',
};

/** The settings in force at a `channel =>` line; Asterisk's defaults where the key is not given. */
interface Current {
  signalling?: { value: DahdiSignalling; at: Origin } | { unsupported: string; at: Origin };
  context: string;
  groups: number[];
  callerId?: { name?: string; number?: string };
  useCallerId: boolean;
  hideCallerId: boolean;
  cidStandard?: 'bell202' | 'v23' | 'dtmf';
  cidStart: 'ring' | 'polarity';
  busyDetect: boolean;
  busyCount: number;
  callProgress: boolean;
  echoCancelTaps: number;
  rxGainDb: number;
  txGainDb: number;
  immediate: boolean;
  threeWayCalling: boolean;
  transfer: boolean;
  callWaiting: boolean;
  callWaitingCallerId: boolean;
  callGroups: number[];
  pickupGroups: number[];
}

function defaults(): Current {
  return {
    context: 'default',
    groups: [],
    useCallerId: true,
    hideCallerId: false,
    cidStart: 'ring',
    busyDetect: false,
    busyCount: 3,
    callProgress: false,
    echoCancelTaps: 0,
    rxGainDb: 0,
    txGainDb: 0,
    immediate: false,
    // Asterisk's sample chan_dahdi.conf turns the analog phone features on.
    threeWayCalling: true,
    transfer: true,
    callWaiting: true,
    callWaitingCallerId: true,
    callGroups: [],
    pickupGroups: [],
  };
}

export interface ChanDahdiRead {
  /** The file read (chan_dahdi.conf or zapata.conf); undefined when neither exists. */
  file?: string;
  /** Every file read (includes too), for `sources`. */
  files: string[];
  /** The channels it defines, by number; each carries its origin and signalling. */
  ports: AnalogPortConfig[];
}

/** Finds and reads chan_dahdi.conf, else zapata.conf. Both present: chan_dahdi.conf, with a warning. */
export function loadChanDahdi(io: { read: ConfReader; list: ConfLister }, diag: Diagnostics): ChanDahdiRead {
  const main = parseConfFile(CHAN_DAHDI_CONF, io);
  const old = parseConfFile(ZAPATA_CONF, io);
  const mainRead = main.conf.files.length > 0;
  const oldRead = old.conf.files.length > 0;
  const missing = (file: string) => (e: { file: string; line: number; code?: string }) => !(e.file === file && e.line === 0 && e.code === 'CONFIG_MISSING');
  if (mainRead) {
    diag.absorb({ errors: main.errors.filter(missing(CHAN_DAHDI_CONF)), warnings: main.warnings });
    if (oldRead) diag.warn({ file: ZAPATA_CONF, line: 0 }, `ignored: ${CHAN_DAHDI_CONF} is read instead (remove one of them)`);
    return { file: CHAN_DAHDI_CONF, files: main.conf.files, ports: readChanDahdiConf(main.conf, diag) };
  }
  if (oldRead) {
    diag.absorb({ errors: old.errors.filter(missing(ZAPATA_CONF)), warnings: old.warnings });
    return { file: ZAPATA_CONF, files: old.conf.files, ports: readChanDahdiConf(old.conf, diag) };
  }
  return { files: [], ports: [] };
}

/** The channels a parsed chan_dahdi.conf defines (Asterisk's current-settings model). */
export function readChanDahdiConf(conf: ConfFile, diag: Diagnostics): AnalogPortConfig[] {
  const ports = new Map<number, AnalogPortConfig>();
  const cur = defaults();
  for (const s of conf.sections) {
    if (s.templateOnly) continue;
    const sectionAt = { file: s.file, line: s.line };
    const name = s.name.toLowerCase();
    if (name === 'trunkgroups') {
      for (const e of s.entries) diag.warn({ file: e.file, line: e.line }, `'${e.key}' in [trunkgroups] is not supported (PRI/NFAS), ignored`);
      continue;
    }
    if (name !== 'channels') {
      diag.warn(sectionAt, `section [${s.name}] is not supported, ignored (analog channels are read from [channels])`);
      continue;
    }
    for (const e of s.entries) {
      const at = { file: e.file, line: e.line };
      const key = e.key.toLowerCase();
      if (key === 'channel' || key === 'channels') addChannels(e.value, at, cur, ports, diag);
      else if ((CHAN_DAHDI_KEYS as readonly string[]).includes(key)) applyKey(key, e.value.trim(), at, cur, diag);
      else if (KNOWN_IGNORED.has(key)) diag.warn(at, `'${e.key}' is not supported, ignored`);
      else if (closest(key, CHAN_DAHDI_KEYS) !== undefined) diag.error(at, `unknown key '${e.key}'${didYouMean(key, CHAN_DAHDI_KEYS)}`);
      else diag.warn(at, `unknown key '${e.key}', ignored`);
    }
  }
  return [...ports.values()].sort((a, b) => a.port - b.port);
}

function applyKey(key: string, v: string, at: Origin, cur: Current, diag: Diagnostics): void {
  const bool = (set: (b: boolean) => void): void => {
    const b = parseBool(v);
    if (b.ok) set(b.value);
    else diag.error(at, `invalid ${key} '${v}': ${b.why}`);
  };
  switch (key) {
    case 'signalling':
    case 'signaling': {
      const sig = SIGNALLING[v.toLowerCase()];
      cur.signalling = sig ? { value: sig, at } : { unsupported: v, at };
      if (!sig && v === '') diag.error(at, `empty ${key}`);
      break;
    }
    case 'context':
      if (/^[A-Za-z0-9_.+-]+$/.test(v)) cur.context = v;
      else diag.error(at, `invalid context '${v}'`);
      break;
    case 'group': {
      // An empty value clears the groups (dahdi_genconf writes `group =` after each channel).
      const g = parseGroups(v);
      if (typeof g === 'string') diag.error(at, `invalid group '${v}': ${g}`);
      else cur.groups = g;
      break;
    }
    case 'callerid': {
      if (v === '' || v.toLowerCase() === 'asreceived') {
        delete cur.callerId;
        break;
      }
      // Asterisk strips the punctuation people write in numbers: <(256) 428-6121>.
      const normalised = v.replace(/<([^<>]*)>/, (_m, n: string) => `<${n.replace(/[\s().-]/g, '')}>`);
      const c = parseCallerId(normalised);
      if (c.ok) cur.callerId = c.value;
      else diag.error(at, `invalid callerid '${v}': ${c.why} (or asreceived)`);
      break;
    }
    case 'usecallerid':
      bool((b) => (cur.useCallerId = b));
      break;
    case 'hidecallerid':
      bool((b) => (cur.hideCallerId = b));
      break;
    case 'cidsignalling': {
      const x = v.toLowerCase();
      if (x === 'bell') cur.cidStandard = 'bell202';
      else if (x === 'v23' || x === 'dtmf') cur.cidStandard = x;
      else if (x === 'v23_jp' || x === 'smdi') diag.error(at, `cidsignalling ${x} is not supported (bell, v23 or dtmf)`);
      else diag.error(at, `invalid cidsignalling '${v}': expected bell, v23 or dtmf`);
      break;
    }
    case 'cidstart': {
      const x = v.toLowerCase();
      if (x === 'ring') cur.cidStart = 'ring';
      // polarity_IN (India) also starts on the reversal; the DTMF spill that follows is decoded
      // like any DTMF caller ID (cidsignalling = dtmf).
      else if (x === 'polarity' || x === 'polarity_in') cur.cidStart = 'polarity';
      else if (x === 'dtmf') diag.error(at, `cidstart dtmf is not supported (ring or polarity)`);
      else diag.error(at, `invalid cidstart '${v}': expected ring, polarity or polarity_IN`);
      break;
    }
    case 'busydetect':
      bool((b) => (cur.busyDetect = b));
      break;
    case 'busycount': {
      const n = /^\d+$/.test(v) ? Number(v) : NaN;
      if (n >= 1 && n <= 20) cur.busyCount = n;
      else diag.error(at, `invalid busycount '${v}': expected a whole number from 1 to 20`);
      break;
    }
    case 'callprogress':
      bool((b) => (cur.callProgress = b));
      break;
    case 'echocancel': {
      const [first, ...params] = v.split(',').map((x) => x.trim());
      const b = parseBool(first);
      const n = /^\d+$/.test(first) ? Number(first) : NaN;
      if (b.ok) cur.echoCancelTaps = b.value ? 128 : 0;
      else if (n >= 32 && n <= 1024 && (n & (n - 1)) === 0) cur.echoCancelTaps = n;
      else {
        diag.error(at, `invalid echocancel '${v}': expected yes, no or a power of two from 32 to 1024 (taps)`);
        break;
      }
      if (params.length > 0) diag.warn(at, `echocancel parameters '${params.join(',')}' are not supported, ignored`);
      break;
    }
    case 'rxgain':
    case 'txgain': {
      const n = /^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(v) ? Number(v) : NaN;
      if (!(n >= -24 && n <= 24)) diag.error(at, `invalid ${key} '${v}': expected dB from -24.0 to 24.0`);
      else if (key === 'rxgain') cur.rxGainDb = n;
      else cur.txGainDb = n;
      break;
    }
    case 'immediate':
      bool((b) => (cur.immediate = b));
      break;
    case 'threewaycalling':
      bool((b) => (cur.threeWayCalling = b));
      break;
    case 'transfer':
      bool((b) => (cur.transfer = b));
      break;
    case 'callwaiting':
      bool((b) => (cur.callWaiting = b));
      break;
    case 'callwaitingcallerid':
      bool((b) => (cur.callWaitingCallerId = b));
      break;
    case 'callgroup':
    case 'pickupgroup': {
      // Call pickup (features.conf pickupexten): the same group syntax as `group`.
      const g = parseGroups(v);
      if (typeof g === 'string') diag.error(at, `invalid ${key} '${v}': ${g}`);
      else if (key === 'callgroup') cur.callGroups = g;
      else cur.pickupGroups = g;
      break;
    }
  }
}

/** `1`, `0,11`, `1-3`; '' -> no group. */
function parseGroups(v: string): number[] | string {
  if (v === '') return [];
  const out = new Set<number>();
  for (const part of v.split(',').map((p) => p.trim())) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) return `'${part}' is not a group number or range`;
    const from = Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : from;
    if (to > 63 || to < from) return `groups are 0 to 63, low to high`;
    for (let g = from; g <= to; g++) out.add(g);
  }
  return [...out].sort((a, b) => a - b);
}

function addChannels(value: string, at: Origin, cur: Current, ports: Map<number, AnalogPortConfig>, diag: Diagnostics): void {
  const v = value.trim();
  const list = parsePortList(v);
  if (typeof list === 'string') {
    diag.error(at, `invalid channel '${v}': ${list}`);
    return;
  }
  const sig = cur.signalling;
  if (!sig) {
    diag.error(at, `channel ${v}: signalling must be set before any channel (signalling = fxo_ks for phones, fxs_ks for lines)`);
    return;
  }
  if ('unsupported' in sig) {
    diag.error(at, `channel ${v}: signalling '${sig.unsupported}' (${sig.at.file}:${sig.at.line}) is not supported: analog fxo_ks/fxo_ls/fxo_gs (phones) or fxs_ks/fxs_ls/fxs_gs (lines)`);
    return;
  }
  const kind = sig.value.startsWith('fxo') ? 'fxs' : 'fxo';
  for (const port of list) {
    const prev = ports.get(port);
    if (prev?.origin) {
      diag.error(at, `channel ${port} is defined twice (first at ${prev.origin.file}:${prev.origin.line})`);
      continue;
    }
    ports.set(port, portOf(port, kind, sig.value, at, cur));
  }
}

function portOf(port: number, kind: 'fxs' | 'fxo', signalling: DahdiSignalling, at: Origin, cur: Current): AnalogPortConfig {
  return {
    port,
    kind,
    context: cur.context,
    ...(cur.groups.length > 0 ? { group: cur.groups[0], groups: [...cur.groups] } : {}),
    signalling,
    origin: at,
    ...(!cur.useCallerId ? { cidStandard: 'none' as const } : cur.cidStandard ? { cidStandard: cur.cidStandard } : {}),
    cidStart: cur.cidStart,
    busyDetect: cur.busyDetect,
    busyCount: cur.busyCount,
    callProgress: cur.callProgress,
    rxGainDb: cur.rxGainDb,
    txGainDb: cur.txGainDb,
    echoCancelTaps: cur.echoCancelTaps,
    immediate: cur.immediate,
    ...(cur.callerId ? { callerId: { ...cur.callerId } } : {}),
    ...(cur.hideCallerId ? { hideCallerId: true } : {}),
    ...(kind === 'fxs'
      ? { threeWayCalling: cur.threeWayCalling, transfer: cur.transfer, callWaiting: cur.callWaiting, callWaitingCallerId: cur.callWaitingCallerId }
      : {}),
    ...(kind === 'fxs' && cur.callGroups.length > 0 ? { callGroups: [...cur.callGroups] } : {}),
    ...(kind === 'fxs' && cur.pickupGroups.length > 0 ? { pickupGroups: [...cur.pickupGroups] } : {}),
  };
}
