/**
 * Dial() against a fake driver (no sockets): timeout, failure ranking across legs, first answer
 * wins, caller hangup cancels every leg. Dial() no longer ends the caller on failure: it returns
 * the outcome and the dialplan decides. Legs and the caller are SipChannels without a session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { ChannelRegistry } from '../../../src/core/channel-registry.ts';
import { HANGUP_CAUSES, type HangupCause } from '../../../src/core/hangup-causes.ts';
import { SipChannel } from '../../../src/channels/sip-channel.ts';
import type { OutboundEvents, SipDriver } from '../../../src/channels/sip-driver.ts';
import { dial, type DialOutcome } from '../../../src/apps/dial.ts';

function setup(unavailable: Record<string, HangupCause> = {}) {
  const clock = new FakeClock();
  const registry = new ChannelRegistry();
  const make = (peer: string, direction: 'inbound' | 'outbound'): SipChannel =>
    new SipChannel({ name: registry.nextName('SIP', peer), direction, peer, callerId: { number: '2000' }, context: 'default', exten: peer, clock, registry, rtpTimeoutMs: 0 });
  const caller = make('2000', 'inbound');
  caller.state = 'Ring';
  let rang = 0;
  caller.ringing = () => {
    rang++;
  };
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
  return { clock, registry, caller, legs, driver, rang: () => rang };
}

/** Lets the driver's async requests run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The outcome if the dial has settled, else undefined. */
function watch(p: Promise<DialOutcome>): () => DialOutcome | undefined {
  let out: DialOutcome | undefined;
  void p.then((o) => (out = o));
  return () => out;
}

test('no answer within the timeout: every leg is hung up, NOANSWER with cause NO_ANSWER, the caller stays for the dialplan', async () => {
  const t = setup();
  const outcome = watch(dial(t.caller, ['2001', '2002'], t.driver, { clock: t.clock, timeoutMs: 20_000 }));
  await settle();
  assert.equal(t.registry.size, 3);
  t.clock.advance(19_999);
  await settle();
  assert.equal(outcome(), undefined);
  t.clock.advance(1);
  await settle();
  assert.deepEqual(outcome(), { status: 'NOANSWER', cause: HANGUP_CAUSES.NO_ANSWER, answered: false });
  assert.equal(t.caller.ended, false, 'the dialplan decides what happens to the caller');
  assert.equal(t.caller.variables.get('DIALSTATUS'), 'NOANSWER');
  assert.equal(t.caller.variables.get('DIALEDTIME'), '20');
  assert.equal(t.registry.size, 1, 'only the caller is left');
  assert.equal(t.clock.pending(), 0);
});

test('every leg failing: busy wins over no answer; DIALSTATUS BUSY, cause USER_BUSY', async () => {
  const t = setup();
  const outcome = watch(dial(t.caller, ['2001', '2002'], t.driver, { clock: t.clock, timeoutMs: 20_000 }));
  await settle();
  t.legs.get('2001')!.leg.finish(HANGUP_CAUSES.NO_ANSWER);
  await settle();
  assert.equal(outcome(), undefined, 'one leg still rings');
  t.legs.get('2002')!.leg.finish(HANGUP_CAUSES.USER_BUSY);
  await settle();
  assert.deepEqual(outcome(), { status: 'BUSY', cause: HANGUP_CAUSES.USER_BUSY, answered: false });
  assert.equal(t.caller.variables.get('DIALSTATUS'), 'BUSY');
  assert.equal(t.caller.ended, false);
  assert.equal(t.clock.pending(), 0);
});

test('an unregistered phone: CHANUNAVAIL with cause SUBSCRIBER_ABSENT', async () => {
  const t = setup({ '2001': HANGUP_CAUSES.SUBSCRIBER_ABSENT });
  const out = await dial(t.caller, ['2001'], t.driver, { clock: t.clock, timeoutMs: 20_000 });
  assert.deepEqual(out, { status: 'CHANUNAVAIL', cause: HANGUP_CAUSES.SUBSCRIBER_ABSENT, answered: false });
  assert.equal(t.caller.variables.get('DIALSTATUS'), 'CHANUNAVAIL');
  assert.equal(t.clock.pending(), 0);
});

test('ring group: the first answer wins, the other leg is cancelled; the outcome comes when the bridged call ends', async () => {
  const t = setup();
  let bridged = '';
  const outcome = watch(dial(t.caller, ['2001', '2002'], t.driver, { clock: t.clock, timeoutMs: 20_000, onBridge: (b) => (bridged = `${b.a.name}<->${b.b.name}`) }));
  await settle();
  const { leg: l2, events } = t.legs.get('2002')!;
  l2.state = 'Up';
  t.clock.advance(3_000);
  events.onAnswered?.(l2);
  assert.equal(t.legs.get('2001')!.leg.ended, true, 'the other leg was cancelled');
  assert.equal(t.caller.variables.get('DIALSTATUS'), 'ANSWER');
  assert.equal(bridged, `${t.caller.name}<->${l2.name}`);
  assert.equal(t.caller.bridgedTo, l2.name);
  assert.equal(t.clock.pending(), 0, 'the dial timeout is cancelled');
  t.clock.advance(65_000);
  await settle();
  assert.equal(outcome(), undefined, 'still talking');
  l2.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  await settle();
  assert.equal(t.caller.cause, HANGUP_CAUSES.NORMAL_CLEARING, 'the bridge hangs up the caller');
  assert.deepEqual(outcome(), { status: 'ANSWER', answered: true });
  assert.equal(t.caller.variables.get('ANSWEREDTIME'), '65');
  assert.equal(t.caller.variables.get('DIALEDTIME'), '68');
  assert.equal(t.registry.size, 0);
});

test("option g: the callee hanging up leaves the caller up for the rest of the dialplan", async () => {
  const t = setup();
  const outcome = watch(dial(t.caller, ['2001'], t.driver, { clock: t.clock, timeoutMs: 20_000, continueOnCalleeHangup: true }));
  await settle();
  const { leg, events } = t.legs.get('2001')!;
  leg.state = 'Up';
  events.onAnswered?.(leg);
  leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  await settle();
  assert.deepEqual(outcome(), { status: 'ANSWER', answered: true });
  assert.equal(t.caller.ended, false);
  assert.equal(t.caller.bridgedTo, undefined);
});

test('the caller hanging up before an answer hangs up every leg: DIALSTATUS CANCEL', async () => {
  const t = setup();
  const outcome = watch(dial(t.caller, ['2001', '2002'], t.driver, { clock: t.clock, timeoutMs: 20_000 }));
  await settle();
  t.caller.finish(HANGUP_CAUSES.NORMAL_CLEARING);
  await settle();
  assert.deepEqual(outcome(), { status: 'CANCEL', answered: false });
  assert.equal(t.caller.variables.get('DIALSTATUS'), 'CANCEL');
  assert.equal(t.registry.size, 0);
  assert.equal(t.clock.pending(), 0);
});

test('ringback (r) rings the caller at once; without it the caller rings when a leg does', async () => {
  const a = setup();
  void dial(a.caller, ['2001'], a.driver, { clock: a.clock, timeoutMs: 20_000, ringback: true });
  assert.equal(a.rang(), 1);
  a.caller.finish(HANGUP_CAUSES.NORMAL_CLEARING);

  const b = setup();
  void dial(b.caller, ['2001'], b.driver, { clock: b.clock, timeoutMs: 20_000 });
  await settle();
  assert.equal(b.rang(), 0);
  const { leg, events } = b.legs.get('2001')!;
  events.onRinging?.(leg);
  assert.equal(b.rang(), 1);
  b.caller.finish(HANGUP_CAUSES.NORMAL_CLEARING);
});

test('without a timeout the legs ring until they give up themselves', async () => {
  const t = setup();
  const outcome = watch(dial(t.caller, ['2001'], t.driver, { clock: t.clock, timeoutMs: undefined }));
  await settle();
  assert.equal(t.clock.pending(), 0, 'no dial timer');
  t.legs.get('2001')!.leg.finish(HANGUP_CAUSES.NO_ANSWER);
  await settle();
  assert.deepEqual(outcome(), { status: 'NOANSWER', cause: HANGUP_CAUSES.NO_ANSWER, answered: false });
});
