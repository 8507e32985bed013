/**
 * The service as the PBX runs it: a finished call gives one syslog notice with the record as
 * fields, one `Cdr` bus event with the manager's names, and a Master.csv line at stop (with the
 * peer's accountcode from sip.conf and its accountlogs file); `cdr show status` counts what waits;
 * the RAM warning when the data directory is in RAM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.ts';
import { EventBus, type EventChannel, type PbxEvent } from '../../../src/core/events.ts';
import { silentLogger, type Logger } from '../../../src/log/index.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { CDR_VOLATILE_WARNING, CdrService } from '../../../src/runtime/cdr-service.ts';
import { formatCdrStatus } from '../../../src/cli/commands/cdr.ts';

test('a call: syslog fields, the Cdr event, the CSV line at stop, status', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdr-service-'));
  try {
    const loaded = loadConfig({
      files: {
        'pbx.conf': `[system]\nsip = 127.0.0.1:5060\ndata = ${dir}\n\n[phones]\n2001 = Secr3t-2001, Bob\n`,
        'sip.conf': '[2000]\ntype=friend\nhost=dynamic\nsecret=Secr3t-2000\naccountcode=sales\n',
        'cdr.conf': '[general]\nunanswered = yes\n[csv]\nloguserfield = yes\n',
      },
    });
    assert.ok(loaded.config, loaded.errors.map((e) => e.reason).join('\n'));
    const config = loaded.config;
    const notices: { msg: string; fields: unknown }[] = [];
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger('cdr'), notice: (msg, fields) => void notices.push({ msg, fields }), warning: (m) => void warnings.push(m) };
    const bus = new EventBus();
    const events: PbxEvent[] = [];
    bus.on((e) => void (e.type === 'Cdr' && events.push(e)));
    const clock = new FakeClock();
    const service = new CdrService({ config: () => config, clock, log, events: bus, volatile: false });
    assert.deepEqual(warnings, []);
    const ch: EventChannel = { name: 'SIP/2000-00000001', uniqueId: '1.1', tech: 'SIP', state: 'Ring', callerId: { number: '2000' }, context: 'phones', exten: '2001', application: '', appData: '', variables: new Map() };
    bus.emit({ type: 'Newchannel', channel: ch });
    service.forChannel('1.1')!.set('userfield', 'note "1"');
    clock.advance(2000);
    bus.emit({ type: 'Hangup', channel: ch, cause: 17 });
    assert.equal(notices.length, 1);
    assert.match(notices[0].msg, /^CDR 2000 -> 2001@phones BUSY/);
    assert.deepEqual((notices[0].fields as Record<string, unknown>).disposition, 'BUSY');
    assert.equal(events.length, 1);
    const fields = (events[0] as Extract<PbxEvent, { type: 'Cdr' }>).fields;
    assert.equal(fields.AccountCode, 'sales');
    assert.equal(fields.Source, '2000');
    assert.equal(fields.Disposition, 'BUSY');
    assert.equal(fields.Duration, '2');
    assert.equal(fields.UserField, 'note "1"');
    const status = formatCdrStatus(service.status());
    assert.match(status, /Current batch size:\s+1 record$/m);
    assert.match(status, /Next batch processing time: 300 seconds/);
    service.stop();
    const line = readFileSync(join(dir, 'cdr-csv', 'Master.csv'), 'utf8');
    assert.match(line, /^"sales","2000","2001","phones","2000","SIP\/2000-00000001","","","",".+","",".+",2,0,"BUSY","DOCUMENTATION","note ""1"""\n$/);
    assert.equal(readFileSync(join(dir, 'cdr-csv', 'sales.csv'), 'utf8'), line);
    assert.equal(clock.pending(), 0, 'no timer left after stop');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('records in RAM are announced at boot', () => {
  const loaded = loadConfig({ files: { 'pbx.conf': '[system]\nsip = 127.0.0.1:5060\ndata = /nonexistent-cdr-test\n\n[phones]\n2001 = Secr3t-2001, Bob\n' } });
  const warnings: string[] = [];
  const service = new CdrService({ config: () => loaded.config!, clock: new FakeClock(), log: { ...silentLogger(), warning: (m) => void warnings.push(m) }, events: new EventBus(), volatile: true });
  assert.deepEqual(warnings, [CDR_VOLATILE_WARNING]);
  assert.match(formatCdrStatus(service.status()), /in RAM: capped/);
  service.stop();
});

test('cdr show status when records are off', () => {
  assert.match(formatCdrStatus(undefined), /Logging:\s+Disabled/);
});
