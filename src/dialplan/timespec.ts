/**
 * Time conditions of `include => ctx,<spec>`, GotoIfTime and IFTIME: `times,weekdays,mdays,months[,tz]`
 * (the 1.4 `|` separator also accepted). Semantics follow Asterisk's ast_build_timing /
 * ast_check_timing: each field is `*` (or empty) for "always", or a `&` list of single values and
 * ranges; ranges are cyclic (`fri-mon`, `22:00-06:59`) and include both ends to the minute
 * (`09:00-17:59` covers 17:59). Weekdays and months take three-letter names or numbers (1 = sun,
 * 1 = jan). Asterisk skips a bad element with a warning; we refuse the whole spec, because a
 * silently widened office-hours rule routes calls wrongly for months before anyone notices.
 *
 * Evaluation is in local time, or in the IANA zone given as the fifth field.
 */
import { PbxError } from '../core/errors.ts';
import type { TimeSpec } from './types.ts';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MINUTES_PER_DAY = 24 * 60;

/** The parsed fields, exposed for `dialplan show`-style tools and tests. */
export interface TimeSpecFields {
  /** Allowed minutes of the day (0..1439), one flag each. */
  minutes: Uint8Array;
  /** Bit n set: weekday n allowed (0 = Sunday). */
  weekdays: number;
  /** Bit n set: day of month n+1 allowed. */
  monthDays: number;
  /** Bit n set: month n allowed (0 = January). */
  months: number;
  timezone?: string;
}

function invalid(reason: string): never {
  throw new PbxError('DIALPLAN_INVALID', reason);
}

/** Parse a time condition; throws PbxError('DIALPLAN_INVALID') naming the bad part. */
export function parseTimeSpec(text: string): TimeSpec {
  const fields = parseTimeSpecFields(text);
  const zoned = fields.timezone === undefined ? undefined : zonedParts(fields.timezone);
  return {
    text,
    matches(at: Date): boolean {
      const t = zoned ? zoned(at) : localParts(at);
      return (
        (fields.months & (1 << t.month)) !== 0 &&
        (fields.monthDays & (1 << (t.day - 1))) !== 0 &&
        (fields.weekdays & (1 << t.weekday)) !== 0 &&
        fields.minutes[t.hour * 60 + t.minute] === 1
      );
    },
  };
}

export function parseTimeSpecFields(text: string): TimeSpecFields {
  const trimmed = text.trim();
  const parts = trimmed === '' ? [] : trimmed.split(/[,|]/).map((p) => p.trim());
  if (parts.length > 5) invalid(`time spec '${text}' has ${parts.length} fields (expected times,weekdays,mdays,months[,timezone])`);
  const fields: TimeSpecFields = {
    minutes: parseTimes(parts[0] ?? '*'),
    weekdays: parseRange(parts[1] ?? '*', 7, WEEKDAYS, 'weekday'),
    monthDays: parseRange(parts[2] ?? '*', 31, undefined, 'day of month'),
    months: parseRange(parts[3] ?? '*', 12, MONTHS, 'month'),
  };
  const tz = parts[4];
  if (tz !== undefined && tz !== '') {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
    } catch {
      invalid(`unknown time zone '${tz}' (expected an IANA name such as Europe/Berlin)`);
    }
    fields.timezone = tz;
  }
  return fields;
}

function parseClock(s: string, what: string): number {
  const m = /^(\d{1,2}):(\d{1,2})$/.exec(s.trim());
  if (!m) invalid(`'${s}' is not a valid ${what} (expected hh:mm)`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) invalid(`'${s}' is not a valid ${what} (hours 0-23, minutes 0-59)`);
  return h * 60 + min;
}

function parseTimes(field: string): Uint8Array {
  const minutes = new Uint8Array(MINUTES_PER_DAY);
  if (field === '' || field === '*') return minutes.fill(1);
  for (const part of field.split('&')) {
    const dash = part.indexOf('-');
    if (dash < 0) {
      minutes[parseClock(part, 'time')] = 1;
      continue;
    }
    const start = parseClock(part.slice(0, dash), 'start time');
    const end = parseClock(part.slice(dash + 1), 'end time');
    // Cyclic and inclusive of the end minute, as Asterisk fills its minute mask.
    for (let x = start; x !== end; x = (x + 1) % MINUTES_PER_DAY) minutes[x] = 1;
    minutes[end] = 1;
  }
  return minutes;
}

function lookup(s: string, max: number, names: string[] | undefined, what: string): number {
  const v = s.trim().toLowerCase();
  if (names) {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  if (/^\d{1,2}$/.test(v)) {
    const n = Number(v);
    if (n >= 1 && n <= max) return n - 1;
  }
  const expected = names ? `${names[0]}..${names[names.length - 1]} or 1-${max}` : `1-${max}`;
  return invalid(`invalid ${what} '${s.trim()}' (expected ${expected})`);
}

function parseRange(field: string, max: number, names: string[] | undefined, what: string): number {
  if (field === '' || field === '*') return 2 ** max - 1;
  let mask = 0;
  for (const part of field.split('&')) {
    const dash = part.indexOf('-');
    const start = lookup(dash < 0 ? part : part.slice(0, dash), max, names, what);
    const end = dash < 0 ? start : lookup(part.slice(dash + 1), max, names, what);
    for (let x = start; x !== end; x = (x + 1) % max) mask |= 1 << x;
    mask |= 1 << end;
  }
  return mask;
}

interface WallParts {
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

function localParts(at: Date): WallParts {
  return { month: at.getMonth(), day: at.getDate(), weekday: at.getDay(), hour: at.getHours(), minute: at.getMinutes() };
}

function zonedParts(timeZone: string): (at: Date) => WallParts {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
  });
  return (at) => {
    const p: Record<string, string> = {};
    for (const part of fmt.formatToParts(at)) p[part.type] = part.value;
    return {
      month: Number(p.month) - 1,
      day: Number(p.day),
      weekday: WEEKDAYS.indexOf((p.weekday ?? '').slice(0, 3).toLowerCase()),
      hour: Number(p.hour) % 24,
      minute: Number(p.minute),
    };
  };
}
