/**
 * voicemail.conf as Asterisk's app_voicemail reads it, merged with the mailboxes pbx.conf
 * derives, into the VoicemailConfig of voicemail-model.ts:
 *
 *   [general]        format, serveremail, attach, maxmsg, emailsubject/emailbody ... (Asterisk's
 *                    defaults; keys that cannot apply here are warned about and ignored)
 *   [zonemessages]   eastern = America/New_York|'vm-received' Q 'digits/at' IMp
 *   [CONTEXT]        1234 => 4242,Example Mailbox,root@localhost,pager@example.com,attach=no|tz=eastern
 *
 * pbx.conf side: every [phones] line has box EXT@default (name and optional email from the line);
 * pbx.conf [voicemail] gives those boxes PINs (`2000 = 739184`) and holds the SMTP smarthost.
 * A voicemail.conf box with the same number and context replaces the derived box wholesale, as a
 * sip.conf peer replaces a phone's peer.
 *
 * PIN policy (README "Configuration"): a derived box has no PIN unless pbx.conf sets one, and
 * then only a PIN no outsider could guess is accepted (an error otherwise); a box without a PIN
 * opens only from its owner's own phone. voicemail.conf PINs are the user's own Asterisk files:
 * a guessable one is a warning, not an error.
 */
import type { ConfEntry, ConfFile, ConfLister, ConfReader, ConfSection } from './conf-parser.ts';
import { parseConfFile } from './conf-parser.ts';
import { closest, didYouMean, type Diagnostics, type Origin } from './diagnostics.ts';
import { PHONES_MAILBOX_CONTEXT, type AnalogConfig, type Phone } from './model.ts';
import { isHostname, parseBool, parseHostPort, parseInteger } from './values.ts';
import type {
  Mailbox,
  MailboxOptions,
  SmtpSettings,
  VoicemailConfig,
  VoicemailFormat,
  VoicemailGeneral,
  VoicemailZone,
} from './voicemail-model.ts';
import { fileExists, isDirectory, paths } from '../platform/fs.ts';

export const VOICEMAIL_CONF = 'voicemail.conf';

/** Asterisk's default when `minpassword` is absent is 0; ours is 4 (a shorter PIN is guessed quickly). */
const DEFAULT_MIN_PASSWORD = 4;

/** Asterisk's MAXMSGLIMIT. */
const MAX_MSG_LIMIT = 9999;

export function defaultVoicemailGeneral(origin: Origin = { file: VOICEMAIL_CONF, line: 0 }): VoicemailGeneral {
  return {
    formats: ['wav'],
    serverEmail: 'asterisk',
    attach: true,
    maxMsg: 100,
    maxSecs: 0,
    minSecs: 0,
    maxGreet: 0,
    maxSilence: 0,
    silenceThreshold: 128,
    maxLogins: 3,
    skipMs: 3000,
    review: false,
    operator: false,
    saycid: false,
    envelope: true,
    delete: false,
    emailDateFormat: '%A, %B %d, %Y at %r',
    minPassword: DEFAULT_MIN_PASSWORD,
    maxBoxBytes: 64 * 1024 * 1024,
    maxSpoolBytes: 256 * 1024 * 1024,
    origin,
  };
}

/** The configuration when neither voicemail.conf nor pbx.conf [voicemail] exist and there are no phones. */
export function emptyVoicemailConfig(): VoicemailConfig {
  return { general: defaultVoicemailGeneral(), zones: new Map(), contexts: new Map() };
}

/** [general] keys this PBX acts on (`maxmessage`/`minmessage` are Asterisk's older names). */
export const VOICEMAIL_GENERAL_KEYS = [
  'format', 'serveremail', 'fromstring', 'attach', 'maxmsg', 'maxsecs', 'maxmessage', 'minsecs',
  'minmessage', 'maxgreet', 'maxsilence', 'silencethreshold', 'maxlogins', 'skipms', 'review',
  'operator', 'saycid', 'envelope', 'delete', 'emailsubject', 'emailbody', 'emaildateformat',
  'pagerfromstring', 'pagersubject', 'pagerbody', 'minpassword', 'tz',
] as const;

/**
 * Real Asterisk [general] keys that cannot apply here: a "not supported, ignored" warning. The
 * value, when given, is the setting that matches what this PBX does anyway, so writing it is
 * silent (e.g. `searchcontexts = no`, `moveheard = yes`).
 */
const IGNORED_GENERAL = new Map<string, string | undefined>([
  ['mailcmd', undefined], ['externnotify', undefined], ['externpass', undefined], ['externpassnotify', undefined],
  ['externpasscheck', undefined], ['smdienable', 'no'], ['smdiport', undefined], ['odbcstorage', undefined],
  ['odbctable', undefined], ['imapserver', undefined], ['imapport', undefined], ['imapflags', undefined],
  ['imapfolder', undefined], ['imapparentfolder', undefined], ['imapgreetings', 'no'], ['greetingsfolder', undefined],
  ['authuser', undefined], ['authpassword', undefined], ['expungeonhangup', undefined], ['imapopentimeout', undefined],
  ['imapreadtimeout', undefined], ['imapwritetimeout', undefined], ['imapclosetimeout', undefined],
  ['pollmailboxes', 'no'], ['pollfreq', undefined], ['searchcontexts', 'no'], ['cidinternalcontexts', undefined],
  ['nextaftercmd', undefined], ['forcename', 'no'], ['forcegreetings', 'no'], ['usedirectory', 'no'],
  ['directoryintro', undefined], ['charset', undefined], ['adsifdn', undefined], ['adsisec', undefined],
  ['adsiver', undefined], ['sendvoicemail', 'no'], ['tempgreetwarn', 'no'], ['messagewrap', 'no'],
  ['vm-password', undefined], ['vm-newpassword', undefined], ['vm-passchanged', undefined],
  ['vm-reenterpassword', undefined], ['vm-mismatch', undefined], ['vm-invalid-password', undefined],
  ['vm-pls-try-again', undefined], ['vm-prepend-timeout', undefined], ['listen-control-forward-key', undefined],
  ['listen-control-reverse-key', undefined], ['listen-control-pause-key', undefined],
  ['listen-control-restart-key', undefined], ['listen-control-stop-key', undefined], ['backupdeleted', '0'],
  ['volgain', '0'], ['hidefromdir', 'no'], ['passwordlocation', undefined], ['locale', undefined],
  ['emailtitle', undefined], ['pbxskip', 'no'], ['userscontext', undefined], ['attachfmt', undefined],
  ['moveheard', 'yes'], ['forward_urgent_auto', 'no'], ['sayduration', undefined], ['saydurationm', undefined],
  ['callback', undefined], ['dialout', undefined], ['exitcontext', undefined], ['pagerdateformat', undefined],
  ['maxdeletedmsg', undefined], ['aliasescontext', undefined], ['mailbox_alias', undefined], ['emailonly', undefined],
]);

/** What to use instead, for the ignored keys people rely on. */
const IGNORED_HINTS: Record<string, string> = {
  mailcmd: ' (mail goes through the SMTP smarthost of pbx.conf [voicemail] smtp =)',
  searchcontexts: ' (write box@context)',
  odbcstorage: ' (messages are stored in the spool under the data directory)',
  imapserver: ' (messages are stored in the spool under the data directory)',
  externnotify: ' (phones get MWI by SIP NOTIFY)',
};

/** Per-box options with a field of their own in MailboxOptions. */
const BOX_BOOL_OPTIONS = ['attach', 'delete', 'saycid', 'envelope', 'review', 'operator'] as const;

/** Other per-box options Asterisk's apply_option knows: kept by name in `options.other`. */
const BOX_OTHER_OPTIONS = [
  'attachfmt', 'serveremail', 'fromstring', 'emailsubject', 'emailbody', 'language', 'locale', 'imapuser',
  'imappassword', 'imapfolder', 'imapserver', 'imapport', 'imapflags', 'imapvmshareid', 'sendvoicemail',
  'tempgreetwarn', 'messagewrap', 'moveheard', 'sayduration', 'saydurationm', 'forcename', 'forcegreetings',
  'callback', 'dialout', 'exitcontext', 'minsecs', 'maxsecs', 'maxmessage', 'maxmsg', 'nextaftercmd',
  'backupdeleted', 'volgain', 'passwordlocation', 'hidefromdir', 'alias',
];

const BOX_OPTIONS = [...BOX_BOOL_OPTIONS, 'deletevoicemail', 'tz', ...BOX_OTHER_OPTIONS];

/** Formats we can write. */
const WRITABLE_FORMATS: readonly VoicemailFormat[] = ['wav', 'ulaw', 'alaw', 'sln'];

/** Asterisk's other names for the writable formats (format_pcm, format_sln file extensions). */
const FORMAT_ALIASES: Record<string, VoicemailFormat> = { pcm: 'ulaw', ul: 'ulaw', mu: 'ulaw', ulw: 'ulaw', al: 'alaw', alw: 'alaw', raw: 'sln', slin: 'sln' };

/** Asterisk formats we have no codec or writer for: replaced by wav with a warning. */
const UNWRITABLE_FORMATS = ['wav49', 'gsm', 'g722', 'g723', 'g723sf', 'g726', 'g729', 'ilbc', 'siren7', 'siren14', 'speex', 'sln16', 'ogg', 'vox', 'au', 'h263', 'h264', 'g719'];

/** pbx.conf [voicemail] keys besides extension numbers (which set that box's PIN). */
export const PBX_VOICEMAIL_KEYS = ['smtp', 'smtpsecurity', 'smtpuser', 'smtppassword', 'serveremail', 'fromstring', 'maxboxmb', 'maxspoolmb'] as const;

const SMTP_SECURITY = ['starttls', 'require', 'tls', 'none'] as const;

/** A phone that gets a mailbox from pbx.conf: a [phones] line, or an FXS port's `1 = 2100`. */
export type MailboxOwner = Pick<Phone, 'extension' | 'name' | 'email' | 'origin'>;

/** The pbx.conf phones that own a mailbox: [phones], then FXS ports whose extension no SIP phone has. */
export function mailboxOwners(phones: ReadonlyMap<string, Phone>, analog: AnalogConfig | undefined): Map<string, MailboxOwner> {
  const owners = new Map<string, MailboxOwner>(phones);
  for (const p of analog?.ports ?? []) {
    if (p.kind !== 'fxs' || p.extension === undefined || owners.has(p.extension)) continue;
    owners.set(p.extension, {
      extension: p.extension,
      ...(p.callerId?.name ? { name: p.callerId.name } : {}),
      origin: p.origin ?? analog!.origin,
    });
  }
  return owners;
}

export interface VoicemailConfInput {
  /** voicemail.conf parsed, when the file exists. */
  conf?: ConfFile;
  /** pbx.conf [voicemail], raw (all same-named sections merged). */
  pbx?: ConfSection;
  /** pbx.conf [phones] and the [analog] phone ports with an extension: each derives box EXT@default. */
  phones: ReadonlyMap<string, MailboxOwner>;
}

/** Parse the optional voicemail.conf through `io` (as load.ts reads sip.conf); files read are returned. */
export function loadVoicemailConf(io: { read: ConfReader; list: ConfLister }, diag: Diagnostics): { conf?: ConfFile; files: string[] } {
  const parsed = parseConfFile(VOICEMAIL_CONF, io);
  if (parsed.conf.files.length === 0) {
    // Absent is fine; unreadable is not.
    diag.absorb({ errors: parsed.errors.filter((e) => !(e.file === VOICEMAIL_CONF && e.line === 0 && e.reason === 'file not found')) });
    return { files: [] };
  }
  diag.absorb(parsed);
  return { conf: parsed.conf, files: parsed.conf.files };
}

/** Build the voicemail configuration; every problem goes to `diag` at file:line. */
export function readVoicemailConf(input: VoicemailConfInput, diag: Diagnostics): VoicemailConfig {
  const generalEntries: ConfEntry[] = [];
  const zoneEntries: ConfEntry[] = [];
  const contextSections: ConfSection[] = [];
  let generalAt: Origin | undefined;
  for (const s of input.conf?.sections ?? []) {
    if (s.templateOnly) continue;
    if (s.name === 'general') {
      generalAt ??= { file: s.file, line: s.line };
      generalEntries.push(...s.entries);
    } else if (s.name === 'zonemessages') zoneEntries.push(...s.entries);
    else contextSections.push(s);
  }

  const general = readGeneral(generalEntries, generalAt, diag);
  const zones = readZones(zoneEntries, diag);
  if (general.tz !== undefined && !zones.has(general.tz)) {
    const e = generalEntries.filter((x) => x.key.toLowerCase() === 'tz').pop()!;
    diag.error(e, `unknown zone '${general.tz}' in tz: [zonemessages] does not define it${didYouMean(general.tz, zones.keys())}`);
    delete general.tz;
  }

  // pbx.conf [phones] boxes first, so that voicemail.conf boxes replace them.
  const contexts = new Map<string, Map<string, Mailbox>>();
  const derived = new Map<string, Mailbox>();
  for (const phone of input.phones.values()) {
    derived.set(phone.extension, {
      context: PHONES_MAILBOX_CONTEXT,
      box: phone.extension,
      pinLocked: false,
      fullName: phone.name ?? '',
      ...(phone.email ? { email: phone.email } : {}),
      options: { other: {} },
      fromPbxConf: true,
      origin: phone.origin,
    });
  }
  if (derived.size > 0) contexts.set(PHONES_MAILBOX_CONTEXT, derived);

  const fromFile = new Map<string, Mailbox>();
  for (const s of contextSections) readContext(s, contexts, fromFile, zones, general, diag);

  const pbx = readPbxVoicemail(input.pbx, input.phones, contexts, fromFile, general, generalEntries, diag);
  const config: VoicemailConfig = { general, zones, contexts, ...(pbx.smtp ? { smtp: pbx.smtp } : {}) };

  if (!config.smtp) {
    const withEmail = [...contexts.values()].flatMap((m) => [...m.values()]).filter((b) => b.email !== undefined || b.pager !== undefined);
    if (withEmail.length > 0) {
      const n = withEmail.length;
      diag.warn(withEmail[0].origin, `mail notification is off: pbx.conf [voicemail] has no smtp (${n} mailbox${n === 1 ? ' has' : 'es have'} an email address)`);
    }
  }
  return config;
}

// ---------------------------------------------------------------- [general]

function readGeneral(entries: ConfEntry[], at: Origin | undefined, diag: Diagnostics): VoicemailGeneral {
  const g = defaultVoicemailGeneral(at);
  const seen = new Map<string, ConfEntry>();
  for (const e of entries) {
    const key = e.key.toLowerCase();
    const v = e.value.trim();
    const invalid = (why: string): void => diag.error(e, `invalid ${key} '${v}': ${why}`);
    if (IGNORED_GENERAL.has(key)) {
      const harmless = IGNORED_GENERAL.get(key);
      if (harmless === undefined || !sameSetting(v, harmless)) diag.warn(e, `'${key}' is not supported, ignored${IGNORED_HINTS[key] ?? ''}`);
      continue;
    }
    if (!(VOICEMAIL_GENERAL_KEYS as readonly string[]).includes(key)) {
      diag.error(e, `unknown key '${e.key}' in [general]${didYouMean(e.key, [...VOICEMAIL_GENERAL_KEYS, ...IGNORED_GENERAL.keys()])}`);
      continue;
    }
    // maxmessage/minmessage are older names of maxsecs/minsecs: one setting each.
    const canonical = key === 'maxmessage' ? 'maxsecs' : key === 'minmessage' ? 'minsecs' : key;
    const first = seen.get(canonical);
    if (first && e.inheritedFrom === undefined) diag.warn(e, `${key} is set again (first at ${first.file}:${first.line}); this one applies`);
    seen.set(canonical, e);
    const int = (min: number, max: number, set: (n: number) => void): void => {
      const n = parseInteger(v, min, max);
      if (n.ok) set(n.value);
      else invalid(n.why);
    };
    const bool = (set: (b: boolean) => void): void => {
      const b = parseBool(v);
      if (b.ok) set(b.value);
      else invalid(b.why);
    };
    switch (canonical) {
      case 'format': {
        const formats = readFormats(v, e, diag);
        if (formats) g.formats = formats;
        break;
      }
      case 'serveremail':
        if (v === '' || /[\s<>",;]/.test(v)) invalid('expected an address such as voicemail@example.com (or a user name; the host name is added)');
        else g.serverEmail = v;
        break;
      case 'fromstring':
        g.fromString = v;
        break;
      case 'attach':
        bool((b) => (g.attach = b));
        break;
      case 'maxmsg':
        int(1, MAX_MSG_LIMIT, (n) => (g.maxMsg = n));
        break;
      case 'maxsecs':
        int(0, 86400, (n) => (g.maxSecs = n));
        break;
      case 'minsecs':
        int(0, 3600, (n) => (g.minSecs = n));
        break;
      case 'maxgreet':
        int(0, 86400, (n) => (g.maxGreet = n));
        break;
      case 'maxsilence':
        int(0, 3600, (n) => (g.maxSilence = n));
        break;
      case 'silencethreshold':
        int(0, 32767, (n) => (g.silenceThreshold = n));
        break;
      case 'maxlogins':
        int(1, 100, (n) => (g.maxLogins = n));
        break;
      case 'skipms':
        int(0, 3_600_000, (n) => (g.skipMs = n));
        break;
      case 'review':
      case 'operator':
      case 'saycid':
      case 'envelope':
      case 'delete':
        bool((b) => (g[canonical] = b));
        break;
      case 'emailsubject':
        g.emailSubject = decodeEscapes(v);
        checkMailVariables(v, e, diag);
        break;
      case 'emailbody':
        g.emailBody = decodeEscapes(v);
        checkMailVariables(v, e, diag);
        break;
      case 'emaildateformat':
        if (v === '') invalid('expected a strftime format such as %A, %B %d, %Y at %r');
        else g.emailDateFormat = v;
        break;
      case 'pagerfromstring':
        g.pagerFromString = v;
        break;
      case 'pagersubject':
        g.pagerSubject = decodeEscapes(v);
        checkMailVariables(v, e, diag);
        break;
      case 'pagerbody':
        g.pagerBody = decodeEscapes(v);
        checkMailVariables(v, e, diag);
        break;
      case 'minpassword':
        int(0, 20, (n) => (g.minPassword = n));
        break;
      case 'tz':
        g.tz = v;
        break;
    }
  }
  if (g.maxSecs > 0 && g.minSecs >= g.maxSecs) {
    const e = seen.get('minsecs')!;
    diag.error(e, `minsecs ${g.minSecs} must be below maxsecs ${g.maxSecs}: every message would be discarded`);
  }
  return g;
}

function sameSetting(value: string, harmless: string): boolean {
  const a = parseBool(value);
  const b = parseBool(harmless);
  return a.ok && b.ok ? a.value === b.value : value.toLowerCase() === harmless;
}

/** `format = wav49|gsm|wav`: the formats we can write, in order; the others become wav with a warning. */
function readFormats(v: string, at: Origin, diag: Diagnostics): VoicemailFormat[] | undefined {
  const names = v.split(/[|,]/).map((x) => x.trim()).filter((x) => x !== '');
  if (names.length === 0) {
    diag.error(at, `invalid format '${v}': expected formats separated by '|', e.g. wav`);
    return undefined;
  }
  const out: VoicemailFormat[] = [];
  const add = (f: VoicemailFormat): void => {
    if (!out.includes(f)) out.push(f);
  };
  let bad = false;
  const unwritable: string[] = [];
  for (const name of names) {
    // Asterisk's `WAV` (upper case) is wav49, GSM in a WAV file.
    const n = name === 'WAV' ? 'wav49' : name.toLowerCase();
    if ((WRITABLE_FORMATS as readonly string[]).includes(n)) add(n as VoicemailFormat);
    else if (FORMAT_ALIASES[n]) add(FORMAT_ALIASES[n]);
    else if (UNWRITABLE_FORMATS.includes(n)) {
      unwritable.push(name);
      add('wav');
    } else {
      diag.error(at, `unknown format '${name}'${didYouMean(n, [...WRITABLE_FORMATS, ...UNWRITABLE_FORMATS]) || ` (known: ${WRITABLE_FORMATS.join(', ')})`}`);
      bad = true;
    }
  }
  if (unwritable.length > 0) {
    const list = unwritable.map((f) => `'${f}'`).join(', ');
    diag.warn(at, `format ${list} not supported, using wav (this PBX writes ${WRITABLE_FORMATS.join(', ')})`);
  }
  return bad ? undefined : out;
}

/** The variables app_voicemail sets for the notification mail. */
export const MAIL_VARIABLES = [
  'VM_NAME', 'VM_DUR', 'VM_MSGNUM', 'VM_MAILBOX', 'VM_CONTEXT', 'VM_CALLERID', 'VM_CIDNAME', 'VM_CIDNUM', 'VM_DATE',
  'VM_MESSAGEFILE', 'VM_CATEGORY', 'VM_FLAG', 'ORIG_VM_CALLERID', 'ORIG_VM_CIDNAME', 'ORIG_VM_CIDNUM', 'ORIG_VM_DATE',
];

/**
 * A `${VM_...}` that app_voicemail does not set is a typo that would mail an empty field: a
 * warning with a suggestion (other variables may be channel variables, so they are left alone).
 */
function checkMailVariables(text: string, at: Origin, diag: Diagnostics): void {
  for (const m of text.matchAll(/\$\{((?:ORIG_)?VM_[A-Za-z0-9_]*)\}/g)) {
    if (!MAIL_VARIABLES.includes(m[1])) diag.warn(at, `unknown variable \${${m[1]}}, it is replaced by nothing${didYouMean(m[1], MAIL_VARIABLES)}`);
  }
}

/** Asterisk's escapes in emailsubject/emailbody: `\n`, `\r`, `\t` and `\\`. */
export function decodeEscapes(s: string): string {
  return s.replace(/\\([nrt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : '\\'));
}

// ---------------------------------------------------------------- [zonemessages]

function readZones(entries: ConfEntry[], diag: Diagnostics): Map<string, VoicemailZone> {
  const zones = new Map<string, VoicemailZone>();
  for (const e of entries) {
    const name = e.key.trim();
    const at = { file: e.file, line: e.line };
    const sep = e.value.search(/[|,]/);
    const timezone = (sep < 0 ? e.value : e.value.slice(0, sep)).trim();
    const format = sep < 0 ? '' : e.value.slice(sep + 1).trim();
    if (!/^[A-Za-z0-9_-]+$/.test(name)) {
      diag.error(at, `invalid zone name '${name}' (use letters, digits, '-' and '_')`);
      continue;
    }
    if (format === '') {
      diag.error(at, `zone ${name}: expected 'Timezone|format', e.g. America/New_York|'vm-received' Q 'digits/at' IMp`);
      continue;
    }
    if (!isZoneName(timezone)) {
      diag.error(at, `zone ${name}: unknown time zone '${timezone}' (expected a name such as Europe/Paris)`);
      continue;
    }
    const first = zones.get(name);
    if (first && e.inheritedFrom === undefined) {
      diag.error(at, `duplicate zone ${name} (first at ${first.origin.file}:${first.origin.line})`);
      continue;
    }
    zones.set(name, { name, timezone, format, origin: at });
  }
  return zones;
}

const ZONEINFO = '/usr/share/zoneinfo';

/**
 * An IANA zone name (what Asterisk's ast_localtime takes). Checked against the system's zoneinfo
 * when it has one; otherwise (the firmware has none) through Intl, which knows the same names.
 * Not Intl first: its zone data costs megabytes of RSS for the life of the process (see
 * pbx-conf.ts isTimezone).
 */
export function isZoneName(tz: string): boolean {
  if (tz === 'UTC' || tz === 'GMT') return true;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(tz) || tz.includes('..')) return false;
  if (isDirectory(ZONEINFO)) return fileExists(paths.join(ZONEINFO, tz));
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- contexts

function readContext(
  s: ConfSection,
  contexts: Map<string, Map<string, Mailbox>>,
  fromFile: Map<string, Mailbox>,
  zones: Map<string, VoicemailZone>,
  general: VoicemailGeneral,
  diag: Diagnostics,
): void {
  const context = s.name;
  if (context === '' || /[@\s/]/.test(context)) {
    diag.error(s, `invalid voicemail context name '${context}' (no '@', '/' or spaces)`);
    return;
  }
  let boxes = contexts.get(context);
  if (!boxes) contexts.set(context, (boxes = new Map()));
  for (const e of s.entries) {
    const at = { file: e.file, line: e.line };
    const box = e.key.trim();
    if (!/^[A-Za-z0-9_+*#.-]+$/.test(box)) {
      diag.error(at, `invalid mailbox '${box}' in [${context}]: expected a number, as in 1234 => 4242,Full Name,email`);
      continue;
    }
    const id = `${box}@${context}`;
    const first = fromFile.get(id);
    if (first && e.inheritedFrom === undefined) {
      diag.error(at, `duplicate mailbox ${id} (first at ${first.origin.file}:${first.origin.line})`);
      continue;
    }
    const mailbox = readBox(context, box, e, zones, general, diag);
    if (!mailbox) continue;
    fromFile.set(id, mailbox);
    boxes.set(box, mailbox);
  }
}

/** `pin,full name,email,pager,options`; the options may hold commas, so the fifth field takes the rest. */
function readBox(context: string, box: string, e: ConfEntry, zones: Map<string, VoicemailZone>, general: VoicemailGeneral, diag: Diagnostics): Mailbox | undefined {
  const at = { file: e.file, line: e.line };
  const fields = e.value.split(',');
  const [pinField = '', name = '', email = '', pager = ''] = fields.slice(0, 4).map((f) => f.trim());
  const optionText = fields.slice(4).join(',').trim();
  const id = `${box}@${context}`;
  let ok = true;

  const pinLocked = pinField.startsWith('-');
  const pin = pinLocked ? pinField.slice(1) : pinField;
  if (pin !== '') {
    const weak = pinWeakness(pin, box, general.minPassword);
    if (weak) diag.warn(at, `mailbox ${id} has a guessable PIN (${weak}): remote login is possible with a guessable PIN`);
  }
  if (email !== '' && !isEmailAddress(email)) {
    diag.error(at, `mailbox ${id}: '${email}' is not an email address`);
    ok = false;
  }
  const options = readBoxOptions(optionText, id, at, zones, diag);
  if (!options || !ok) return undefined;
  return {
    context,
    box,
    ...(pin !== '' ? { pin } : {}),
    pinLocked,
    fullName: name,
    ...(email !== '' ? { email } : {}),
    ...(pager !== '' ? { pager } : {}),
    options,
    fromPbxConf: false,
    origin: at,
  };
}

function readBoxOptions(text: string, id: string, at: Origin, zones: Map<string, VoicemailZone>, diag: Diagnostics): MailboxOptions | undefined {
  const options: MailboxOptions = { other: {} };
  let ok = true;
  for (const item of text.split(/[|,]/).map((x) => x.trim()).filter((x) => x !== '')) {
    const eq = item.indexOf('=');
    const name = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : item.slice(eq + 1).trim();
    const fail = (why: string): void => {
      diag.error(at, `mailbox ${id}: ${why}`);
      ok = false;
    };
    if (!BOX_OPTIONS.includes(name)) {
      fail(`unknown option '${name}'${didYouMean(name, BOX_OPTIONS)}`);
      continue;
    }
    if (eq < 0) {
      fail(`option '${name}' needs a value (${name}=...)`);
      continue;
    }
    const key = name === 'deletevoicemail' ? 'delete' : name;
    if ((BOX_BOOL_OPTIONS as readonly string[]).includes(key)) {
      const b = parseBool(value);
      if (b.ok) options[key as (typeof BOX_BOOL_OPTIONS)[number]] = b.value;
      else fail(`invalid ${name}=${value}: ${b.why}`);
    } else if (key === 'tz') {
      if (zones.has(value)) options.tz = value;
      else fail(`unknown zone '${value}' in tz=: [zonemessages] does not define it${didYouMean(value, zones.keys())}`);
    } else options.other[key] = value;
  }
  return ok ? options : undefined;
}

/** Loose address check: local@host, the host a name such as example.com or localhost. */
export function isEmailAddress(s: string): boolean {
  const m = /^([^\s@<>",;()[\]\\]+)@([^\s@]+)$/.exec(s);
  return m !== null && isHostname(m[2]);
}

// ---------------------------------------------------------------- PINs

/**
 * Why a PIN could be guessed, or undefined: fewer than `minLength` digits, anything but digits,
 * one digit repeated (0000), a run up or down (1234, 4321, 7890), or the mailbox number itself.
 */
export function pinWeakness(pin: string, box: string, minLength: number): string | undefined {
  if (!/^\d+$/.test(pin)) return 'not only digits';
  if (pin.length < minLength) return `fewer than ${minLength} digits`;
  if (/^(\d)\1*$/.test(pin)) return 'one repeated digit';
  if (pin === box) return 'the mailbox number';
  if (pin.length > 1 && (isRun(pin, 1) || isRun(pin, 9))) return 'a run of consecutive digits';
  return undefined;
}

/** Each digit is the previous plus `step` modulo 10 (1 up, 9 down). */
function isRun(pin: string, step: number): boolean {
  for (let i = 1; i < pin.length; i++) if (Number(pin[i]) !== (Number(pin[i - 1]) + step) % 10) return false;
  return true;
}

// ---------------------------------------------------------------- pbx.conf [voicemail]

function readPbxVoicemail(
  section: ConfSection | undefined,
  phones: ReadonlyMap<string, MailboxOwner>,
  contexts: Map<string, Map<string, Mailbox>>,
  fromFile: Map<string, Mailbox>,
  general: VoicemailGeneral,
  generalEntries: ConfEntry[],
  diag: Diagnostics,
): { smtp?: SmtpSettings } {
  if (!section) return {};
  const seen = new Map<string, ConfEntry>();
  const values = new Map<string, { value: string; at: Origin }>();
  for (const e of section.entries) {
    const at = { file: e.file, line: e.line };
    const key = e.key.trim();
    const lower = key.toLowerCase();
    const first = seen.get(lower);
    if (first) {
      diag.error(at, `duplicate key '${key}' in [voicemail] (first at ${first.file}:${first.line})`);
      continue;
    }
    seen.set(lower, e);
    if (/^\d+$/.test(key)) {
      setPhonePin(key, e.value.trim(), at, phones, contexts, fromFile, general, diag);
      continue;
    }
    if (!(PBX_VOICEMAIL_KEYS as readonly string[]).includes(lower)) {
      const hint = didYouMean(key, PBX_VOICEMAIL_KEYS);
      diag.error(at, `unknown key '${key}' in [voicemail]${hint || ` (expected an extension's PIN such as 2000 = 739184, or ${PBX_VOICEMAIL_KEYS.join(', ')})`}`);
      continue;
    }
    values.set(lower, { value: e.value.trim(), at });
  }

  // serveremail/fromstring: voicemail.conf [general] (the Asterisk user's own file) wins.
  for (const key of ['serveremail', 'fromstring'] as const) {
    const v = values.get(key);
    if (!v) continue;
    const inConf = generalEntries.filter((x) => x.key.toLowerCase() === key).pop();
    if (inConf) {
      diag.warn(v.at, `${key} is ignored: ${inConf.file}:${inConf.line} sets it in voicemail.conf [general]`);
      continue;
    }
    if (key === 'fromstring') general.fromString = v.value;
    else if (v.value === '' || /[\s<>",;]/.test(v.value)) diag.error(v.at, `invalid serveremail '${v.value}': expected an address such as voicemail@example.com`);
    else general.serverEmail = v.value;
  }
  // Ours (Asterisk has no byte caps): MiB of audio one box, and the whole spool, may hold.
  for (const [key, field] of [['maxboxmb', 'maxBoxBytes'], ['maxspoolmb', 'maxSpoolBytes']] as const) {
    const v = values.get(key);
    if (!v) continue;
    const n = parseInteger(v.value, 1, 65536);
    if (n.ok) general[field] = n.value * 1024 * 1024;
    else diag.error(v.at, `invalid ${key} '${v.value}': ${n.why} (MiB)`);
  }
  return readSmtp(values, diag);
}

function setPhonePin(
  ext: string,
  pin: string,
  at: Origin,
  phones: ReadonlyMap<string, MailboxOwner>,
  contexts: Map<string, Map<string, Mailbox>>,
  fromFile: Map<string, Mailbox>,
  general: VoicemailGeneral,
  diag: Diagnostics,
): void {
  if (!phones.has(ext)) {
    diag.error(at, `[voicemail] ${ext}: there is no phone ${ext} in [phones] or [analog]${didYouMean(ext, phones.keys())}`);
    return;
  }
  const replaced = fromFile.get(`${ext}@${PHONES_MAILBOX_CONTEXT}`);
  if (replaced) {
    diag.warn(at, `PIN for ${ext} is ignored: ${replaced.origin.file}:${replaced.origin.line} defines mailbox ${ext}@${PHONES_MAILBOX_CONTEXT} with its own PIN`);
    return;
  }
  const weak = pin === '' ? 'empty' : pinWeakness(pin, ext, general.minPassword);
  if (weak) {
    diag.error(at, `voicemail PIN for ${ext} is guessable (${weak}); use at least ${Math.max(general.minPassword, 1)} digits that are not a run, a repeat or the extension`);
    return;
  }
  const box = contexts.get(PHONES_MAILBOX_CONTEXT)?.get(ext);
  if (box) box.pin = pin;
}

function readSmtp(values: Map<string, { value: string; at: Origin }>, diag: Diagnostics): { smtp?: SmtpSettings } {
  const smtp = values.get('smtp');
  const security = values.get('smtpsecurity');
  const user = values.get('smtpuser');
  const password = values.get('smtppassword');
  if (!smtp) {
    for (const v of [security, user, password]) if (v) diag.warn(v.at, `ignored: [voicemail] has no smtp = host[:port]`);
    return {};
  }
  let ok = true;
  const hp = parseHostPort(smtp.value);
  if (!hp.ok) {
    diag.error(smtp.at, `invalid smtp '${smtp.value}': ${hp.why} (expected host[:port], e.g. mail.example.com:587)`);
    ok = false;
  }
  const port = hp.ok ? (hp.value.port ?? 25) : 25;
  // Port 465 is SMTPS (implicit TLS); other ports start in clear and upgrade with STARTTLS, which
  // is required (not just taken when offered) once a password would go over the connection.
  let mode: SmtpSettings['security'] = port === 465 ? 'tls' : user ? 'require' : 'starttls';
  if (security) {
    const s = security.value.toLowerCase();
    if ((SMTP_SECURITY as readonly string[]).includes(s)) mode = s as SmtpSettings['security'];
    else {
      const c = closest(s, SMTP_SECURITY);
      diag.error(security.at, `invalid smtpsecurity '${security.value}': expected ${SMTP_SECURITY.join(', ')}${c ? ` (did you mean '${c}'?)` : ''}`);
      ok = false;
    }
  }
  if (user && !password) {
    diag.error(user.at, `smtpuser needs smtppassword`);
    ok = false;
  }
  if (password && !user) {
    diag.error(password.at, `smtppassword needs smtpuser`);
    ok = false;
  }
  if (user && password && (mode === 'none' || mode === 'starttls')) {
    const why = mode === 'none' ? 'with smtpsecurity = none' : 'when the server does not offer STARTTLS (smtpsecurity = starttls)';
    diag.warn(user.at, `the SMTP password is sent in clear ${why}; use smtpsecurity = require or tls`);
  }
  if (!ok || !hp.ok) return {};
  return {
    smtp: {
      host: hp.value.host,
      port,
      security: mode,
      ...(user ? { user: user.value } : {}),
      ...(password ? { password: password.value } : {}),
    },
  };
}
