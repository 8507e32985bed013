/**
 * The CDR engine on synthetic bus events: one record per call from the caller's side (the Dial
 * leg's own record dropped), dst/lastapp from Newexten, dstchannel from Dial, the answer from
 * Newstate Up, dispositions from DialEnd or the hang-up cause, `unanswered = no` as cdr.c's
 * post_cdr, endbeforehexten, and the dialplan's seam (CDR() fields, ForkCDR, ResetCDR, NoCDR).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, type EventChannel } from '../../../src/core/events.ts';
import { CdrEngine, unansweredDisposition, type CdrEngineSettings } from '../../../src/cdr/engine.ts';
import type { CdrRecord } from '../../../src/cdr/record.ts';
import type { HangupCause } from '../../../src/core/hangup-causes.ts';

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);

function channel(name: string, uniqueId: string, number = '2000', state: EventChannel['state'] = 'Ring'): EventChannel & { state: EventChannel['state'] } {
  return { name, uniqueId, tech: 'SIP', state, callerId: { name: 'Alice', number }, context: 'phones', exten: '2001', application: '', appData: '', variables: new Map() };
}

function setup(settings: Partial<CdrEngineSettings> = {}) {
  let now = T0;
  const posted: CdrRecord[] = [];
  const bus = new EventBus();
  const engine = new CdrEngine({
    wallNow: () => now,
    settings: () => ({ enabled: true, unanswered: true, endBeforeHExten: false, utc: true, ...settings }),
    accountCode: (ch) => (ch.name.startsWith('SIP/2000-') ? 'sales' : undefined),
    post: (r) => posted.push(r),
  });
  engine.attach(bus);
  const at = (s: number): void => {
    now = T0 + s * 1000;
  };
  return { bus, engine, posted, at };
}

function dialCall(s: ReturnType<typeof setup>, outcome: 'ANSWER' | 'BUSY' | 'NOANSWER' | 'CANCEL', cause: HangupCause) {
  const caller = channel('SIP/2000-00000001', '1.1');
  const leg = channel('SIP/2001-00000002', '1.2', '2000', 'Down');
  s.bus.emit({ type: 'Newchannel', channel: caller });
  s.bus.emit({ type: 'Newexten', channel: caller, context: 'phones', exten: '2001', priority: 1, application: 'Dial', appData: 'SIP/2001,20' });
  s.at(1);
  s.bus.emit({ type: 'Newchannel', channel: leg });
  s.bus.emit({ type: 'DialBegin', caller, destination: leg, dialString: 'SIP/2001' });
  s.at(4);
  if (outcome === 'ANSWER') {
    leg.state = 'Up';
    s.bus.emit({ type: 'Newstate', channel: leg });
    s.bus.emit({ type: 'DialEnd', caller, destination: leg, dialStatus: 'ANSWER' });
    caller.state = 'Up';
    s.bus.emit({ type: 'Newstate', channel: caller });
    s.bus.emit({ type: 'BridgeEnter', bridgeId: 'b', bridgeType: 'basic', channel: caller, numChannels: 1 });
    s.at(14.6);
  } else s.bus.emit({ type: 'DialEnd', caller, destination: leg, dialStatus: outcome });
  s.bus.emit({ type: 'Hangup', channel: leg, cause });
  s.bus.emit({ type: 'Hangup', channel: caller, cause });
  return { caller, leg };
}

test('an answered call: one record from the caller with Asterisk fields', () => {
  const s = setup();
  dialCall(s, 'ANSWER', 16);
  assert.equal(s.posted.length, 1, 'the Dial leg has no record of its own');
  const r = s.posted[0];
  assert.equal(r.src, '2000');
  assert.equal(r.clid, '"Alice" <2000>');
  assert.equal(r.dst, '2001');
  assert.equal(r.dcontext, 'phones');
  assert.equal(r.channel, 'SIP/2000-00000001');
  assert.equal(r.dstchannel, 'SIP/2001-00000002');
  assert.equal(r.lastapp, 'Dial');
  assert.equal(r.lastdata, 'SIP/2001,20');
  assert.equal(r.start, T0);
  assert.equal(r.answer, T0 + 4000);
  assert.equal(r.end, T0 + 14600);
  assert.equal(r.duration, 14);
  assert.equal(r.billsec, 10);
  assert.equal(r.disposition, 'ANSWERED');
  assert.equal(r.amaflags, 'DOCUMENTATION');
  assert.equal(r.accountcode, 'sales', 'the peer\'s accountcode');
  assert.equal(r.uniqueid, '1.1');
  assert.equal(s.engine.active, 0, 'nothing kept after the hang-up');
});

test('dispositions: busy, no answer, cancelled, and from the cause without Dial', () => {
  for (const [outcome, cause, want] of [
    ['BUSY', 17, 'BUSY'],
    ['NOANSWER', 19, 'NO ANSWER'],
    ['CANCEL', 16, 'NO ANSWER'],
  ] as const) {
    const s = setup();
    dialCall(s, outcome, cause);
    assert.equal(s.posted.length, 1);
    assert.equal(s.posted[0].disposition, want, outcome);
    assert.equal(s.posted[0].answer, 0);
    assert.equal(s.posted[0].billsec, 0);
  }
  assert.equal(unansweredDisposition('CHANUNAVAIL', 16), 'FAILED');
  assert.equal(unansweredDisposition('CONGESTION', 34), 'FAILED');
  assert.equal(unansweredDisposition(undefined, 17), 'BUSY');
  assert.equal(unansweredDisposition(undefined, 34), 'FAILED');
  assert.equal(unansweredDisposition(undefined, 16), 'NO ANSWER');
});

test('a call answered by the dialplan itself (Playback, VoiceMail) is ANSWERED', () => {
  const s = setup();
  const ch = channel('SIP/2000-00000003', '1.3');
  s.bus.emit({ type: 'Newchannel', channel: ch });
  s.bus.emit({ type: 'Newexten', channel: ch, context: 'phones', exten: '600', priority: 1, application: 'Answer', appData: '' });
  s.at(1);
  ch.state = 'Up';
  s.bus.emit({ type: 'Newstate', channel: ch });
  s.bus.emit({ type: 'Newexten', channel: ch, context: 'phones', exten: '600', priority: 2, application: 'Playback', appData: 'hello-world' });
  s.at(3);
  s.bus.emit({ type: 'Hangup', channel: ch, cause: 16 });
  assert.equal(s.posted[0].disposition, 'ANSWERED');
  assert.equal(s.posted[0].dst, '600');
  assert.equal(s.posted[0].lastapp, 'Playback');
  assert.equal(s.posted[0].billsec, 2);
});

test('unanswered = no drops unanswered records without a destination channel only (post_cdr)', () => {
  const s = setup({ unanswered: false });
  dialCall(s, 'BUSY', 17);
  assert.equal(s.posted.length, 1, 'a busy Dial has a dstchannel: kept, as Asterisk does');
  const ch = channel('SIP/2000-00000009', '1.9');
  s.bus.emit({ type: 'Newchannel', channel: ch });
  s.bus.emit({ type: 'Hangup', channel: ch, cause: 16 });
  assert.equal(s.posted.length, 1, 'nothing rang: dropped');
  const on = setup({ unanswered: true });
  on.bus.emit({ type: 'Newchannel', channel: ch });
  on.bus.emit({ type: 'Hangup', channel: ch, cause: 16 });
  assert.equal(on.posted.length, 1);
});

test('enable = no keeps no record', () => {
  const s = setup({ enabled: false });
  dialCall(s, 'ANSWER', 16);
  assert.equal(s.posted.length, 0);
});

test('the h extension: lastapp follows it, dst does not; endbeforehexten closes the record there', () => {
  for (const endBeforeHExten of [false, true]) {
    const s = setup({ endBeforeHExten });
    const ch = channel('SIP/2000-0000000a', '1.10');
    s.bus.emit({ type: 'Newchannel', channel: ch });
    s.bus.emit({ type: 'Newexten', channel: ch, context: 'phones', exten: '2001', priority: 1, application: 'Dial', appData: 'SIP/2001' });
    s.at(2);
    s.bus.emit({ type: 'Newexten', channel: ch, context: 'phones', exten: 'h', priority: 1, application: 'NoOp', appData: 'bye' });
    s.at(5);
    s.bus.emit({ type: 'Hangup', channel: ch, cause: 16 });
    const r = s.posted[0];
    assert.equal(r.dst, '2001');
    assert.equal(r.lastapp, endBeforeHExten ? 'Dial' : 'NoOp');
    assert.equal(r.duration, endBeforeHExten ? 2 : 5);
  }
});

test('CDR(): fields, the u option, writable and read-only fields, custom variables', () => {
  const s = setup();
  const ch = channel('SIP/2000-0000000b', '1.11');
  s.bus.emit({ type: 'Newchannel', channel: ch });
  s.bus.emit({ type: 'Newexten', channel: ch, context: 'phones', exten: '2001', priority: 1, application: 'Set', appData: 'x' });
  const cdr = s.engine.forChannel('1.11')!;
  assert.equal(cdr.get('src', false), '2000');
  assert.equal(cdr.get('start', false), '2026-12-07 10:00:00');
  assert.equal(cdr.get('start', true), (T0 / 1000).toFixed(6));
  assert.equal(cdr.get('answer', false), '');
  assert.equal(cdr.get('disposition', false), 'NO ANSWER');
  assert.equal(cdr.get('disposition', true), '0');
  assert.equal(cdr.get('amaflags', true), '3');
  s.at(7);
  assert.equal(cdr.get('duration', false), '7', 'a live record counts to now');
  assert.equal(cdr.set('userfield', 'hello'), undefined);
  assert.equal(cdr.set('accountcode', 'acme'), undefined);
  assert.equal(cdr.set('amaflags', 'billing'), undefined);
  assert.match(cdr.set('amaflags', 'cheap') ?? '', /OMIT, BILLING or DOCUMENTATION/);
  assert.match(cdr.set('src', '666') ?? '', /read-only/);
  assert.equal(cdr.set('ticket', '42'), undefined);
  assert.equal(cdr.get('ticket', false), '42');
  assert.equal(cdr.get('nothing', false), '');
  s.bus.emit({ type: 'Hangup', channel: ch, cause: 16 });
  const r = s.posted[0];
  assert.equal(r.userfield, 'hello');
  assert.equal(r.accountcode, 'acme');
  assert.equal(r.amaflags, 'BILLING');
  assert.equal(r.src, '2000');
});

test('NoCDR, ResetCDR(w) and ForkCDR', () => {
  const s = setup();
  const a = channel('SIP/2000-0000000c', '1.12');
  s.bus.emit({ type: 'Newchannel', channel: a });
  s.engine.forChannel('1.12')!.disable();
  s.bus.emit({ type: 'Hangup', channel: a, cause: 16 });
  assert.equal(s.posted.length, 0, 'NoCDR');

  const b = channel('SIP/2000-0000000d', '1.13', '2000', 'Up');
  s.bus.emit({ type: 'Newchannel', channel: b });
  s.bus.emit({ type: 'Newstate', channel: b });
  const cdr = s.engine.forChannel('1.13')!;
  cdr.set('note', 'x');
  s.at(10);
  cdr.reset('w');
  assert.equal(s.posted.length, 1, 'ResetCDR(w) writes the record first');
  assert.equal(s.posted[0].duration, 10);
  assert.equal(cdr.get('note', false), '', 'variables cleared without v');
  s.at(15);
  cdr.fork('');
  s.at(18);
  s.bus.emit({ type: 'Hangup', channel: b, cause: 16 });
  assert.equal(s.posted.length, 3, 'the forked original and the new record');
  const [, original, forked] = s.posted;
  assert.equal(original.start, T0 + 10_000);
  assert.equal(original.end, T0 + 18_000, 'the original ends with the channel');
  assert.equal(forked.start, T0 + 15_000);
  assert.equal(forked.answer, T0 + 15_000, 'an answered channel bills the new record from the fork');
  assert.equal(forked.billsec, 3);
});
