/**
 * One call detail record with Asterisk's fields (cdr.h of 1.8/11): who called (src, clid,
 * channel), what was dialed (dst, dcontext), who answered (dstchannel), the last application,
 * the three times, the outcome and the billing flags. Plain data: the engine fills it while the
 * call runs, the CSV and syslog formatters and the manager's `Cdr` event read it once it is done.
 */

/** cdr.h's dispositions, with the numbers CDR(disposition,u) shows. */
export type Disposition = 'NO ANSWER' | 'FAILED' | 'BUSY' | 'ANSWERED';
export const DISPOSITION_CODE: Readonly<Record<Disposition, number>> = { 'NO ANSWER': 0, FAILED: 2, BUSY: 4, ANSWERED: 8 };

/** AMA flags as ast_cdr_flags2str names them, with their numbers for the `u` option. */
export type AmaFlags = 'OMIT' | 'BILLING' | 'DOCUMENTATION';
export const AMA_CODE: Readonly<Record<AmaFlags, number>> = { OMIT: 1, BILLING: 2, DOCUMENTATION: 3 };

/** `default`, `omit`, `billing`, `documentation` (any case), or the numbers 1-3; undefined otherwise. */
export function parseAmaFlags(text: string): AmaFlags | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'omit' || t === '1') return 'OMIT';
  if (t === 'billing' || t === '2') return 'BILLING';
  if (t === 'documentation' || t === 'default' || t === '3') return 'DOCUMENTATION';
  return undefined;
}

export interface CdrRecord {
  accountcode: string;
  src: string;
  dst: string;
  dcontext: string;
  clid: string;
  channel: string;
  dstchannel: string;
  lastapp: string;
  lastdata: string;
  /** Wall-clock ms since the epoch; `answer` and `end` are 0 until they happen. */
  start: number;
  answer: number;
  end: number;
  /** Whole seconds, set when the record ends (end - start, end - answer). */
  duration: number;
  billsec: number;
  disposition: Disposition;
  amaflags: AmaFlags;
  uniqueid: string;
  userfield: string;
  /** CDR(name)=value custom variables (not in Master.csv, readable with CDR(name)). */
  variables: Map<string, string>;
}

export function emptyRecord(start: number): CdrRecord {
  return {
    accountcode: '',
    src: '',
    dst: '',
    dcontext: '',
    clid: '',
    channel: '',
    dstchannel: '',
    lastapp: '',
    lastdata: '',
    start,
    answer: 0,
    end: 0,
    duration: 0,
    billsec: 0,
    disposition: 'NO ANSWER',
    amaflags: 'DOCUMENTATION',
    uniqueid: '',
    userfield: '',
    variables: new Map(),
  };
}

export function copyRecord(r: CdrRecord): CdrRecord {
  return { ...r, variables: new Map(r.variables) };
}

/** Whole seconds between two wall-clock ms, truncated as Asterisk's tv_sec arithmetic does. */
export function wholeSeconds(fromMs: number, toMs: number): number {
  return Math.max(0, Math.floor((toMs - fromMs) / 1000));
}

/** Closes a record at `end`: durations and the final disposition. */
export function finishRecord(r: CdrRecord, end: number): void {
  r.end = end;
  r.duration = wholeSeconds(r.start, end);
  r.billsec = r.answer ? wholeSeconds(r.answer, end) : 0;
  if (r.answer) r.disposition = 'ANSWERED';
}

/** `"Joe Bloggs" <2000>` as ast_callerid_merge writes it (just the number, or the name, when one is missing). */
export function callerIdText(name: string | undefined, number: string | undefined): string {
  if (name && number) return `"${name}" <${number}>`;
  return name || number || '';
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `%Y-%m-%d %T` in local time or UTC (cdr_csv's usegmtime); '' for 0 (never happened). */
export function formatCdrTime(ms: number, utc: boolean): string {
  if (!ms) return '';
  const d = new Date(ms);
  return utc
    ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
    : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * The record under the manager's `Cdr` event field names (manager's cdr_manager.c), in that
 * order; the syslog record and the bus event use the same map.
 */
export function cdrEventFields(r: CdrRecord, utc = false): Record<string, string> {
  return {
    AccountCode: r.accountcode,
    Source: r.src,
    Destination: r.dst,
    DestinationContext: r.dcontext,
    CallerID: r.clid,
    Channel: r.channel,
    DestinationChannel: r.dstchannel,
    LastApplication: r.lastapp,
    LastData: r.lastdata,
    StartTime: formatCdrTime(r.start, utc),
    AnswerTime: formatCdrTime(r.answer, utc),
    EndTime: formatCdrTime(r.end, utc),
    Duration: String(r.duration),
    BillableSeconds: String(r.billsec),
    Disposition: r.disposition,
    AMAFlags: r.amaflags,
    UniqueID: r.uniqueid,
    UserField: r.userfield,
  };
}
