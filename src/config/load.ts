/**
 * Load and validate a whole configuration: pbx.conf (required), sip.conf, chan_dahdi.conf or
 * zapata.conf, voicemail.conf (optional), from a directory or from an in-memory file map (tests, the built-in
 * demo). Validation is total: the
 * model is returned only when there is no error at all, so a reload either applies everything or
 * keeps the running configuration. Other Asterisk files (extensions.conf...) are
 * read by their own layers; their presence does not matter here.
 */
import type { ConfigError } from '../core/errors.ts';
import { ConfigError as ConfigErrorClass } from '../core/errors.ts';
import { isDirectory, paths } from '../platform/fs.ts';
import { diskReader, memoryReader, parseConfFile, type ConfLister, type ConfReader } from './conf-parser.ts';
import { Diagnostics } from './diagnostics.ts';
import { defaultSipGeneral, type PbxConfig, type SipPeer } from './model.ts';
import { phonePeer, readPbxConf } from './pbx-conf.ts';
import { readSipConf } from './sip-conf.ts';
import { loadChanDahdi } from './chan-dahdi-conf.ts';
import { loadMusicOnHold } from './musiconhold-conf.ts';
import { loadFeaturesConf } from './features-conf.ts';
import { loadManagerConf } from './manager-conf.ts';
import { loadMeetmeConf } from './meetme-conf.ts';
import { loadCdrConf } from './cdr-conf.ts';
import { loadVoicemailConf, mailboxOwners, readVoicemailConf } from './voicemail-conf.ts';

export const PBX_CONF = 'pbx.conf';
export const SIP_CONF = 'sip.conf';

export type ConfigSource = { dir: string } | { files: Record<string, string>; dir?: string };

export interface LoadResult {
  /** Present only when `errors` is empty. */
  config?: PbxConfig;
  errors: ConfigError[];
  warnings: ConfigError[];
}

export function loadConfig(source: ConfigSource): LoadResult {
  const diag = new Diagnostics();
  const dir = source.dir === undefined ? undefined : paths.resolve(source.dir);
  let io: { read: ConfReader; list: ConfLister };
  if ('files' in source) io = memoryReader(source.files);
  else {
    if (!isDirectory(source.dir)) {
      diag.error({ file: source.dir, line: 0 }, `configuration directory does not exist`, 'CONFIG_MISSING');
      return { errors: diag.errors, warnings: diag.warnings };
    }
    io = diskReader(source.dir);
  }

  const pbx = parseConfFile(PBX_CONF, io);
  if (pbx.conf.files.length === 0) {
    const where = dir === undefined ? PBX_CONF : paths.join(dir, PBX_CONF);
    const readError = pbx.errors.find((e) => e.file === PBX_CONF && e.line === 0 && e.reason !== 'file not found');
    const reason = readError ? `cannot read required file ${where}: ${readError.reason.replace(/^cannot read: /, '')}` : `required file ${where} not found`;
    return { errors: [new ConfigErrorClass(PBX_CONF, 0, reason, 'CONFIG_MISSING')], warnings: [] };
  }
  diag.absorb(pbx);
  // chan_dahdi.conf (or zapata.conf) is optional; its ports merge into pbx.conf [analog].
  const dahdi = loadChanDahdi(io, diag);
  const part = readPbxConf(pbx.conf, diag, dir, dahdi);

  // sip.conf is optional: a missing top-level file is not an error.
  const sip = parseConfFile(SIP_CONF, io);
  const sipRead = sip.conf.files.length > 0;
  diag.absorb({ errors: sip.errors.filter((e) => !(e.file === SIP_CONF && e.code === 'CONFIG_MISSING')), warnings: sip.warnings });
  const sipPart = sipRead ? readSipConf(sip.conf, part.system, diag) : { general: defaultSipGeneral(), peers: new Map<string, SipPeer>() };

  // Phones first, then sip.conf peers. A sip.conf peer with a phone's name replaces the derived peer
  // entirely (it is the Asterisk user's explicit definition); the phone keeps its mailbox.
  const peers = new Map<string, SipPeer>();
  for (const phone of part.phones.values()) {
    peers.set(phone.extension, phonePeer(phone, sipPart.general.peerDefaults, sipPart.general.qualifyFrequency));
  }
  for (const [name, peer] of sipPart.peers) peers.set(name, peer);

  // musiconhold.conf is optional: without it the built-in `default` class plays Debian's files.
  const moh = loadMusicOnHold(io, diag);

  // voicemail.conf is optional too; the phones' boxes and pbx.conf [voicemail] merge into it.
  const vm = loadVoicemailConf(io, diag);
  const voicemail = readVoicemailConf({ ...(vm.conf ? { conf: vm.conf } : {}), ...(part.voicemail ? { pbx: part.voicemail } : {}), phones: mailboxOwners(part.phones, part.analog) }, diag);

  // features.conf is optional: parking, pickup and the in-call features take Asterisk's defaults.
  const features = loadFeaturesConf(io, diag);
  // manager.conf is optional: without it (or with enabled = no) the manager does not listen.
  const manager = loadManagerConf(io, diag);
  // meetme.conf is optional: without it every conference is dynamic (MeetMe's d/D).
  const meetme = loadMeetmeConf(io, diag);
  // cdr.conf is optional: without it call records are kept with Asterisk's defaults.
  const cdr = loadCdrConf(io, diag);

  const sources = [...pbx.conf.files, ...sip.conf.files, ...dahdi.files, ...moh.files, ...vm.files, ...features.files, ...manager.files, ...meetme.files, ...cdr.files];
  const errors = sortByPlace(diag.errors, sources);
  const warnings = sortByPlace(diag.warnings, sources);
  if (errors.length > 0) return { errors, warnings };
  const config: PbxConfig = {
    ...(dir !== undefined ? { dir } : {}),
    system: part.system,
    sip: sipPart.general,
    phones: part.phones,
    peers,
    trunks: part.trunks,
    voicemail,
    ...(part.analog ? { analog: part.analog } : {}),
    musicOnHold: moh.config,
    ...(features.config ? { features: features.config } : {}),
    manager: manager.config,
    ...(meetme.config ? { meetme: meetme.config } : {}),
    ...(cdr.config ? { cdr: cdr.config } : {}),
    sources,
  };
  return { config, errors, warnings };
}

/** Order problems by file (in reading order) then line, so output reads top to bottom. */
function sortByPlace(list: ConfigError[], sources: string[]): ConfigError[] {
  const rank = (f: string): number => {
    const i = sources.indexOf(f);
    return i < 0 ? sources.length : i;
  };
  return [...list].sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line);
}

/**
 * One problem per line as `file:line: reason` (just `file: reason` when no line applies, e.g. a
 * missing file). `prefix` is put before each line ('warning: ' for warnings).
 */
export function formatErrors(errors: readonly ConfigError[], prefix = ''): string {
  return errors.map((e) => `${prefix}${e.line > 0 ? `${e.file}:${e.line}` : e.file}: ${e.reason}`).join('\n');
}
