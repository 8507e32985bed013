/**
 * meetme.conf as Asterisk's app_meetme reads it: `[rooms]` with `conf => confno[,pin[,adminpin]]`
 * (one line per static conference), `[general]` with `audiobuffers` (accepted: our mixer keeps
 * its own bounded per-party queue) and the other real [general] keys warned about and ignored.
 * The file is optional: without it every conference is dynamic (MeetMe's d/D options).
 *
 * Errors carry file:line: a misspelt key, a conference number that is not digits/letters, a PIN
 * that is not digits, the same conference twice.
 */
import { parseConfFile, type ConfFile, type ConfLister, type ConfReader } from './conf-parser.ts';
import { didYouMean, type Diagnostics, type Origin } from './diagnostics.ts';
import { parseInteger } from './values.ts';

export const MEETME_CONF = 'meetme.conf';

export interface MeetmeRoomConfig {
  confno: string;
  /** Empty: no PIN asked. */
  pin: string;
  /** Entering it makes the user an admin; empty: none. */
  adminpin: string;
  origin: Origin;
}

export interface MeetmeConfig {
  /** `[rooms]` conferences by number, in file order. */
  rooms: Map<string, MeetmeRoomConfig>;
  /** `[general]` audiobuffers (2-32, Asterisk's default 32); kept for `meetme` output only. */
  audiobuffers: number;
}

export function defaultMeetme(): MeetmeConfig {
  return { rooms: new Map(), audiobuffers: 32 };
}

/** Real app_meetme [general] keys that change nothing here. */
const GENERAL_IGNORED = new Set(['schedule', 'logmembercount', 'fuzzystart', 'earlyalert', 'endalert']);
const GENERAL_KEYS = ['audiobuffers', ...GENERAL_IGNORED];
const CONFNO = /^[0-9A-Za-z_*#-]{1,79}$/;
const PIN = /^[0-9*#]*$/;

/** Read meetme.conf through the configuration reader; undefined when absent. */
export function loadMeetmeConf(io: { read: ConfReader; list: ConfLister }, diag: Diagnostics): { config?: MeetmeConfig; files: string[] } {
  const parsed = parseConfFile(MEETME_CONF, io);
  diag.absorb({ errors: parsed.errors.filter((e) => !(e.file === MEETME_CONF && e.code === 'CONFIG_MISSING')), warnings: parsed.warnings });
  if (parsed.conf.files.length === 0) return { files: [] };
  return { config: readMeetmeConf(parsed.conf, diag), files: parsed.conf.files };
}

export function readMeetmeConf(conf: ConfFile, diag: Diagnostics): MeetmeConfig {
  const out = defaultMeetme();
  for (const section of conf.sections) {
    if (section.templateOnly) continue;
    const name = section.name.toLowerCase();
    if (name === 'general') {
      for (const e of section.entries) {
        const key = e.key.toLowerCase();
        const at = { file: e.file, line: e.line };
        if (key === 'audiobuffers') {
          const r = parseInteger(e.value.trim(), 2, 32);
          if (r.ok) out.audiobuffers = r.value;
          else diag.error(at, `audiobuffers: ${r.why}`);
        } else if (GENERAL_IGNORED.has(key)) diag.warn(at, `meetme.conf [general] '${e.key}' is not supported; ignored`);
        else diag.error(at, `unknown meetme.conf [general] key '${e.key}'${didYouMean(e.key, GENERAL_KEYS)}`);
      }
    } else if (name === 'rooms') {
      for (const e of section.entries) {
        const at = { file: e.file, line: e.line };
        if (e.key.toLowerCase() !== 'conf') {
          diag.error(at, `unknown meetme.conf [rooms] key '${e.key}' (a room is 'conf => confno[,pin[,adminpin]]')${didYouMean(e.key, ['conf'])}`);
          continue;
        }
        const [confno = '', pin = '', adminpin = ''] = e.value.split(/[,|]/).map((s) => s.trim());
        if (!CONFNO.test(confno)) {
          diag.error(at, `conf: '${confno}' is not a conference number`);
          continue;
        }
        if (!PIN.test(pin) || !PIN.test(adminpin)) {
          diag.error(at, `conf ${confno}: a PIN is digits only (got '${!PIN.test(pin) ? pin : adminpin}')`);
          continue;
        }
        const before = out.rooms.get(confno);
        if (before) {
          diag.error(at, `conference ${confno} is defined twice (first at ${before.origin.file}:${before.origin.line})`);
          continue;
        }
        out.rooms.set(confno, { confno, pin, adminpin, origin: at });
      }
    } else {
      diag.warn({ file: section.file, line: section.line }, `meetme.conf [${section.name}] is not a section app_meetme reads; ignored`);
    }
  }
  return out;
}
