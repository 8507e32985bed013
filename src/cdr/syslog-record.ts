/**
 * The per-call syslog record: one notice from the `cdr` module (the RFC 5424 MSGID) whose
 * fields are the record's, so the remote syslog receives
 * `[pbx@32473 accountcode="" src="2000" dst="2001" ... disposition="ANSWERED" billsec="5"]`
 * plus a one-line human summary as MSG.
 */
import { formatCdrTime, type CdrRecord } from './record.ts';

export function cdrSyslogFields(r: CdrRecord, utc: boolean): Record<string, string | number> {
  return {
    accountcode: r.accountcode,
    src: r.src,
    dst: r.dst,
    dcontext: r.dcontext,
    clid: r.clid,
    channel: r.channel,
    dstchannel: r.dstchannel,
    lastapp: r.lastapp,
    lastdata: r.lastdata,
    start: formatCdrTime(r.start, utc),
    answer: formatCdrTime(r.answer, utc),
    end: formatCdrTime(r.end, utc),
    duration: r.duration,
    billsec: r.billsec,
    disposition: r.disposition,
    amaflags: r.amaflags,
    uniqueid: r.uniqueid,
    userfield: r.userfield,
  };
}

export function cdrSyslogMessage(r: CdrRecord): string {
  return `CDR ${r.src || '<unknown>'} -> ${r.dst || '<none>'}@${r.dcontext} ${r.disposition} duration ${r.duration} s billsec ${r.billsec} s (${r.channel}${r.dstchannel ? ` to ${r.dstchannel}` : ''})`;
}
