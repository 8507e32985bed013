/**
 * CPU per call record written: a synthetic answered call's bus events through the CDR engine
 * (Newchannel, Newexten, DialBegin, DialEnd, Newstate, BridgeEnter, Hangup of both legs), then
 * what the service does with the record: the Master.csv line into the batch writer (batches of
 * 100 appended to a temporary directory, as on the box), the RFC 5424 syslog message with the
 * record as structured data, and the manager's Cdr field map. Also the CSV line and the syslog
 * message alone.
 */
import { Bench } from 'tinybench';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type EventChannel } from '../../src/core/events.ts';
import { CdrEngine } from '../../src/cdr/engine.ts';
import { csvLine } from '../../src/cdr/csv.ts';
import { CsvBatchWriter } from '../../src/cdr/writer.ts';
import { cdrEventFields, type CdrRecord } from '../../src/cdr/record.ts';
import { cdrSyslogFields, cdrSyslogMessage } from '../../src/cdr/syslog-record.ts';
import { createSyslogFormatter } from '../../src/log/syslog.ts';
import { systemClock } from '../../src/platform/clock.ts';

const CSV = { utc: false, loguniqueid: true, loguserfield: true };

export default async function (): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'cdr-bench-'));
  const writer = new CsvBatchWriter({ dir, clock: systemClock, batch: () => ({ size: 100, timeMs: 300_000, accountlogs: false }), volatile: false, warn: () => {} });
  const syslog = createSyslogFormatter({ hostname: 'pbx' });
  let last: CdrRecord | undefined;
  let bytes = 0;
  const post = (r: CdrRecord): void => {
    writer.add(csvLine(r, CSV), r.accountcode);
    bytes += syslog.format({ time: Date.now(), severity: 'notice', level: 0, module: 'cdr', msg: cdrSyslogMessage(r), fields: cdrSyslogFields(r, false), pid: 1 }).length;
    bytes += Object.keys(cdrEventFields(r)).length;
    last = r;
  };
  const bus = new EventBus();
  const engine = new CdrEngine({
    wallNow: () => Date.now(),
    settings: () => ({ enabled: true, unanswered: true, endBeforeHExten: false, utc: false }),
    post,
  });
  engine.attach(bus);
  let n = 0;
  const call = (): void => {
    n++;
    const caller: EventChannel & { state: EventChannel['state'] } = { name: `SIP/2000-${n.toString(16).padStart(8, '0')}`, uniqueId: `1700000000.${n}`, tech: 'SIP', state: 'Ring', callerId: { name: 'Alice', number: '2000' }, context: 'phones', exten: '2001', application: '', appData: '', variables: new Map() };
    const leg: EventChannel & { state: EventChannel['state'] } = { ...caller, name: `SIP/2001-${n.toString(16).padStart(8, '0')}`, uniqueId: `1700000000.${n}b`, state: 'Down' };
    bus.emit({ type: 'Newchannel', channel: caller });
    bus.emit({ type: 'Newexten', channel: caller, context: 'phones', exten: '2001', priority: 1, application: 'Dial', appData: 'SIP/2001,20' });
    bus.emit({ type: 'Newchannel', channel: leg });
    bus.emit({ type: 'DialBegin', caller, destination: leg, dialString: 'SIP/2001' });
    bus.emit({ type: 'DialEnd', caller, destination: leg, dialStatus: 'ANSWER' });
    caller.state = 'Up';
    bus.emit({ type: 'Newstate', channel: caller });
    bus.emit({ type: 'BridgeEnter', bridgeId: 'b', bridgeType: 'basic', channel: caller, numChannels: 2 });
    bus.emit({ type: 'Hangup', channel: leg, cause: 16 });
    bus.emit({ type: 'Hangup', channel: caller, cause: 16 });
  };
  call();
  if (!last || last.disposition !== 'ANSWERED') throw new Error('bench call gave no ANSWERED record');
  const sample = last;
  const bench = new Bench({
    name: 'cdr',
    time: 1000,
    teardown: () => {
      writer.close();
    },
  });
  bench.add('one call record: engine + CSV line + batch writer + syslog message + Cdr fields', call);
  bench.add('CSV line alone', () => {
    bytes += csvLine(sample, CSV).length;
  });
  bench.add('syslog message alone (RFC 5424 with structured data)', () => {
    bytes += syslog.format({ time: Date.now(), severity: 'notice', level: 0, module: 'cdr', msg: cdrSyslogMessage(sample), fields: cdrSyslogFields(sample, false), pid: 1 }).length;
  });
  process.once('exit', () => {
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return bench;
}
