/**
 * STRFTIME(epoch,timezone,format) and STRPTIME(datetime,timezone,format): formatting an epoch
 * in a time zone (default: now, the system zone, "%c") and parsing a date back to an epoch.
 */
import type { DialplanFunction } from '../types.ts';
import { scanFloat, splitArgs } from '../expr/args.ts';
import { strftime } from './strftime.ts';
import { zonedTime, zonedToEpoch } from './time-zone.ts';
import { fail } from './util.ts';

export const STRFTIME: DialplanFunction = {
  name: 'STRFTIME',
  synopsis: 'Formats a date and time.',
  syntax: 'STRFTIME([epoch][,timezone[,format]])',
  description:
    'epoch defaults to now, timezone to the system zone, format to %c. Formats are those of ' +
    'strftime(3) plus %[n]q, fractions of a second with n digits (default 3): %S.%3q.',
  read(args, env) {
    const [epochText = '', zone = '', format] = splitArgs(args, { max: 3 });
    const seconds = epochText.trim() === '' ? undefined : scanFloat(epochText);
    const ms = seconds === undefined || !Number.isFinite(seconds) ? env.now() : Math.floor(seconds * 1000);
    return strftime(format ?? '%c', zonedTime(ms, zone.trim()), ms);
  },
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

interface Parsed {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  pm: boolean | undefined;
  epoch: number | undefined;
  offsetMinutes: number | undefined;
}

/** strptime(3) for the common conversions; undefined when the text does not fit the format. */
export function strptime(text: string, format: string): Parsed | undefined {
  const r: Parsed = { year: 1900, month: 1, day: 1, hour: 0, minute: 0, second: 0, pm: undefined, epoch: undefined, offsetMinutes: undefined };
  let i = 0;
  const num = (maxDigits: number): number | undefined => {
    const m = new RegExp(`^[+-]?\\d{1,${maxDigits}}`).exec(text.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return Number(m[0]);
  };
  const word = (full: string[], short: string[]): number | undefined => {
    const rest = text.slice(i).toLowerCase();
    for (let k = 0; k < full.length; k++) {
      if (rest.startsWith(full[k])) {
        i += full[k].length;
        return k;
      }
    }
    for (let k = 0; k < short.length; k++) {
      if (rest.startsWith(short[k])) {
        i += short[k].length;
        return k;
      }
    }
    return undefined;
  };
  const expand: Record<string, string> = { T: '%H:%M:%S', D: '%m/%d/%y', F: '%Y-%m-%d', R: '%H:%M', r: '%I:%M:%S %p', c: '%a %b %e %H:%M:%S %Y' };
  let fmt = format;
  for (let f = 0; f < fmt.length; f++) {
    const c = fmt[f];
    if (c === ' ' || c === '\t' || c === '\n') {
      while (i < text.length && /\s/.test(text[i])) i++;
      continue;
    }
    if (c !== '%') {
      if (text[i] !== c) return undefined;
      i++;
      continue;
    }
    const k = fmt[++f];
    if (expand[k]) {
      fmt = fmt.slice(0, f - 1) + expand[k] + fmt.slice(f + 1);
      f -= 2;
      continue;
    }
    if (k !== '%' && k !== 'n' && k !== 't') while (i < text.length && /\s/.test(text[i])) i++;
    let v: number | undefined;
    switch (k) {
      case 'Y':
        v = num(4);
        if (v === undefined) return undefined;
        r.year = v;
        break;
      case 'y':
        v = num(2);
        if (v === undefined) return undefined;
        r.year = v < 69 ? 2000 + v : 1900 + v;
        break;
      case 'm':
        v = num(2);
        if (v === undefined || v < 1 || v > 12) return undefined;
        r.month = v;
        break;
      case 'd':
      case 'e':
        v = num(2);
        if (v === undefined || v < 1 || v > 31) return undefined;
        r.day = v;
        break;
      case 'H':
      case 'k':
        v = num(2);
        if (v === undefined || v > 23) return undefined;
        r.hour = v;
        break;
      case 'I':
      case 'l':
        v = num(2);
        if (v === undefined || v < 1 || v > 12) return undefined;
        r.hour = v % 12;
        break;
      case 'M':
        v = num(2);
        if (v === undefined || v > 59) return undefined;
        r.minute = v;
        break;
      case 'S':
        v = num(2);
        if (v === undefined || v > 61) return undefined;
        r.second = v;
        break;
      case 'j':
        v = num(3);
        if (v === undefined) return undefined;
        r.month = 1;
        r.day = v;
        break;
      case 'b':
      case 'B':
      case 'h':
        v = word(MONTH_NAMES, MONTHS);
        if (v === undefined) return undefined;
        r.month = v + 1;
        break;
      case 'a':
      case 'A':
        if (word(DAY_NAMES, DAYS) === undefined) return undefined;
        break;
      case 'p': {
        const rest = text.slice(i, i + 2).toLowerCase();
        if (rest !== 'am' && rest !== 'pm') return undefined;
        r.pm = rest === 'pm';
        i += 2;
        break;
      }
      case 's':
        v = num(12);
        if (v === undefined) return undefined;
        r.epoch = v;
        break;
      case 'z': {
        const m = /^([+-])(\d{2}):?(\d{2})/.exec(text.slice(i));
        if (!m) return undefined;
        i += m[0].length;
        r.offsetMinutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
        break;
      }
      case 'n':
      case 't':
        while (i < text.length && /\s/.test(text[i])) i++;
        break;
      case '%':
        if (text[i] !== '%') return undefined;
        i++;
        break;
      default:
        return undefined;
    }
  }
  if (r.pm) r.hour += 12;
  return r;
}

export const STRPTIME: DialplanFunction = {
  name: 'STRPTIME',
  synopsis: 'Converts a date and time to an epoch.',
  syntax: 'STRPTIME(datetime,timezone,format)',
  description: 'Example: STRPTIME(2006-03-01 07:30:35,America/Chicago,%Y-%m-%d %H:%M:%S) returns 1141219835.',
  read(args, env) {
    const [text = '', zone = '', format = ''] = splitArgs(args, { max: 3 });
    if (format === '') fail('No format supplied to STRPTIME(<timestring>,<timezone>,<format>)');
    const p = strptime(text, format);
    if (!p) {
      env.log('warning', 'STRPTIME() found no time specified within the string');
      return '';
    }
    if (p.epoch !== undefined) return String(p.epoch);
    if (p.offsetMinutes !== undefined) {
      return String(Math.floor((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - p.offsetMinutes * 60000) / 1000));
    }
    return String(Math.floor(zonedToEpoch(p.year, p.month, p.day, p.hour, p.minute, p.second, zone.trim()) / 1000));
  },
};
