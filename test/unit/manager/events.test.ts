/**
 * Bus events as manager events: Asterisk 13+ field names and order of the channel block, `Dest`
 * prefixes for a Dial's callee, DialString without the technology, Cause-txt, and the events
 * nobody else formats (MessageWaiting, Registry, DTMFEnd, NewCallerid).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventChannel } from '../../../src/core/events.ts';
import { toAmiEvent } from '../../../src/manager/events.ts';

function ch(name: string, state: EventChannel['state'] = 'Up'): EventChannel {
  return { name, uniqueId: `u-${name}`, tech: 'SIP', state, callerId: {}, context: 'phones', exten: '2001', priority: 2, application: 'Dial', appData: 'SIP/2001', variables: new Map() };
}

const get = (fields: readonly (readonly [string, string])[], k: string): string | undefined => fields.find(([n]) => n === k)?.[1];

test('the channel block, in Asterisk order, with <unknown> for an empty caller ID', () => {
  const e = toAmiEvent({ type: 'Newstate', channel: ch('SIP/2000-00000001', 'Ringing') });
  assert.deepEqual(
    e.fields.map(([k]) => k),
    ['Channel', 'ChannelState', 'ChannelStateDesc', 'CallerIDNum', 'CallerIDName', 'ConnectedLineNum', 'ConnectedLineName', 'Language', 'AccountCode', 'Context', 'Exten', 'Priority', 'Uniqueid', 'Linkedid'],
  );
  assert.equal(get(e.fields, 'ChannelState'), '5');
  assert.equal(get(e.fields, 'CallerIDNum'), '<unknown>');
});

test('DialBegin: the callee with Dest before each name, DialString without the technology', () => {
  const e = toAmiEvent({ type: 'DialBegin', caller: ch('SIP/2000-00000001'), destination: ch('SIP/2001-00000002', 'Down'), dialString: 'SIP/2001' });
  assert.equal(get(e.fields, 'Channel'), 'SIP/2000-00000001');
  assert.equal(get(e.fields, 'DestChannel'), 'SIP/2001-00000002');
  assert.equal(get(e.fields, 'DestChannelState'), '0');
  assert.equal(get(e.fields, 'DialString'), '2001');
});

test('Hangup carries the Q.850 cause and its text', () => {
  const e = toAmiEvent({ type: 'Hangup', channel: ch('SIP/2000-00000001'), cause: 17 });
  assert.equal(get(e.fields, 'Cause'), '17');
  assert.equal(get(e.fields, 'Cause-txt'), 'User busy');
});

test('Newexten reports the priority about to run', () => {
  const e = toAmiEvent({ type: 'Newexten', channel: ch('SIP/2000-00000001'), context: 'ivr', exten: 's', priority: 3, application: 'Playback', appData: 'hello' });
  assert.equal(get(e.fields, 'Context'), 'ivr');
  assert.equal(get(e.fields, 'Priority'), '3');
  assert.equal(get(e.fields, 'Application'), 'Playback');
  assert.equal(get(e.fields, 'AppData'), 'hello');
});

test('MessageWaiting, Registry, DTMFEnd, NewCallerid', () => {
  assert.deepEqual(toAmiEvent({ type: 'MessageWaiting', mailbox: '2000@default', waiting: true, newMessages: 2, oldMessages: 1 }).fields, [
    ['Mailbox', '2000@default'],
    ['Waiting', '1'],
    ['New', '2'],
    ['Old', '1'],
  ]);
  const r = toAmiEvent({ type: 'Registry', domain: 'sip.example.net', username: 'acct', status: 'Registered' });
  assert.equal(get(r.fields, 'Domain'), 'sip.example.net');
  assert.equal(get(r.fields, 'Status'), 'Registered');
  const d = toAmiEvent({ type: 'DTMFEnd', channel: ch('SIP/2000-00000001'), digit: '5', direction: 'Received', durationMs: 120 });
  assert.equal(get(d.fields, 'Digit'), '5');
  assert.equal(get(d.fields, 'DurationMs'), '120');
  const c = toAmiEvent({ type: 'NewCallerid', channel: { ...ch('SIP/2000-00000001'), callerId: { number: '5551234', presentation: 'prohib' } } });
  assert.equal(get(c.fields, 'CallerIDNum'), '5551234');
  assert.equal(get(c.fields, 'CID-CallingPres'), '35 (Presentation Prohibited, Network Number)');
});
