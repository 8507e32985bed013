/**
 * strftime(3) in the C locale plus Asterisk's `%q` / `%[1-6]q` (fractions of a second), over a
 * ZonedTime, for STRFTIME.
 */
import type { ZonedTime } from './time-zone.ts';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function p2(n: number): string {
  return String(n).padStart(2, '0');
}

function dayOfYear(t: ZonedTime): number {
  return Math.round((Date.UTC(t.year, t.month - 1, t.day) - Date.UTC(t.year, 0, 1)) / 86400000) + 1;
}

/** ISO 8601 week number and week-based year: the week holding this week's Thursday. */
function isoWeek(t: ZonedTime): { week: number; year: number } {
  const monday0 = (t.weekday + 6) % 7;
  const thursday = Date.UTC(t.year, t.month - 1, t.day) + (3 - monday0) * 86400000;
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / 86400000 / 7);
  return { week, year };
}

export function strftime(format: string, t: ZonedTime, epochMs: number): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%' || i + 1 >= format.length) {
      out += c;
      continue;
    }
    let f = format[++i];
    // %[1-6]q: fractions of a second with that many digits (default 3).
    let digits = 3;
    if (f >= '1' && f <= '6' && format[i + 1] === 'q') {
      digits = Number(f);
      f = format[++i];
    }
    const hour12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
    switch (f) {
      case 'a':
        out += DAYS[t.weekday].slice(0, 3);
        break;
      case 'A':
        out += DAYS[t.weekday];
        break;
      case 'b':
      case 'h':
        out += MONTHS[t.month - 1].slice(0, 3);
        break;
      case 'B':
        out += MONTHS[t.month - 1];
        break;
      case 'c':
        out += strftime('%a %b %e %H:%M:%S %Y', t, epochMs);
        break;
      case 'C':
        out += p2(Math.floor(t.year / 100));
        break;
      case 'd':
        out += p2(t.day);
        break;
      case 'D':
      case 'x':
        out += strftime('%m/%d/%y', t, epochMs);
        break;
      case 'e':
        out += String(t.day).padStart(2, ' ');
        break;
      case 'F':
        out += strftime('%Y-%m-%d', t, epochMs);
        break;
      case 'G':
        out += String(isoWeek(t).year);
        break;
      case 'g':
        out += p2(isoWeek(t).year % 100);
        break;
      case 'H':
        out += p2(t.hour);
        break;
      case 'I':
        out += p2(hour12);
        break;
      case 'j':
        out += String(dayOfYear(t)).padStart(3, '0');
        break;
      case 'k':
        out += String(t.hour).padStart(2, ' ');
        break;
      case 'l':
        out += String(hour12).padStart(2, ' ');
        break;
      case 'm':
        out += p2(t.month);
        break;
      case 'M':
        out += p2(t.minute);
        break;
      case 'n':
        out += '\n';
        break;
      case 'p':
        out += t.hour < 12 ? 'AM' : 'PM';
        break;
      case 'P':
        out += t.hour < 12 ? 'am' : 'pm';
        break;
      case 'q': {
        const frac = ((epochMs % 1000) + 1000) % 1000;
        out += String(Math.floor(frac * 1000)).padStart(6, '0').slice(0, digits);
        break;
      }
      case 'r':
        out += strftime('%I:%M:%S %p', t, epochMs);
        break;
      case 'R':
        out += strftime('%H:%M', t, epochMs);
        break;
      case 's':
        out += String(Math.floor(epochMs / 1000));
        break;
      case 'S':
        out += p2(t.second);
        break;
      case 't':
        out += '\t';
        break;
      case 'T':
      case 'X':
        out += strftime('%H:%M:%S', t, epochMs);
        break;
      case 'u':
        out += String(t.weekday === 0 ? 7 : t.weekday);
        break;
      case 'U':
        out += p2(Math.floor((dayOfYear(t) - 1 - t.weekday + 7) / 7));
        break;
      case 'V':
        out += p2(isoWeek(t).week);
        break;
      case 'w':
        out += String(t.weekday);
        break;
      case 'W':
        out += p2(Math.floor((dayOfYear(t) - 1 - ((t.weekday + 6) % 7) + 7) / 7));
        break;
      case 'y':
        out += p2(t.year % 100);
        break;
      case 'Y':
        out += String(t.year);
        break;
      case 'z': {
        const o = Math.abs(t.offsetMinutes);
        out += (t.offsetMinutes < 0 ? '-' : '+') + p2(Math.floor(o / 60)) + p2(o % 60);
        break;
      }
      case 'Z':
        out += t.abbreviation;
        break;
      case '%':
        out += '%';
        break;
      default:
        out += '%' + f;
    }
  }
  return out;
}
