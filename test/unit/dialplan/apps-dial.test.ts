/**
 * Dial() as a dialplan application: argument parsing (SIP/peer, SIP/peer/number, number@peer,
 * options), the dialplan continuing after a failure (n+101 on BUSY), stopping after an answered
 * call (continuing with `g`), CANCEL when the caller hangs up, inheritance to the legs. The
 * caller is a SipChannel without a session; the driver is a fake.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelRegistry } from '../../../src/core/channel-registry.ts';
import { HANGUP_CAUSES, type HangupCause } from '../../../src/core/hangup-causes.ts';
import { SipChannel } from '../../../src/channels/sip-channel.ts';
import type { OutboundEvents, SipDriver } from '../../../src/channels/sip-driver.ts';
import { runDialplan } from '../../../src/dialplan/exec/index.ts';
import { parseDialArgs } from '../../../src/dialplan/apps/dial.ts';
import { harness, settle } from './exec-fixtures.ts';

function setup(plan: string, unavailable: Record<string, HangupCause> = {}) {
  const registry = new ChannelRegistry();
  const legs = new Map<string, { leg: SipChannel; events: OutboundEvents }>();
  let h: ReturnType<typeof harness>;
  const make = (peer: string, direction: 'inbound' | 'outbound'): SipChannel =>
    new SipChannel({ name: registry.nextName('SIP', peer), direction, peer, callerId: { number: '2000', name: 'Alice' }, context: 'default', exten: peer, clock: h.clock, registry, rtpTimeoutMs: 0 });
  const requested: string[] = [];
  const driver = {
    async request(peer: string, _caller: SipChannel, events: OutboundEvents, number?: string) {
      requested.push(number === undefined ? peer : `${peer}/${number}`);
      if (unavailable[peer] !== undefined) return unavailable[peer];
      const leg = make(peer, 'outbound');
      leg.onHangup((c) => events.onEnded?.(leg, c));
      legs.set(peer, { leg, events });
      return [leg];
    },
  } as unknown as SipDriver;
  h = harness(plan, { app: { sip: () => driver } });
  const caller = make('2000', 'inbound');
  caller.state = 'Ring';
  caller.exten = '100';
  const rang: number[] = [];
  caller.ringing = () => {
    rang.push(h.clock.now());
  };
  return { h, caller, legs, requested, rang };
}

test('parsing: DAHDI/port, DAHDI/gGROUP/number and Zap/ are analog targets', () => {
  const r = parseDialArgs(['DAHDI/1&DAHDI/g1/5551212&Zap/3/555&DAHDI/x']);
  assert.deepEqual(r.targets, [
    { tech: 'DAHDI', peer: '1' },
    { tech: 'DAHDI', peer: 'g1', number: '5551212' },
    { tech: 'DAHDI', peer: '3', number: '555' },
  ]);
  assert.deepEqual(r.unsupported, ['DAHDI/x']);
});

test('parsing: & separated SIP targets, peer/number and number@peer, timeout, options; other technologies set aside', () => {
  const r = parseDialArgs(['SIP/2000&SIP/trunk/5551234&SIP/5559876@trunk2&IAX2/1', '20', 'rm(default)g']);
  assert.deepEqual(r.targets, [{ peer: '2000' }, { peer: 'trunk', number: '5551234' }, { peer: 'trunk2', number: '5559876' }]);
  assert.deepEqual(r.unsupported, ['IAX2/1']);
  assert.equal(r.timeoutMs, 20_000);
  assert.deepEqual([...r.options], [
    ['r', ''],
    ['m', 'default'],
    ['g', ''],
  ]);
  assert.equal(parseDialArgs(['SIP/2000']).timeoutMs, undefined, 'no timeout: ring until the legs give up');
});

test('no answer: the dialplan continues after Dial with DIALSTATUS NOANSWER; r rings the caller at once; _X variables reach the legs', async () => {
  const t = setup(`[default]
exten => 100,1,Set(_ONE=1)
 same => n,Set(__ALL=2)
 same => n,Dial(SIP/2001&SIP/2002,20,r)
 same => n,Set(AFTER=\${DIALSTATUS})
 same => n,Hangup()
`);
  await t.h.run(t.caller);
  assert.deepEqual(t.requested, ['2001', '2002']);
  assert.deepEqual(t.rang, [0]);
  assert.equal(t.caller.variables.get('AFTER'), 'NOANSWER');
  assert.equal(t.h.clock.now(), 20_000);
  const leg = t.legs.get('2001')!.leg;
  assert.equal(leg.variables.get('ONE'), '1');
  assert.equal(leg.variables.get('__ALL'), '2');
  assert.equal(leg.ended, true);
  assert.equal(t.h.find('Executing [100@default:3] Dial("SIP/2000-00000001", "SIP/2001&SIP/2002,20,r")').length, 1);
});

test('SIP/trunk/5551234 and 5551234@trunk pass the number to the driver', async () => {
  const t = setup(`[default]
exten => 100,1,Dial(SIP/trunk/5551234&SIP/5559876@trunk2,5)
`);
  await t.h.run(t.caller);
  assert.deepEqual(t.requested, ['trunk/5551234', 'trunk2/5559876']);
});

test('BUSY jumps to n+101 when it exists (the 1.4 habit)', async () => {
  const t = setup(`[default]
exten => 100,1,Dial(SIP/2001,20)
 same => n,Set(WHERE=next)
 same => 102,Set(WHERE=busy-\${DIALSTATUS})
`);
  const p = runDialplan(t.caller, t.h.deps);
  await settle();
  t.legs.get('2001')!.leg.finish(HANGUP_CAUSES.USER_BUSY);
  await p;
  assert.equal(t.caller.variables.get('WHERE'), 'busy-BUSY');
  assert.equal(t.caller.cause, HANGUP_CAUSES.USER_BUSY, 'then autofallthrough with DIALSTATUS BUSY');
});

test('BUSY without an n+101 priority continues at n+1; autofallthrough then answers the caller busy (486)', async () => {
  const t = setup(`[default]
exten => 100,1,Dial(SIP/2001,20)
`);
  const p = runDialplan(t.caller, t.h.deps);
  await settle();
  t.legs.get('2001')!.leg.finish(HANGUP_CAUSES.USER_BUSY);
  await p;
  assert.equal(t.caller.cause, HANGUP_CAUSES.USER_BUSY);
});

test('an answered call ends the dialplan when it is over; the h extension runs', async () => {
  const t = setup(`[default]
exten => 100,1,Dial(SIP/2001,20)
 same => n,Set(NOT=reached)
exten => h,1,Set(H=\${DIALSTATUS}/\${ANSWEREDTIME})
`);
  const p = runDialplan(t.caller, t.h.deps);
  await settle();
  const { leg, events } = t.legs.get('2001')!;
  leg.state = 'Up';
  events.onAnswered?.(leg);
  t.h.clock.advance(42_000);
  leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  await p;
  assert.equal(t.caller.variables.get('NOT'), undefined);
  assert.equal(t.caller.variables.get('H'), 'ANSWER/42');
  assert.equal(t.caller.cause, HANGUP_CAUSES.NORMAL_CLEARING);
});

test('option g: after the callee hangs up the caller continues at the next priority', async () => {
  const t = setup(`[default]
exten => 100,1,Dial(SIP/2001,20,g)
 same => n,Set(CONTINUED=\${DIALSTATUS})
 same => n,Hangup(17)
`);
  const p = runDialplan(t.caller, t.h.deps);
  await settle();
  const { leg, events } = t.legs.get('2001')!;
  leg.state = 'Up';
  events.onAnswered?.(leg);
  leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  await p;
  assert.equal(t.caller.variables.get('CONTINUED'), 'ANSWER');
  assert.equal(t.caller.cause, HANGUP_CAUSES.USER_BUSY);
});

test('the caller hanging up during Dial: DIALSTATUS CANCEL, legs hung up, h runs', async () => {
  const t = setup(`[default]
exten => 100,1,Dial(SIP/2001,20)
 same => n,Set(NOT=reached)
exten => h,1,Set(H=\${DIALSTATUS})
`);
  const p = runDialplan(t.caller, t.h.deps);
  await settle();
  t.caller.finish(HANGUP_CAUSES.NORMAL_CLEARING);
  await p;
  assert.equal(t.caller.variables.get('H'), 'CANCEL');
  assert.equal(t.legs.get('2001')!.leg.ended, true);
  assert.equal(t.caller.variables.get('NOT'), undefined);
  assert.equal(t.h.clock.pending(), 0);
});

test('an unsupported technology is warned about and gives CHANUNAVAIL; the dialplan continues', async () => {
  const t = setup(`[default]
exten => 100,1,Dial(IAX2/1,20)
 same => n,Set(AFTER=\${DIALSTATUS})
`);
  await t.h.run(t.caller);
  assert.equal(t.caller.variables.get('AFTER'), 'CHANUNAVAIL');
  assert.equal(t.h.find("Unable to create channel of type 'IAX2' (cause 66 - Channel not implemented)").length, 1);
  assert.equal(t.caller.cause, HANGUP_CAUSES.CONGESTION, 'autofallthrough on CHANUNAVAIL');
});
