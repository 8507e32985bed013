/**
 * musiconhold.conf as Asterisk's res_musiconhold reads it: `[general]` and one section per class
 * (`[default]`, `[jazz]` ...) with `mode`, `directory`, `sort` (`random`/`alpha`, and the old
 * `random = yes`). This PBX plays sound files only (`mode = files`, `.wav`/`.ulaw`/`.alaw`/
 * `.sln`): the modes that run a program (`custom`, `mp3`, `quietmp3`, `mp3nb`, `quietmp3nb`) or
 * stream a URL list (`playlist`) are warnings naming the reason, and such a class stays listed
 * but plays nothing. A directory that does not exist or holds no playable file is a warning at
 * check time, the class still listed (the files may be copied in later).
 *
 * A relative `directory` is taken under Asterisk's data directory as Debian lays it out
 * (`moh` is `/usr/share/asterisk/moh`). Without musiconhold.conf the `default` class plays that
 * directory: Debian's asterisk-moh-opsound-wav files, or the firmware image's track.
 */
import { parseConfFile, type ConfFile, type ConfLister, type ConfReader } from './conf-parser.ts';
import { didYouMean, type Diagnostics, type Origin } from './diagnostics.ts';
import { isDirectory, listDir, paths } from '../platform/fs.ts';
import { parseBool } from './values.ts';

export const MUSICONHOLD_CONF = 'musiconhold.conf';

/** Asterisk's data directory on Debian and on the firmware image (sounds/, moh/). */
export const ASTERISK_DATA_DIR = '/usr/share/asterisk';

/** The sound extensions a class's files may have (what media/sound-file.ts decodes). */
export const MOH_FILE_EXTENSIONS: readonly string[] = ['wav', 'ulaw', 'alaw', 'sln'];

export interface MohClassConfig {
  name: string;
  /** `files` plays; any other mode was warned about and plays nothing. */
  mode: string;
  /** Absolute directory of the class's files. */
  directory: string;
  sort: 'alpha' | 'random';
  origin: Origin;
}

export interface MusicOnHoldConfig {
  /** Classes in file order. */
  classes: MohClassConfig[];
  /** The file was read (false: the built-in `default` class). */
  fromFile: boolean;
}

/** Modes that need an external program or a stream; the reason is in the warning. */
const PROGRAM_MODES: Readonly<Record<string, string>> = {
  custom: 'it runs an external program (application=)',
  mp3: 'it runs mpg123 to decode MP3',
  quietmp3: 'it runs mpg123 to decode MP3',
  mp3nb: 'it runs mpg123 to decode MP3',
  quietmp3nb: 'it runs mpg123 to decode MP3',
  httpmp3: 'it streams MP3 over HTTP through mpg123',
  playlist: 'it plays a list of URLs (entry=)',
};

/** Keys Asterisk knows that change nothing here (a warning names them). */
const ACCEPTED_IGNORED = new Set(['format', 'announcement', 'digit', 'kill_escalation_delay', 'kill_method', 'answeredonly', 'loop_last', 'application', 'entry']);
const CLASS_KEYS = ['mode', 'directory', 'sort', 'random', ...ACCEPTED_IGNORED];
const GENERAL_KEYS = ['cachertclasses', 'preferchannelclass'];

/** The built-in class when there is no musiconhold.conf. */
export function defaultMusicOnHold(dataDir = ASTERISK_DATA_DIR): MusicOnHoldConfig {
  return {
    classes: [{ name: 'default', mode: 'files', directory: paths.join(dataDir, 'moh'), sort: 'alpha', origin: { file: MUSICONHOLD_CONF, line: 0 } }],
    fromFile: false,
  };
}

function diskLister(dir: string): string[] | undefined {
  return isDirectory(dir) ? listDir(dir) : undefined;
}

export interface MusicOnHoldReadOptions {
  /** Where relative directories live (default /usr/share/asterisk). */
  dataDir?: string;
  /** Lists a class directory (default: the disk). */
  listDir?(dir: string): string[] | undefined;
}

/** Read musiconhold.conf through the configuration reader; the built-in default when absent. */
export function loadMusicOnHold(io: { read: ConfReader; list: ConfLister }, diag: Diagnostics, o: MusicOnHoldReadOptions = {}): { config: MusicOnHoldConfig; files: string[] } {
  const parsed = parseConfFile(MUSICONHOLD_CONF, io);
  diag.absorb({ errors: parsed.errors.filter((e) => !(e.file === MUSICONHOLD_CONF && e.code === 'CONFIG_MISSING')), warnings: parsed.warnings });
  if (parsed.conf.files.length === 0) {
    const config = defaultMusicOnHold(o.dataDir);
    return { config, files: [] };
  }
  return { config: readMusicOnHoldConf(parsed.conf, diag, o), files: parsed.conf.files };
}

export function readMusicOnHoldConf(conf: ConfFile, diag: Diagnostics, o: MusicOnHoldReadOptions = {}): MusicOnHoldConfig {
  const dataDir = o.dataDir ?? ASTERISK_DATA_DIR;
  const list = o.listDir ?? diskLister;
  const classes: MohClassConfig[] = [];
  for (const section of conf.sections) {
    if (section.templateOnly) continue;
    if (section.name === 'general') {
      for (const e of section.entries) {
        const at = { file: e.file, line: e.line };
        if (!GENERAL_KEYS.includes(e.key.toLowerCase())) diag.error(at, `unknown musiconhold.conf [general] key '${e.key}'${didYouMean(e.key, GENERAL_KEYS)}`);
        // cachertclasses: every class here is one shared stream already; preferchannelclass:
        // the channel's class is always preferred to a suggested one.
      }
      continue;
    }
    const origin = { file: section.file, line: section.line };
    if (classes.some((c) => c.name.toLowerCase() === section.name.toLowerCase())) {
      diag.error(origin, `music on hold class '${section.name}' is defined twice`);
      continue;
    }
    let mode = 'files';
    let directory: string | undefined;
    let sort: 'alpha' | 'random' = 'alpha';
    let directoryAt: Origin = origin;
    for (const e of section.entries) {
      const key = e.key.toLowerCase();
      const v = e.value.trim();
      const at = { file: e.file, line: e.line };
      switch (key) {
        case 'mode': {
          const m = v.toLowerCase();
          if (m === 'files') mode = m;
          else if (PROGRAM_MODES[m]) {
            mode = m;
            diag.warn(at, `class '${section.name}': mode=${m} is not supported (${PROGRAM_MODES[m]}); this PBX plays sound files only (mode=files), so the class is silent`);
          } else diag.error(at, `class '${section.name}': unknown mode '${v}' (expected files)`);
          break;
        }
        case 'directory':
          directory = v.startsWith('/') ? v : paths.join(dataDir, v);
          directoryAt = at;
          break;
        case 'sort': {
          const s = v.toLowerCase();
          if (s === 'alpha' || s === 'random') sort = s;
          else if (s === 'randstart') {
            sort = 'alpha';
            diag.warn(at, `class '${section.name}': sort=randstart plays in alphabetical order here (the random start file is not supported)`);
          } else diag.error(at, `class '${section.name}': sort must be random or alpha, not '${v}'`);
          break;
        }
        case 'random': {
          const b = parseBool(v);
          if (!b.ok) diag.error(at, `class '${section.name}': random: ${b.why}`);
          else if (b.value) sort = 'random';
          break;
        }
        default:
          if (ACCEPTED_IGNORED.has(key)) diag.warn(at, `class '${section.name}': '${e.key}' has no effect in this PBX`);
          else diag.error(at, `unknown musiconhold.conf key '${e.key}'${didYouMean(e.key, CLASS_KEYS)}`);
      }
    }
    if (mode === 'files') {
      if (directory === undefined) diag.warn(origin, `class '${section.name}': no directory= set; the class has no files to play`);
      else {
        const names = list(directory);
        if (names === undefined) diag.warn(directoryAt, `class '${section.name}': directory ${directory} does not exist`);
        else if (!names.some((n) => MOH_FILE_EXTENSIONS.includes(n.slice(n.lastIndexOf('.') + 1).toLowerCase()))) {
          diag.warn(directoryAt, `class '${section.name}': directory ${directory} holds no playable file (.wav, .ulaw, .alaw, .sln at 8 kHz)`);
        }
      }
    }
    classes.push({ name: section.name, mode, directory: directory ?? '', sort, origin });
  }
  if (!classes.some((c) => c.name.toLowerCase() === 'default')) {
    diag.warn({ file: conf.file, line: 0 }, 'no [default] class: calls on hold without a class of their own hear silence');
  }
  return { classes, fromFile: true };
}
