/**
 * SipDriver.request() towards a peer with a static host (a trunk), with a real SipStack on
 * 127.0.0.1 and a UDP socket playing the provider: `Dial(SIP/trunk/5551234)` puts the number in
 * the Request-URI and To, From carries fromuser/fromdomain, Max-Forwards is one less than the
 * caller's, and the provider's final response ends the leg with the matching cause.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HANGUP_CAUSES, type HangupCause } from '../../../src/core/hangup-causes.ts';
import type { SipStack } from '../../../src/sip/stack.ts';
import type { SipDriver } from '../../../src/channels/sip-driver.ts';
import type { SipChannel } from '../../../src/channels/sip-channel.ts';
import { callerChannel, header, legEnded, startDriver, UdpPeer } from './sip-driver-fixtures.ts';

const provider = new UdpPeer();
let stack: SipStack;
let driver: SipDriver;

before(async () => {
  await provider.open();
  ({ stack, driver } = await startDriver(
    [
      '[trunk]', 'type=peer', 'host=127.0.0.1', `port=${provider.port}`, 'fromuser=0612345678', 'fromdomain=voip.example.net', '',
      '[plain]', 'type=peer', 'host=127.0.0.1', `port=${provider.port}`, '',
    ].join('\n'),
    [35000, 35100],
  ));
});

after(async () => {
  await stack?.close();
  provider.close();
});

const caller = (maxForwards: number, presentation?: string): SipChannel => callerChannel(driver, '5551234', maxForwards, presentation);
const reply = (invite: string, status: string): void => provider.reply(stack.local.port, invite, status);

test('Dial(SIP/trunk/5551234): the number is the Request-URI and To user; busy ends the leg with USER_BUSY', async () => {
  const ended: HangupCause[] = [];
  const legs = await driver.request('trunk', caller(12), { onEnded: (_l, cause) => ended.push(cause) }, '5551234');
  assert.ok(Array.isArray(legs) && legs.length === 1);
  const invite = await provider.next();
  assert.equal(invite.split('\r\n')[0], `INVITE sip:5551234@127.0.0.1:${provider.port} SIP/2.0`);
  assert.equal(header(invite, 'To'), `<sip:5551234@127.0.0.1:${provider.port}>`);
  assert.match(header(invite, 'From'), /^"Alice" <sip:0612345678@voip\.example\.net>;tag=/);
  assert.equal(header(invite, 'Max-Forwards'), '11');
  assert.equal(legs[0]!.exten, '5551234');
  reply(invite, '486 Busy Here');
  await legEnded(ended);
  assert.deepEqual(ended, [HANGUP_CAUSES.USER_BUSY]);
  assert.match(await provider.next(), /^ACK sip:5551234@/);
});

for (const presentation of ['prohib', 'unavailable']) {
  test(`a caller presented ${presentation} is sent as "Anonymous" <sip:anonymous@anonymous.invalid> (chan_sip)`, async () => {
    const ended: HangupCause[] = [];
    const legs = await driver.request('plain', caller(70, presentation), { onEnded: (_l, cause) => ended.push(cause) }, '5551234');
    assert.ok(Array.isArray(legs) && legs.length === 1);
    const invite = await provider.next();
    assert.match(header(invite, 'From'), /^"Anonymous" <sip:anonymous@anonymous\.invalid>;tag=/);
    assert.doesNotMatch(invite, /Alice|sip:2000@/);
    reply(invite, '404 Not Found');
    await legEnded(ended);
    await provider.next();
  });
}

test('Dial(SIP/plain) without a number: Request-URI is the bare host (no defaultuser), From is the caller ID', async () => {
  const ended: HangupCause[] = [];
  const legs = await driver.request('plain', caller(70), { onEnded: (_l, cause) => ended.push(cause) });
  assert.ok(Array.isArray(legs) && legs.length === 1);
  const invite = await provider.next();
  assert.equal(invite.split('\r\n')[0], `INVITE sip:127.0.0.1:${provider.port} SIP/2.0`);
  assert.match(header(invite, 'From'), /^"Alice" <sip:2000@127\.0\.0\.1:\d+>;tag=/);
  assert.equal(header(invite, 'Max-Forwards'), '69');
  reply(invite, '404 Not Found');
  await legEnded(ended);
  assert.deepEqual(ended, [HANGUP_CAUSES.UNALLOCATED]);
  await provider.next();
});

test('an unknown peer is UNALLOCATED without sending anything', async () => {
  assert.equal(await driver.request('nobody', caller(70), {}, '1'), HANGUP_CAUSES.UNALLOCATED);
});
