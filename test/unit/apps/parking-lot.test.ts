/**
 * The parking lot on a fake clock with stand-in channels: first free space, the space said to the
 * parked channel (or to the transferer) before its music starts, a full lot, hangup frees the
 * space, retrieval stops the music and the timer, `parkingtime` ends the stay, and `parkedcalls
 * show` in res_features' layout. Also the pickup registry and the call/pickup groups.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { ParkingLot, deviceOfChannel, type ParkEnd } from '../../../src/apps/parking/parking-lot.ts';
import { transferParking } from '../../../src/apps/parking/service.ts';
import { DEFAULT_FEATURES, type FeaturesConfig } from '../../../src/config/features-model.ts';
import { formatParkedCalls } from '../../../src/cli/commands/parking.ts';
import { PickupRegistry, inPickupGroup, configCallGroups } from '../../../src/apps/pickup.ts';
import { SipChannel } from '../../../src/channels/sip-channel.ts';
import { loadConfig } from '../../../src/config/index.ts';
import type { DialChannel } from '../../../src/apps/dial.ts';
import type { HangupCause } from '../../../src/core/hangup-causes.ts';

function channel(name: string): DialChannel & { hangUp(): void; sent: number } {
  const hangups: ((c: HangupCause) => void)[] = [];
  const ch = {
    name,
    context: 'phones',
    exten: '700',
    priority: 1,
    language: 'en',
    format: 'ulaw',
    state: 'Up',
    ended: false,
    sent: 0,
    variables: new Map<string, string>(),
    media: { format: 'ulaw', send: () => void ch.sent++ },
    onHangup: (cb: (c: HangupCause) => void) => void hangups.push(cb),
    hangUp() {
      ch.ended = true;
      for (const h of hangups) h(16 as HangupCause);
    },
  };
  return ch as unknown as DialChannel & { hangUp(): void; sent: number };
}

function lot(features: Partial<FeaturesConfig> = {}) {
  const clock = new FakeClock();
  const said: string[] = [];
  let listening = 0;
  const f = { ...DEFAULT_FEATURES, parkpos: { first: 701, last: 702 }, parkingtime: 10, ...features };
  const l = new ParkingLot({
    features: () => f,
    clock,
    play: async (to, prompts) => void said.push(`${to.name}: ${prompts.join(' ')} (music ${listening})`),
    music: () => (_format, send) => {
      listening++;
      send({ format: 'ulaw', timestamp: 0, data: new Uint8Array(160) });
      return () => void listening--;
    },
  });
  return { l, clock, said, listening: () => listening };
}

test('parks on the first free space, says it to the parked channel, then plays music; a full lot answers undefined', async () => {
  const { l, said, listening } = lot();
  const a = channel('SIP/2000-00000001');
  const b = channel('SIP/2001-00000002');
  assert.equal(await l.park(a, {}), 701);
  assert.equal(await l.park(b, {}), 702);
  assert.deepEqual(said, ['SIP/2000-00000001: digits/7 digits/0 digits/1 (music 0)', 'SIP/2001-00000002: digits/7 digits/0 digits/2 (music 1)']);
  assert.equal(listening(), 2);
  assert.equal(a.variables.get('PARKINGSLOT'), '701');
  assert.equal(await l.park(channel('SIP/2002-00000003'), {}), undefined);
  assert.ok(l.isParkExten('700'));
  assert.ok(!l.isParkExten('701'));
});

test('a transfer: the transferer hears the space while the parked party already hears music', async () => {
  const { l, said } = lot();
  const parked = channel('SIP/2000-00000001');
  const transferer = channel('SIP/2001-00000002');
  let held = 0;
  const service = transferParking(l, () => void held++);
  assert.equal(await service.park(parked, { parkerName: transferer.name, announceTo: transferer }), 701);
  assert.deepEqual(said, ['SIP/2001-00000002: digits/7 digits/0 digits/1 (music 1)']);
  assert.equal(held, 1, 'the parked channel was sent to Park()');
  assert.equal(l.list()[0]!.parker, 'SIP/2001-00000002');
});

test('hangup frees the space; retrieve hands the channel over and stops music and timer; timeout ends the stay', async () => {
  const { l, clock, listening } = lot();
  const a = channel('SIP/2000-00000001');
  await l.park(a, {});
  const left = l.left(a)!;
  a.hangUp();
  assert.deepEqual(await left, { kind: 'hangup' });
  assert.equal(l.list().length, 0);
  assert.equal(listening(), 0);

  const b = channel('SIP/2001-00000002');
  await l.park(b, {});
  const bLeft = l.left(b)!;
  const retriever = channel('SIP/2002-00000003');
  let connected: DialChannel | undefined;
  assert.equal(l.retrieve(702, retriever, () => Promise.resolve('hangup')), undefined, 'an empty space');
  assert.ok(l.retrieve(701, retriever, (p) => ((connected = p), Promise.resolve('hangup'))));
  assert.equal(connected, b);
  const end: ParkEnd = await bLeft;
  assert.equal(end.kind, 'retrieved');
  assert.equal(listening(), 0);
  assert.equal(clock.pending(), 0, 'the parking timer was cancelled');

  const c = channel('SIP/2002-00000004');
  await l.park(c, { timeoutMs: 5000 });
  const cLeft = l.left(c)!;
  clock.advance(4999);
  assert.equal(l.list().length, 1);
  clock.advance(1);
  assert.deepEqual(await cLeft, { kind: 'timeout' });
  assert.equal(l.list().length, 0);
});

test('parkedcalls show: res_features columns and the count', async () => {
  const { l, clock } = lot();
  await l.park(channel('SIP/2000-00000001'), {});
  clock.advance(3000);
  assert.equal(
    formatParkedCalls(l, clock.now()),
    [' Num                   Channel (Context         Extension    Pri ) Timeout ', '701                SIP/2000-00000001 (phones          700          1   )      7s', '1 parked call.'].join('\n'),
  );
  assert.equal(formatParkedCalls(undefined, 0).split('\n')[1], '0 parked calls.');
});

test('deviceOfChannel strips the call suffix', () => {
  assert.equal(deviceOfChannel('SIP/2000-0000000a'), 'SIP/2000');
  assert.equal(deviceOfChannel('DAHDI/1-1'), 'DAHDI/1');
  assert.equal(deviceOfChannel('SIP/trunk-a-00000001'), 'SIP/trunk-a');
});

test('pickup registry: only legs the picker may take; take() is asked once and the leg goes away', () => {
  const reg = new PickupRegistry();
  const caller = channel('SIP/2000-00000001');
  const leg = channel('SIP/3001-00000002');
  const picker = channel('SIP/3000-00000003');
  let taken: DialChannel | undefined;
  const off = reg.ringing({ caller, leg, exten: '3001', context: 'phones', take: (p) => ((taken = p), Promise.resolve('hangup')) });
  assert.equal(reg.pickup(picker, () => false), undefined);
  assert.equal(reg.pickup(caller, () => true), undefined, 'the caller cannot pick up its own call');
  assert.ok(reg.pickup(picker, (r) => r.exten === '3001'));
  assert.equal(taken, picker);
  off();
  assert.equal(reg.list().length, 0);
});

test('call groups: sip.conf callgroup/pickupgroup, chan_dahdi.conf for FXS ports, pbx.conf phones in group 1', () => {
  const r = loadConfig({
    files: {
      'pbx.conf': '[system]\nsip = 127.0.0.1:5060\n\n[phones]\n2000 = amber-kettle-42, Alice\n',
      'sip.conf': '[general]\n[3000]\ntype=friend\nhost=dynamic\nsecret=Pick-3000-x\ncallgroup=1,3\npickupgroup=2\n',
      'chan_dahdi.conf': '[channels]\nsignalling=fxo_ks\ncallgroup=2\npickupgroup=1-2\nchannel => 1\n',
    },
  });
  assert.deepEqual(r.errors.map((e) => e.reason), []);
  const config = r.config!;
  assert.deepEqual(config.analog?.ports.find((p) => p.port === 1)?.callGroups, [2]);
  assert.deepEqual(config.analog?.ports.find((p) => p.port === 1)?.pickupGroups, [1, 2]);
  const groups = configCallGroups(() => config);
  const sip = (peer: string): DialChannel => Object.assign(Object.create(SipChannel.prototype) as SipChannel, { peer });
  const dahdi = { port: 1 } as unknown as DialChannel;
  assert.deepEqual(groups.callgroups(sip('3000')), [1, 3]);
  assert.deepEqual(groups.pickupgroups(sip('2000')), [1]);
  assert.deepEqual(groups.callgroups(dahdi), [2]);
  assert.ok(inPickupGroup(groups, dahdi, sip('3000')), 'pickupgroup 1-2 meets callgroup 1,3');
  assert.ok(inPickupGroup(groups, sip('3000'), dahdi), 'pickupgroup 2 meets callgroup 2');
  assert.ok(!inPickupGroup(groups, sip('3000'), sip('2000')), 'pickupgroup 2 does not meet the office group 1');
});

test('call groups: a pbx.conf [analog] phone port is in the office group 1 like the pbx.conf phones', () => {
  const r = loadConfig({ files: { 'pbx.conf': '[system]\nsip = 127.0.0.1:5060\n\n[analog]\nbackend = sim\nfxs = 1\n1 = 2100\n' } });
  assert.deepEqual(r.errors.map((e) => e.reason), []);
  const groups = configCallGroups(() => r.config!);
  const port1 = { port: 1 } as unknown as DialChannel;
  assert.deepEqual(groups.callgroups(port1), [1]);
  assert.deepEqual(groups.pickupgroups(port1), [1]);
  assert.deepEqual(groups.callgroups({ port: 9 } as unknown as DialChannel), []);
});
