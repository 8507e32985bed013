import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelRegistry } from '../../../src/core/channel-registry.ts';
import { SipChannel } from '../../../src/channels/sip-channel.ts';
import { HANGUP_CAUSES } from '../../../src/core/hangup-causes.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';

function channel(reg: ChannelRegistry, peer: string): SipChannel {
  return new SipChannel({
    name: reg.nextName('SIP', peer),
    direction: 'outbound',
    peer,
    callerId: { number: '2000' },
    context: 'default',
    exten: peer,
    clock: new FakeClock(),
    registry: reg,
    rtpTimeoutMs: 0,
  });
}

test('names are Asterisk-style and unique: SIP/PEER-8 hex digits, counting up', () => {
  const reg = new ChannelRegistry();
  assert.equal(reg.nextName('SIP', '2000'), 'SIP/2000-00000001');
  assert.equal(reg.nextName('SIP', '2001'), 'SIP/2001-00000002');
  const a = channel(reg, '2000');
  assert.equal(a.name, 'SIP/2000-00000003');
  assert.equal(reg.get(a.name), a);
});

test('a hung-up channel leaves the registry and tells its listeners once, with the cause', () => {
  const reg = new ChannelRegistry();
  const a = channel(reg, '2000');
  const b = channel(reg, '2001');
  assert.equal(reg.size, 2);
  const heard: number[] = [];
  a.onHangup((c) => heard.push(c));
  a.hangup(HANGUP_CAUSES.USER_BUSY);
  a.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  assert.deepEqual(heard, [17]);
  assert.deepEqual(reg.list(), [b]);
  let late: number | undefined;
  a.onHangup((c) => (late = c));
  assert.equal(late, 17, 'a listener added after the hangup still hears it');
});
