/**
 * Broken-down time in a named time zone (IANA, e.g. America/Chicago) or, when the zone is empty,
 * the system's local zone, using the JavaScript Intl API; and the way back (local fields ->
 * epoch) for STRPTIME. Formatters are cached per zone because building one is slow.
 */

export interface ZonedTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday */
  weekday: number;
  /** Minutes east of UTC. */
  offsetMinutes: number;
  /** Short zone name (CET, EST, GMT+1 when the zone has no abbreviation). */
  abbreviation: string;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        weekday: 'short',
        timeZoneName: 'short',
      });
    } catch {
      f = null; // unknown zone: local time is used, as Asterisk falls back to its default zone
    }
    formatters.set(zone, f);
  }
  return f;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function localParts(ms: number): ZonedTime {
  const d = new Date(ms);
  const offsetMinutes = -d.getTimezoneOffset();
  let abbreviation = '';
  try {
    const p = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((x) => x.type === 'timeZoneName');
    abbreviation = p?.value ?? '';
  } catch {
    abbreviation = '';
  }
  return {
    year: d.getFullYear(),
    month: d.getMonth() + 1,
    day: d.getDate(),
    hour: d.getHours(),
    minute: d.getMinutes(),
    second: d.getSeconds(),
    weekday: d.getDay(),
    offsetMinutes,
    abbreviation,
  };
}

/** The wall-clock fields of instant `ms` in `zone` ('' = the system's local zone). */
export function zonedTime(ms: number, zone: string): ZonedTime {
  const f = zone === '' ? null : formatter(zone);
  if (!f) return localParts(ms);
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour) % 24;
  const minute = Number(parts.minute);
  const second = Number(parts.second);
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetMinutes = Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
  return { year, month, day, hour, minute, second, weekday: WEEKDAYS.indexOf(parts.weekday), offsetMinutes, abbreviation: parts.timeZoneName ?? '' };
}

/** Epoch ms of wall-clock fields in `zone` (mktime): the earlier instant when the time is ambiguous. */
export function zonedToEpoch(year: number, month: number, day: number, hour: number, minute: number, second: number, zone: string): number {
  if (zone === '' || !formatter(zone)) return new Date(year, month - 1, day, hour, minute, second).getTime();
  const guess = Date.UTC(year, month - 1, day, hour, minute, second);
  let t = guess - zonedTime(guess, zone).offsetMinutes * 60000;
  const again = zonedTime(t, zone).offsetMinutes;
  t = guess - again * 60000;
  return t;
}
