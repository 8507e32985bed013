/**
 * The human-readable line shown on stdout (`npm start`), in `logger show` and on remote consoles
 * (`pbx -r`), shaped like Asterisk's console with timestamps on:
 *
 *   [Nov 23 12:00:01] NOTICE[1234] registrar: Peer 2000 is now reachable peer=2000
 *   [Nov 23 12:00:01]     -- Registered SIP 2000 at 127.0.0.1:5062
 *
 * ERROR, WARNING, NOTICE and DEBUG lines name the severity, pid and module; VERBOSE lines carry
 * Asterisk's level prefixes instead (level 1 " ", 2 "  == ", 3 "    -- ", 4 and up "       > ").
 * The date is `%b %e %T` (day padded with a space), in local time unless told otherwise.
 */
import { fieldText } from './field-text.ts';
import type { LogFields, LogRecord } from './types.ts';

export interface ConsoleFormatOptions {
  /** 'local' (default) follows the TZ of the process; 'utc' for tests and UTC boxes. */
  timeZone?: 'local' | 'utc';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const LABELS = {
  error: 'ERROR',
  warning: 'WARNING',
  notice: 'NOTICE',
  verbose: 'VERBOSE',
  debug: 'DEBUG',
} as const;

export function verbosePrefix(level: number): string {
  if (level >= 4) return '       > ';
  if (level === 3) return '    -- ';
  if (level === 2) return '  == ';
  return ' ';
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `Nov 23 12:00:01` (`%b %e %T`). */
export function consoleTimestamp(time: number, timeZone: 'local' | 'utc' = 'local'): string {
  const d = new Date(time);
  const utc = timeZone === 'utc';
  const month = utc ? d.getUTCMonth() : d.getMonth();
  const day = utc ? d.getUTCDate() : d.getDate();
  const h = utc ? d.getUTCHours() : d.getHours();
  const m = utc ? d.getUTCMinutes() : d.getMinutes();
  const s = utc ? d.getUTCSeconds() : d.getSeconds();
  return `${MONTHS[month]} ${day < 10 ? ` ${day}` : day} ${two(h)}:${two(m)}:${two(s)}`;
}

/** ` key=value key2="value with spaces"`, or '' when there is nothing to show. */
export function formatConsoleFields(fields: LogFields | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const key of Object.keys(fields)) {
    const text = fieldText(fields[key]);
    if (text === undefined) continue;
    out += ` ${key}=${/^[^\s"=\\]+$/.test(text) ? text : JSON.stringify(text)}`;
  }
  return out;
}

export function formatConsoleLine(record: LogRecord, options: ConsoleFormatOptions = {}): string {
  const ts = `[${consoleTimestamp(record.time, options.timeZone)}]`;
  const tail = `${record.msg}${formatConsoleFields(record.fields)}`;
  if (record.severity === 'verbose') return `${ts} ${verbosePrefix(record.level)}${tail}`;
  const where = record.module ? ` ${record.module}` : '';
  return `${ts} ${LABELS[record.severity]}[${record.pid}]${where}: ${tail}`;
}
