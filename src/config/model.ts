/**
 * The typed configuration model: what the rest of the runtime reads. Built from pbx.conf (and
 * sip.conf when present) by load.ts; only ever handed out when the whole file set validated.
 * Plain data (Maps of plain objects) so a reload can diff old and new.
 */
import type { ConfSection } from './conf-parser.ts';
import type { Origin } from './diagnostics.ts';
import type { VoicemailConfig } from './voicemail-model.ts';
import type { FeaturesConfig } from './features-model.ts';
import type { MusicOnHoldConfig } from './musiconhold-conf.ts';
import type { ManagerConfig } from './manager-conf.ts';
import type { MeetmeConfig } from './meetme-conf.ts';
import type { CdrConfig } from './cdr-conf.ts';

export type { Origin } from './diagnostics.ts';

export interface HostPort {
  host: string;
  port: number;
}

export interface SyslogTarget extends HostPort {
  protocol: 'udp' | 'tcp';
}

/** `lan = dhcp` or `lan = ADDRESS/PREFIX` with `gateway` and `dns`. Absent: leave networking alone. */
export type LanConfig =
  | { mode: 'dhcp'; dns: string[] }
  | { mode: 'static'; address: string; prefix: number; gateway?: string; dns: string[] };

export interface SystemConfig {
  hostname: string;
  /** UDP and TCP listen address for SIP. */
  sip: HostPort;
  /** RTP port range, inclusive. */
  rtp: { start: number; end: number };
  /** Unix socket path of the control console. */
  control: string;
  /** Writable state directory (voicemail, database). */
  data: string;
  syslog?: SyslogTarget;
  /** Tone country (indications), lower case: 'us', 'uk', 'fr', ... */
  country: string;
  timezone: string;
  lan?: LanConfig;
  /** Network interface the LAN settings apply to (firmware; default: the first Ethernet port). */
  lanInterface?: string;
  /** Hash of the admin password as written by the setup menu (never the password itself). */
  adminPassword?: string;
  /** Asterisk-style verbosity, 0 (quiet) to 10. */
  verbose: number;
  /** Seconds the phones' dialplan rings a phone before giving up (`dialtimeout`, default 20). */
  dialTimeout?: number;
}

/** sip.conf `[general]`, with our defaults when sip.conf is absent or silent. */
export interface SipGeneral {
  /** Context for calls from unauthenticated guests (when allowGuest) and peers without one. */
  context: string;
  realm: string;
  /** Registration expiry, seconds. */
  defaultExpires: number;
  minExpires: number;
  maxExpires: number;
  /** Answer 401 for unknown users too, so scanners cannot tell which names exist. */
  alwaysAuthReject: boolean;
  allowGuest: boolean;
  /** Failed authentications from one source address before it is banned. */
  authFailBanThreshold: number;
  banSeconds: number;
  /** How long a nonce we issued stays valid, seconds. */
  nonceLifetime: number;
  /** Seconds between OPTIONS pings to qualified peers. */
  qualifyFrequency: number;
  /** Round-trip time above which a qualified peer is UNREACHABLE, ms (qualify=yes). */
  qualifyTimeout: number;
  useragent: string;
  /** Digest algorithms offered in challenges, in preference order. */
  digestAlgorithms: ('SHA-256' | 'MD5')[];
  /** Defaults every peer starts from (sip.conf peer settings override them). */
  peerDefaults: PeerDefaults;
  /**
   * `rtptimeout`: seconds without RTP on an answered call before it is hung up (0: never).
   * Asterisk's default is 0; ours is 30 so that a phone that vanished does not hold a call.
   */
  rtpTimeout: number;
  /** `rtpholdtimeout`: the same while the call is on hold (0: never, Asterisk's default). */
  rtpHoldTimeout: number;
  /** `register =>` lines, parsed (src/config/register-line.ts); the outbound registration client's input. */
  registrations: SipRegistration[];
  /** `registertimeout`: seconds to wait for a REGISTER's answer, and the first retry delay (default 20). */
  registerTimeout: number;
  /** `registerattempts`: failed tries before a registration gives up (Failed); 0 = never (default). */
  registerAttempts: number;
  /**
   * `externip`/`externaddr` (an address, optionally :port) or `externhost` (a name re-resolved
   * every `externrefresh` seconds): what Contact, Via and SDP carry toward destinations outside
   * every `localnet` (Asterisk's NAT settings for a PBX behind a router).
   */
  externAddress?: { host: string; port?: number; resolve: boolean };
  /** `externrefresh`, seconds (default 10). */
  externRefresh: number;
  /** `localnet` lines as `ADDRESS/PREFIX`. */
  localnet: string[];
}

/**
 * One sip.conf `register => [peer?][transport://]user[@domain][:secret[:authuser]]@host[:port][/extension][~expiry]`
 * line: an account at a provider the PBX registers to (Asterisk's chan_sip syntax).
 */
export interface SipRegistration {
  /** The line as written (after `=>`): two registrations are the same when this is. */
  text: string;
  /** `peer?`: the sip.conf peer whose settings calls through this registration use, if named. */
  peer?: string;
  transport: 'udp' | 'tcp';
  /** The account: the user part of To and From. */
  user: string;
  /** The domain of To/From and the Request-URI; default: host. */
  domain?: string;
  secret: string;
  /** The digest user name when it differs from `user`. */
  authuser?: string;
  /** The registrar's host name or address. */
  host: string;
  port?: number;
  /** Our Contact's user part, where the provider's calls arrive (default `s`). */
  extension: string;
  /** Seconds asked for in Expires (`~expiry`, else [general] defaultexpiry, else 120). */
  expiry: number;
  origin: Origin;
}

export type DtmfMode = 'rfc2833' | 'info' | 'shortinfo' | 'inband' | 'auto';

export interface PeerDefaults {
  context: string;
  nat: boolean;
  qualify: boolean | number;
  allow: string[];
  canreinvite: boolean;
  dtmfmode: DtmfMode;
  language: string;
  insecure: string[];
  /** sip.conf `allowtransfer`: false refuses the peer's REFER (603); absent: allowed. */
  allowtransfer?: boolean;
}

export interface AclRule {
  action: 'permit' | 'deny';
  /** `ADDRESS/PREFIX` (a dotted netmask is converted to a prefix length). */
  network: string;
}

export interface SipPeer {
  name: string;
  type: 'friend' | 'peer' | 'user';
  /** 'dynamic' for phones that REGISTER, else a host name or address. */
  host: 'dynamic' | string;
  port?: number;
  secret?: string;
  /** md5(user:realm:secret) in hex; works with MD5 digest only. */
  md5secret?: string;
  defaultuser?: string;
  /** sip.conf `authuser`: the digest user name when a trunk challenges us (else defaultuser, else the peer name). */
  authuser?: string;
  context: string;
  /** Symmetric signalling and RTP (latch onto the source address) for phones behind NAT. */
  nat: boolean;
  /** false, true (default timeout), or the timeout in ms. */
  qualify: boolean | number;
  /** Seconds between OPTIONS pings, when qualify is on. */
  qualifyFrequency: number;
  callerid?: { name?: string; number?: string };
  /** Codec preference after disallow/allow processing, e.g. ['ulaw', 'alaw']. */
  allow: string[];
  canreinvite: boolean;
  mailbox?: string;
  dtmfmode: DtmfMode;
  /** 'port' and/or 'invite': which checks are skipped for calls from this peer. */
  insecure: string[];
  fromuser?: string;
  fromdomain?: string;
  /** Concurrent call limit; undefined means unlimited. */
  callLimit?: number;
  language: string;
  accountcode?: string;
  defaultip?: string;
  outboundproxy?: string;
  transport: ('udp' | 'tcp')[];
  acl: AclRule[];
  /** `setvar=NAME=VALUE` channel variables, in order. */
  variables: [string, string][];
  callgroup: number[];
  pickupgroup: number[];
  musicclass?: string;
  /** sip.conf `mohsuggest`: the class the other party hears when this peer holds the call. */
  mohsuggest?: string;
  /** sip.conf `mohinterpret`: the class this peer hears when the other party holds it. */
  mohinterpret?: string;
  description?: string;
  /** sip.conf `rtptimeout`/`rtpholdtimeout` for this peer; absent: [general]'s. */
  rtpTimeout?: number;
  rtpHoldTimeout?: number;
  /** sip.conf `allowtransfer` (absent: yes): no answers this peer's REFER 603 Declined. */
  allowtransfer?: boolean;
  /** Keys Asterisk knows that this PBX accepts but does not act on yet (a warning names them). */
  ignored: string[];
  /** Where the peer was defined (the section header line). */
  origin: Origin;
  /** true when derived from a pbx.conf [phones] line rather than written in sip.conf. */
  fromPbxConf: boolean;
}

/** A `[phones]` line of pbx.conf: `2000 = secret, Joe Bloggs`. */
export interface Phone {
  extension: string;
  secret: string;
  name?: string;
  /** `EXT@default`: every phone gets a voicemail box. */
  mailbox: string;
  /** Third field of the line (`2000 = secret, Joe Bloggs, joe@example.com`): the box's notification address. */
  email?: string;
  origin: Origin;
}

export interface PbxConfig {
  /** The configuration directory, when the files came from one. */
  dir?: string;
  system: SystemConfig;
  sip: SipGeneral;
  /** Phones from pbx.conf [phones], by extension. */
  phones: Map<string, Phone>;
  /** SIP peers by name: the phones' derived peers, replaced wholesale by any same-named sip.conf peer. */
  peers: Map<string, SipPeer>;
  /** pbx.conf [trunk NAME] sections, raw until the trunk layer models them. */
  trunks: Map<string, ConfSection>;
  /** voicemail.conf merged with the phones' mailboxes and pbx.conf [voicemail] (voicemail-conf.ts). */
  voicemail: VoicemailConfig;
  /** pbx.conf [analog]: the analog ports (analog-conf.ts reads it). */
  analog?: AnalogConfig;
  /** musiconhold.conf classes (absent in hand-built configs: the built-in `default` applies). */
  musicOnHold?: MusicOnHoldConfig;
  /** features.conf: parking, pickup, in-call features (absent: `featuresOf` gives the defaults). */
  features?: FeaturesConfig;
  /** manager.conf: the AMI listener and its users (absent in hand-built configs: off). */
  manager?: ManagerConfig;
  /** meetme.conf: static conferences with their PINs (absent: every conference is dynamic). */
  meetme?: MeetmeConfig;
  /** cdr.conf: call records (absent: `cdrOf` gives Asterisk's defaults). */
  cdr?: CdrConfig;
  /** Every file read, relative to the config directory, pbx.conf first. */
  sources: string[];
}

/** One analog port of pbx.conf [analog] or chan_dahdi.conf (zapata.conf). */
export interface AnalogPortConfig {
  /** Port number, from 1 (DAHDI's channel number). */
  port: number;
  /** fxs: a phone plugs in here; fxo: a line from the exchange plugs in here. */
  kind: 'fxs' | 'fxo';
  /** FXS: the extension that rings this phone (`1 = 2100`); absent: the phone can only dial out. */
  extension?: string;
  /** FXS: where the phone's dialed number runs (phones); FXO: where incoming line calls start at `s`. */
  context: string;
  /** The (first) line group for `Dial(DAHDI/gN/number)`. */
  group?: number;
  // ---- chan_dahdi.conf options: absent on pbx.conf [analog] ports (the engine's defaults apply)
  /** Every group the port is in (chan_dahdi.conf `group = 1,2`); absent: just `group`. */
  groups?: number[];
  /** The chan_dahdi.conf `signalling` (fxo_ks = a phone port, fxs_ks = a line port...). */
  signalling?: DahdiSignalling;
  /** Where the port was defined (the `channel =>` line). */
  origin?: Origin;
  /** `cidsignalling` (bell -> bell202); `usecallerid = no` makes it 'none'. Absent: the country's. */
  cidStandard?: 'bell202' | 'v23' | 'dtmf' | 'none';
  /** FXO `cidstart`: listen for caller ID from the first ring, or only after a line reversal. */
  cidStart?: 'ring' | 'polarity';
  /** FXO `busydetect`: hang up when the exchange plays busy/congestion. */
  busyDetect?: boolean;
  /** FXO `busycount`: busy cadence cycles heard before the call is hung up. */
  busyCount?: number;
  /** FXO `callprogress`. */
  callProgress?: boolean;
  /** `rxgain` / `txgain` in dB. */
  rxGainDb?: number;
  txGainDb?: number;
  /** `echocancel`: taps (0 = off). */
  echoCancelTaps?: number;
  /** `immediate = yes`: FXS: off hook goes straight into the dialplan at `s`, no dial tone; FXO: offered at the first ring. */
  immediate?: boolean;
  /**
   * `callerid`: FXS: the phone's caller ID on its calls; FXO: replaces the caller ID the line
   * delivers. Absent (`callerid = asreceived`, the default): FXO passes what it received.
   */
  callerId?: { name?: string; number?: string };
  /** `hidecallerid = yes`: the port's calls present no caller ID. */
  hideCallerId?: boolean;
  /** FXS `threewaycalling` (absent: yes, as Asterisk's sample chan_dahdi.conf): flash holds and gives dial tone for a third party. */
  threeWayCalling?: boolean;
  /** FXS `transfer` (absent: yes): hanging up with a held call and a third party connects them. */
  transfer?: boolean;
  /** FXS `callwaiting` (absent: yes): a second call beeps in a call instead of getting busy. */
  callWaiting?: boolean;
  /** FXS `callwaitingcallerid` (absent: yes): the waiting caller's ID as a type II spill. */
  callWaitingCallerId?: boolean;
  /** FXS `callgroup` / `pickupgroup` (chan_dahdi.conf, 0-63): who may pick up this phone's ringing calls, whose it may pick up. */
  callGroups?: number[];
  pickupGroups?: number[];
}

/** chan_dahdi.conf analog signalling: fxo_* drive a phone (our FXS port), fxs_* a line (our FXO port). */
export type DahdiSignalling = 'fxo_ks' | 'fxo_ls' | 'fxo_gs' | 'fxs_ks' | 'fxs_ls' | 'fxs_gs';

/** Whether `port` answers `Dial(DAHDI/gN/...)`. */
export function portInGroup(port: AnalogPortConfig, group: number): boolean {
  return port.groups ? port.groups.includes(group) : port.group === group;
}

/** pbx.conf [analog] merged with chan_dahdi.conf. */
export interface AnalogConfig {
  backend: 'sim' | 'dahdi';
  /** Every port, by number. */
  ports: AnalogPortConfig[];
  origin: Origin;
}

/** Context that phones from pbx.conf [phones] are placed in (the default dialplan defines it). */
export const PHONES_CONTEXT = 'phones';

/** Voicemail context of the mailboxes that [phones] derives. */
export const PHONES_MAILBOX_CONTEXT = 'default';

/** Codecs the media layer can actually transcode; others may be allowed but are never offered. */
export const SUPPORTED_CODECS: readonly string[] = ['ulaw', 'alaw'];

/** Codec names sip.conf allow/disallow accept (Asterisk's names; 'all' is handled separately). */
export const KNOWN_CODECS: readonly string[] = [
  'ulaw', 'alaw', 'gsm', 'g722', 'g729', 'g726', 'g726aal2', 'g723', 'ilbc', 'speex', 'speex16',
  'opus', 'lpc10', 'adpcm', 'slin', 'slin16', 'siren7', 'siren14', 'testlaw',
  'h261', 'h263', 'h263p', 'h264', 'vp8', 't140', 't140red',
];

export const DEFAULT_SYSTEM: Readonly<Omit<SystemConfig, 'syslog' | 'lan' | 'lanInterface' | 'adminPassword'>> = {
  hostname: 'pbx',
  sip: { host: '0.0.0.0', port: 5060 },
  rtp: { start: 10000, end: 20000 },
  control: '/run/pbx/control.sock',
  data: '/var/lib/pbx',
  country: 'us',
  timezone: 'UTC',
  verbose: 3,
};

export function defaultPeerDefaults(): PeerDefaults {
  return {
    context: 'default',
    nat: true,
    qualify: false,
    allow: ['ulaw', 'alaw'],
    canreinvite: false,
    dtmfmode: 'rfc2833',
    language: 'en',
    insecure: [],
  };
}

export function defaultSipGeneral(): SipGeneral {
  return {
    context: 'default',
    realm: 'asterisk',
    defaultExpires: 3600,
    minExpires: 60,
    maxExpires: 3600,
    alwaysAuthReject: true,
    allowGuest: false,
    authFailBanThreshold: 10,
    banSeconds: 600,
    nonceLifetime: 30,
    qualifyFrequency: 60,
    qualifyTimeout: 2000,
    useragent: 'pbx-firmware',
    // MD5 only by default: Debian 12's baresip (libre 1.0) fails on any SHA-256 challenge and
    // SIPp 3.6 / older pjsip answer only the first one (docs/ARCHITECTURE.md). SHA-256 is opt-in.
    digestAlgorithms: ['MD5'],
    peerDefaults: defaultPeerDefaults(),
    rtpTimeout: 30,
    rtpHoldTimeout: 0,
    registrations: [],
    registerTimeout: 20,
    registerAttempts: 0,
    externRefresh: 10,
    localnet: [],
  };
}

/**
 * Tone countries (the zones Asterisk's indications.conf defines). 'gb' is accepted as an alias of
 * 'uk' by the pbx.conf reader because that is the ISO code people type.
 */
export const TONE_COUNTRIES: readonly string[] = [
  'ar', 'at', 'au', 'be', 'bg', 'br', 'ch', 'cl', 'cn', 'cz', 'de', 'dk', 'ee', 'es', 'fi', 'fr',
  'gr', 'hu', 'il', 'in', 'it', 'jp', 'lt', 'mx', 'my', 'nl', 'no', 'nz', 'ph', 'pl', 'pt', 'ru',
  'se', 'sg', 'th', 'tw', 'uk', 'us', 'us-old', 've', 'za',
];
