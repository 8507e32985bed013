/**
 * Master.csv lines as cdr_csv writes them: every text field in double quotes (a `"` inside is
 * doubled), duration and billsec as bare integers, times as `%Y-%m-%d %T` (empty when the call
 * never got there), in the fixed column order accountcode, src, dst, dcontext, clid, channel,
 * dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition, amaflags,
 * then uniqueid and userfield when `loguniqueid` / `loguserfield` ask for them.
 */
import { formatCdrTime, type CdrRecord } from './record.ts';

export interface CsvOptions {
  /** Times in UTC instead of local time (`usegmtime`). */
  utc: boolean;
  loguniqueid: boolean;
  loguserfield: boolean;
}

const QUOTE = /"/g;

function quoted(text: string): string {
  return `"${text.includes('"') ? text.replace(QUOTE, '""') : text}"`;
}

/** One line, newline included. */
export function csvLine(r: CdrRecord, o: CsvOptions): string {
  let line =
    `${quoted(r.accountcode)},${quoted(r.src)},${quoted(r.dst)},${quoted(r.dcontext)},${quoted(r.clid)},` +
    `${quoted(r.channel)},${quoted(r.dstchannel)},${quoted(r.lastapp)},${quoted(r.lastdata)},` +
    `${quoted(formatCdrTime(r.start, o.utc))},${quoted(formatCdrTime(r.answer, o.utc))},${quoted(formatCdrTime(r.end, o.utc))},` +
    `${r.duration},${r.billsec},${quoted(r.disposition)},${quoted(r.amaflags)}`;
  if (o.loguniqueid) line += `,${quoted(r.uniqueid)}`;
  if (o.loguserfield) line += `,${quoted(r.userfield)}`;
  return `${line}\n`;
}
