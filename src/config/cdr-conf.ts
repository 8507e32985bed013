/**
 * cdr.conf as Asterisk 1.8/11's cdr.c and cdr_csv read it. `[general]`: `enable` (yes),
 * `unanswered` (no), `batch` (no), `size` (100), `time` (300 s), `scheduleronly`,
 * `safeshutdown` (yes), `endbeforehexten` (no); `[csv]`: `usegmtime`, `loguniqueid`,
 * `loguserfield` (no), `accountlogs` (yes). The file is optional: without it records are kept
 * with these defaults, as Asterisk with cdr_csv loaded does.
 *
 * Whatever `batch` says, records are written in batches of `size` or every `time` seconds
 * (cdr/writer.ts): the box writes to flash. A misspelt key or a bad value is an error with
 * file:line; real Asterisk keys and backend sections this PBX does not act on are warned about.
 */
import { parseConfFile, type ConfFile, type ConfLister, type ConfReader } from './conf-parser.ts';
import { didYouMean, type Diagnostics, type Origin } from './diagnostics.ts';
import { parseBool, parseInteger } from './values.ts';

export const CDR_CONF = 'cdr.conf';

export interface CdrConfig {
  enable: boolean;
  unanswered: boolean;
  /** As written; the writer batches either way. */
  batch: boolean;
  /** Records per batch. */
  size: number;
  /** Seconds a record may wait before its batch is written. */
  time: number;
  scheduleronly: boolean;
  /** Write what waits at stop. */
  safeshutdown: boolean;
  endbeforehexten: boolean;
  csv: { usegmtime: boolean; loguniqueid: boolean; loguserfield: boolean; accountlogs: boolean };
}

export const DEFAULT_CDR: Readonly<CdrConfig> = {
  enable: true,
  unanswered: false,
  batch: false,
  size: 100,
  time: 300,
  scheduleronly: false,
  safeshutdown: true,
  endbeforehexten: false,
  csv: { usegmtime: false, loguniqueid: false, loguserfield: false, accountlogs: true },
};

/** cdr.conf in force: the file's, or the defaults. */
export function cdrOf(config: { cdr?: CdrConfig }): CdrConfig {
  return config.cdr ?? DEFAULT_CDR;
}

type BoolKey = 'enable' | 'unanswered' | 'batch' | 'scheduleronly' | 'safeshutdown' | 'endbeforehexten';
const GENERAL_BOOLS: readonly BoolKey[] = ['enable', 'unanswered', 'batch', 'scheduleronly', 'safeshutdown', 'endbeforehexten'];
const GENERAL_KEYS = [...GENERAL_BOOLS, 'size', 'time'];
/** Real cdr.conf [general] keys of later Asterisk versions that change nothing here. */
const GENERAL_IGNORED = new Set(['congestion', 'initiatedseconds', 'channeldefaultenabled', 'ignorestatechanges', 'ignoredialchanges', 'debug']);
type CsvKey = keyof CdrConfig['csv'];
const CSV_KEYS: readonly CsvKey[] = ['usegmtime', 'loguniqueid', 'loguserfield', 'accountlogs'];
/** Other cdr_* backends' sections: a real Asterisk file may have them. */
const OTHER_BACKENDS = new Set(['custom', 'manager', 'sqlite3_custom', 'pgsql', 'odbc', 'radius', 'tds', 'adaptive_odbc', 'syslog', 'mappings']);

/** Read cdr.conf through the configuration reader; undefined (the defaults) when absent. */
export function loadCdrConf(io: { read: ConfReader; list: ConfLister }, diag: Diagnostics): { config?: CdrConfig; files: string[] } {
  const parsed = parseConfFile(CDR_CONF, io);
  diag.absorb({ errors: parsed.errors.filter((e) => !(e.file === CDR_CONF && e.code === 'CONFIG_MISSING')), warnings: parsed.warnings });
  if (parsed.conf.files.length === 0) return { files: [] };
  return { config: readCdrConf(parsed.conf, diag), files: parsed.conf.files };
}

export function readCdrConf(conf: ConfFile, diag: Diagnostics): CdrConfig {
  const c: CdrConfig = { ...DEFAULT_CDR, csv: { ...DEFAULT_CDR.csv } };
  for (const section of conf.sections) {
    if (section.templateOnly) continue;
    const name = section.name.toLowerCase();
    for (const e of section.entries) {
      const key = e.key.toLowerCase();
      const v = e.value.trim();
      const at: Origin = { file: e.file, line: e.line };
      const bool = (set: (b: boolean) => void): void => {
        const b = parseBool(v);
        if (b.ok) set(b.value);
        else diag.error(at, `${e.key}: ${b.why}`);
      };
      if (name === 'general') {
        if ((GENERAL_BOOLS as readonly string[]).includes(key)) bool((b) => (c[key as BoolKey] = b));
        else if (key === 'size') {
          const r = parseInteger(v, 1, 100000);
          if (r.ok) c.size = r.value;
          else diag.error(at, `size: ${r.why}`);
        } else if (key === 'time') {
          const r = parseInteger(v, 1, 86400);
          if (r.ok) c.time = r.value;
          else diag.error(at, `time: ${r.why}`);
        } else if (GENERAL_IGNORED.has(key)) diag.warn(at, `cdr.conf [general] '${e.key}' is not supported; ignored`);
        else diag.error(at, `unknown cdr.conf [general] key '${e.key}'${didYouMean(key, GENERAL_KEYS)}`);
      } else if (name === 'csv') {
        if ((CSV_KEYS as readonly string[]).includes(key)) bool((b) => (c.csv[key as CsvKey] = b));
        else if (key === 'newcdrcolumns') diag.warn(at, `cdr.conf [csv] 'newcdrcolumns' is not supported (the 1.8 columns are written); ignored`);
        else diag.error(at, `unknown cdr.conf [csv] key '${e.key}'${didYouMean(key, CSV_KEYS)}`);
      }
    }
    if (name !== 'general' && name !== 'csv') {
      if (OTHER_BACKENDS.has(name)) diag.warn({ file: section.file, line: section.line }, `cdr.conf [${section.name}]: only the csv backend (and syslog records) exist here; ignored`);
      else diag.error({ file: section.file, line: section.line }, `unknown cdr.conf section [${section.name}]${didYouMean(name, ['general', 'csv'])}`);
    }
  }
  return c;
}
