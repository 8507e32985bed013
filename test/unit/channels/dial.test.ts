/**
 * Dial() against a fake driver (no sockets): timeout, failure ranking across legs, first answer
 * wins, caller hangup cancels every leg. Legs and the caller are SipChannels without a session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { ChannelRegistry } from '../../../src/core/channel-registry.ts';
import { HANGUP_CAUSES, type HangupCause } from '../../../src/core/hangup-causes.ts';
import { SipChannel } from '../../../src/channels/sip-channel.ts';
import type { OutboundEvents, SipDriver } from '../../../src/channels/sip-driver.ts';
import { dial } from '../../../src/apps/dial.ts';

function setup(unavailable: Record<string, HangupCause> = {}) {
  const clock = new FakeClock();
  const registry = new ChannelRegistry();
  const make = (peer: string, direction: 'inbound' | 'outbound'): SipChannel =>
    new SipChannel({ name: registry.nextName('SIP', peer), direction, peer, callerId: { number: '2000' }, context: 'default', exten: peer, clock, registry, rtpTimeoutMs: 0 });
  const caller = make('2000', 'inbound');
  caller.state = 'Ring';
  const legs = new Map<string, { leg: SipChannel; events: OutboundEvents }>();
  const driver = {
    async request(peer: string, _caller: SipChannel, events: OutboundEvents) {
      if (unavailable[peer] !== undefined) return unavailable[peer];
      const leg = make(peer, 'outbound');
      leg.onHangup((c) => events.onEnded?.(leg, c));
      legs.set(peer, { leg, events });
      return [leg];
    },
  } as unknown as SipDriver;
  return { clock, registry, caller, legs, driver };
}

test('no answer within the timeout: every leg is hung up and the caller ends with NO_ANSWER (480)', async () => {
  const t = setup();
  await dial(t.caller, ['2001', '2002'], t.driver, { clock: t.clock, timeoutMs: 20_000 });
  assert.equal(t.registry.size, 3);
  t.clock.advance(19_999);
  assert.equal(t.caller.ended, false);
  t.clock.advance(1);
  assert.equal(t.caller.cause, HANGUP_CAUSES.NO_ANSWER);
  assert.equal(t.caller.variables.get('DIALSTATUS'), 'NOANSWER');
  assert.equal(t.caller.variables.get('DIALEDTIME'), '20');
  assert.equal(t.registry.size, 0);
  assert.equal(t.clock.pending(), 0);
});

test('every leg failing: busy wins over no answer; DIALSTATUS BUSY', async () => {
  const t = setup();
  await dial(t.caller, ['2001', '2002'], t.driver, { clock: t.clock, timeoutMs: 20_000 });
  t.legs.get('2001')!.leg.finish(HANGUP_CAUSES.NO_ANSWER);
  assert.equal(t.caller.ended, false, 'one leg still rings');
  t.legs.get('2002')!.leg.finish(HANGUP_CAUSES.USER_BUSY);
  assert.equal(t.caller.cause, HANGUP_CAUSES.USER_BUSY);
  assert.equal(t.caller.variables.get('DIALSTATUS'), 'BUSY');
  assert.equal(t.clock.pending(), 0);
});

test('an unregistered phone: CHANUNAVAIL, the caller ends with SUBSCRIBER_ABSENT (480)', async () => {
  const t = setup({ '2001': HANGUP_CAUSES.SUBSCRIBER_ABSENT });
  await dial(t.caller, ['2001'], t.driver, { clock: t.clock, timeoutMs: 20_000 });
  assert.equal(t.caller.cause, HANGUP_CAUSES.SUBSCRIBER_ABSENT);
  assert.equal(t.caller.variables.get('DIALSTATUS'), 'CHANUNAVAIL');
  assert.equal(t.clock.pending(), 0);
});

test('ring group: the first answer wins, the other leg is hung up, the caller is bridged and answered', async () => {
  const t = setup();
  let bridged = '';
  await dial(t.caller, ['2001', '2002'], t.driver, { clock: t.clock, timeoutMs: 20_000, onBridge: (b) => (bridged = `${b.a.name}<->${b.b.name}`) });
  const { leg: l2, events } = t.legs.get('2002')!;
  l2.state = 'Up';
  events.onAnswered?.(l2);
  assert.equal(t.legs.get('2001')!.leg.ended, true, 'the other leg was cancelled');
  assert.equal(t.caller.variables.get('DIALSTATUS'), 'ANSWER');
  assert.equal(bridged, `${t.caller.name}<->${l2.name}`);
  assert.equal(t.caller.bridgedTo, l2.name);
  assert.equal(t.clock.pending(), 0, 'the dial timeout is cancelled');
  l2.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  assert.equal(t.caller.cause, HANGUP_CAUSES.NORMAL_CLEARING, 'the bridge hangs up the caller');
  assert.equal(t.registry.size, 0);
});

test('the caller hanging up before an answer hangs up every leg: DIALSTATUS CANCEL', async () => {
  const t = setup();
  await dial(t.caller, ['2001', '2002'], t.driver, { clock: t.clock, timeoutMs: 20_000 });
  t.caller.finish(HANGUP_CAUSES.NORMAL_CLEARING);
  assert.equal(t.caller.variables.get('DIALSTATUS'), 'CANCEL');
  assert.equal(t.registry.size, 0);
  assert.equal(t.clock.pending(), 0);
});
