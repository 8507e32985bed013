/**
 * What VoiceMailMain says about a message besides its audio (Asterisk's play_message_datetime
 * and play_message_callerid, English word order): "received" and the date as the default
 * [zonemessages] format says it (today / yesterday / weekday month day, then "at" and the
 * 12-hour time), and who called ("from phone number" and the digits, "from extension" for a
 * box of the same context, or "unknown caller").
 */
import type { Mailbox, VoicemailConfig } from '../../config/voicemail-model.ts';
import { sayDigits, sayNumber } from '../../media/say.ts';
import type { StoredMessage } from '../../store/voicemail-types.ts';

/** The zone a box's dates are said in: its `tz=` [zonemessages] entry, else [general] tz, else local. */
export function boxTimeZone(config: VoicemailConfig, mailbox: Mailbox): string | undefined {
  const name = mailbox.options.tz ?? config.general.tz;
  return name ? config.zones.get(name)?.timezone : undefined;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function partsOf(ms: number, timeZone: string | undefined): Parts {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
  } catch {
    // An unknown zone name in voicemail.conf: say the time in the PBX's own zone.
    fmt = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
  }
  const get = (type: string): string => fmt.formatToParts(new Date(ms)).find((p) => p.type === type)?.value ?? '0';
  return {
    year: Number(get('year')),
    month: Number(get('month')) - 1,
    day: Number(get('day')),
    weekday: WEEKDAYS.indexOf(get('weekday')),
    hour: Number(get('hour')) % 24,
    minute: Number(get('minute')),
  };
}

/** 1st ... 31st: digits/h-N, with tens and units for 21-29 and 31. */
function ordinal(n: number): string[] {
  if (n <= 20 || n % 10 === 0) return [`digits/h-${n}`];
  return [`digits/${n - (n % 10)}`, `digits/h-${n % 10}`];
}

function year(y: number): string[] {
  if (y >= 2000 && y < 2010) return sayNumber(y) ?? [];
  const hi = Math.floor(y / 100);
  const lo = y % 100;
  const tail = lo === 0 ? ['digits/hundred'] : lo < 10 ? ['digits/oh', `digits/${lo}`] : (sayNumber(lo) ?? []);
  return [...(sayNumber(hi) ?? []), ...tail];
}

/** `vm-received` + Asterisk's default envelope format (`'vm-received' q 'digits/at' IMp`). */
export function sayReceived(origtimeSec: number, nowMs: number, timeZone: string | undefined): string[] {
  const at = partsOf(origtimeSec * 1000, timeZone);
  const today = partsOf(nowMs, timeZone);
  const yesterday = partsOf(nowMs - 86_400_000, timeZone);
  const same = (a: Parts, b: Parts): boolean => a.year === b.year && a.month === b.month && a.day === b.day;
  const out = ['vm-received'];
  if (same(at, today)) out.push('digits/today');
  else if (same(at, yesterday)) out.push('digits/yesterday');
  else {
    out.push(`digits/day-${at.weekday}`, `digits/mon-${at.month}`, ...ordinal(at.day));
    if (at.year !== today.year) out.push(...year(at.year));
  }
  const h12 = at.hour % 12 === 0 ? 12 : at.hour % 12;
  out.push('digits/at', ...(sayNumber(h12) ?? []));
  if (at.minute === 0) out.push('digits/oclock');
  else if (at.minute < 10) out.push('digits/oh', `digits/${at.minute}`);
  else out.push(...(sayNumber(at.minute) ?? []));
  out.push(at.hour < 12 ? 'digits/a-m' : 'digits/p-m');
  return out;
}

/** The number of `"Alice" <2000>` (or a bare number), '' when there is none. */
export function callerNumber(callerid: string): string {
  const angle = /<([^>]*)>/.exec(callerid);
  const n = (angle ? angle[1]! : callerid).trim();
  return /^[0-9*#+]+$/.test(n) ? n : '';
}

export function sayCallerId(message: StoredMessage, config: VoicemailConfig, context: string): string[] {
  const number = callerNumber(message.info.callerid);
  if (number === '') return ['vm-unknown-caller'];
  const internal = config.contexts.get(context)?.has(number) ?? false;
  return [internal ? 'vm-from-extension' : 'vm-from-phonenumber', ...sayDigits(number)];
}
