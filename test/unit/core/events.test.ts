/**
 * The event bus (core/events.ts) as its consumers (AMI, CDR) see it: a channel's life is
 * Newchannel, Newstate, Hangup exactly once; a ring group is DialBegin per leg and one DialEnd per
 * leg (ANSWER for the winner, CANCEL for the rest); a bridge is BridgeEnter twice then BridgeLeave
 * twice with one id; a listener that throws is reported once and disturbs nobody.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { ChannelRegistry } from '../../../src/core/channel-registry.ts';
import { EventBus, type PbxEvent } from '../../../src/core/events.ts';
import { HANGUP_CAUSES } from '../../../src/core/hangup-causes.ts';
import { SipChannel } from '../../../src/channels/sip-channel.ts';
import type { OutboundEvents, SipDriver } from '../../../src/channels/sip-driver.ts';
import { dial } from '../../../src/apps/dial.ts';

function describe(e: PbxEvent): string {
  switch (e.type) {
    case 'Newchannel':
    case 'Newstate':
    case 'NewCallerid':
      return `${e.type} ${e.channel.name} ${e.channel.state}`;
    case 'Hangup':
      return `Hangup ${e.channel.name} ${e.cause}`;
    case 'DialBegin':
      return `DialBegin ${e.caller.name} -> ${e.destination.name} ${e.dialString}`;
    case 'DialEnd':
      return `DialEnd ${e.destination.name} ${e.dialStatus}`;
    case 'BridgeEnter':
    case 'BridgeLeave':
      return `${e.type} ${e.channel.name} ${e.numChannels}`;
    default:
      return e.type;
  }
}

function setup() {
  const clock = new FakeClock();
  const bus = new EventBus();
  const seen: string[] = [];
  bus.on((e) => seen.push(describe(e)));
  const registry = new ChannelRegistry(bus);
  const make = (peer: string, direction: 'inbound' | 'outbound'): SipChannel =>
    new SipChannel({ name: registry.nextName('SIP', peer), direction, peer, callerId: { number: '2000' }, context: 'default', exten: peer, clock, registry, rtpTimeoutMs: 0 });
  const legs = new Map<string, { leg: SipChannel; events: OutboundEvents }>();
  const driver = {
    async request(peer: string, _caller: SipChannel, events: OutboundEvents) {
      const leg = make(peer, 'outbound');
      leg.onHangup((c) => events.onEnded?.(leg, c));
      legs.set(peer, { leg, events });
      return [leg];
    },
  } as unknown as SipDriver;
  return { clock, bus, seen, registry, make, legs, driver };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a channel is Newchannel, one Newstate per real change, and Hangup once with its cause', () => {
  const t = setup();
  const ch = t.make('2000', 'inbound');
  ch.state = 'Ring';
  ch.state = 'Ring';
  ch.state = 'Up';
  ch.finish(HANGUP_CAUSES.NORMAL_CLEARING);
  ch.finish(HANGUP_CAUSES.USER_BUSY);
  assert.deepEqual(t.seen, [
    'Newchannel SIP/2000-00000001 Down',
    'Newstate SIP/2000-00000001 Ring',
    'Newstate SIP/2000-00000001 Up',
    'Hangup SIP/2000-00000001 16',
  ]);
});

test('a ring group: DialBegin per leg, DialEnd ANSWER for the winner and CANCEL for the other, then the bridge enters and leaves with one id', async () => {
  const t = setup();
  const caller = t.make('2000', 'inbound');
  caller.state = 'Ring';
  caller.answer = () => {
    caller.state = 'Up';
  };
  const bridgeIds = new Set<string>();
  t.bus.on((e) => {
    if (e.type === 'BridgeEnter' || e.type === 'BridgeLeave') bridgeIds.add(e.bridgeId);
  });
  void dial(caller, ['2001', '2002'], t.driver, { clock: t.clock, timeoutMs: 20_000 });
  await settle();
  const { leg, events } = t.legs.get('2002')!;
  leg.state = 'Up';
  events.onAnswered?.(leg);
  leg.finish(HANGUP_CAUSES.NORMAL_CLEARING);
  await settle();
  assert.deepEqual(t.seen, [
    'Newchannel SIP/2000-00000001 Down',
    'Newstate SIP/2000-00000001 Ring',
    'Newchannel SIP/2001-00000002 Down',
    'DialBegin SIP/2000-00000001 -> SIP/2001-00000002 SIP/2001',
    'Newchannel SIP/2002-00000003 Down',
    'DialBegin SIP/2000-00000001 -> SIP/2002-00000003 SIP/2002',
    'Newstate SIP/2002-00000003 Up',
    'DialEnd SIP/2002-00000003 ANSWER',
    'DialEnd SIP/2001-00000002 CANCEL',
    'Hangup SIP/2001-00000002 16',
    'Newstate SIP/2000-00000001 Up',
    'BridgeEnter SIP/2000-00000001 1',
    'BridgeEnter SIP/2002-00000003 2',
    'Hangup SIP/2002-00000003 16',
    'BridgeLeave SIP/2000-00000001 1',
    'BridgeLeave SIP/2002-00000003 0',
    'Hangup SIP/2000-00000001 16',
  ]);
  assert.equal(bridgeIds.size, 1);
});

test('a listener that throws is reported once; the emitter and the other listeners go on', () => {
  const bus = new EventBus();
  const errors: unknown[] = [];
  bus.onListenerError = (e) => errors.push(e);
  let heard = 0;
  bus.on(() => {
    throw new Error('broken consumer');
  });
  bus.on(() => heard++);
  for (let i = 0; i < 3; i++) bus.emit({ type: 'FullyBooted', status: 'Fully Booted' });
  assert.equal(heard, 3);
  assert.equal(errors.length, 1);
  assert.equal(bus.active, true);
});
