/**
 * SipDriver.request() through a provider that challenges, with a real SipStack on 127.0.0.1 and
 * a UDP socket playing the provider's outbound proxy: the INVITE carries the proxy as a Route
 * (outboundproxy) and the trunk's DNS name in the Request-URI (located through the `locate`
 * seam); a 407 is answered once with Proxy-Authorization for authuser; a second 407 to our
 * answer (refused credentials) ends the leg with CALL_REJECTED, as a 403 would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { SipPeer } from '../../../src/config/index.ts';
import { HANGUP_CAUSES, type HangupCause } from '../../../src/core/hangup-causes.ts';
import type { SipStack } from '../../../src/sip/stack.ts';
import type { SipDriver } from '../../../src/channels/sip-driver.ts';
import type { Endpoint } from '../../../src/sip/transport/types.ts';
import { callerChannel, header, legEnded, startDriver, UdpPeer } from './sip-driver-fixtures.ts';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

const proxy = new UdpPeer();
let stack: SipStack;
let driver: SipDriver;
const located: string[] = [];

before(async () => {
  await proxy.open();
  ({ stack, driver } = await startDriver(
    [
      '[provider]', 'type=peer', 'host=sip.provider.example', 'defaultuser=ignored-for-auth', 'authuser=acct77', 'secret=pw77',
      'fromuser=0612345678', `outboundproxy=127.0.0.1:${proxy.port}`, '',
    ].join('\n'),
    [35200, 35300],
    {
      // The DNS seam: only the proxy's address literal is located here.
      locate: async (peer: SipPeer): Promise<Endpoint[]> => {
        located.push(`${peer.host}:${peer.port ?? ''}`);
        return peer.host === '127.0.0.1' ? [{ protocol: 'UDP', address: '127.0.0.1', port: peer.port ?? 5060 }] : [];
      },
    },
  ));
});

after(async () => {
  await stack?.close();
  proxy.close();
});

const reply = (invite: string, status: string, extra: string[]): void => proxy.reply(stack.local.port, invite, status, extra);

test('outboundproxy: Route to the proxy; 407 answered once with authuser; a refused answer ends the leg CALL_REJECTED', async () => {
  const ended: HangupCause[] = [];
  const legs = await driver.request('provider', callerChannel(driver, '0123456789'), { onEnded: (_l, cause) => ended.push(cause) }, '0123456789');
  assert.ok(Array.isArray(legs) && legs.length === 1);
  assert.deepEqual(located, [`127.0.0.1:${proxy.port}`], 'the next hop is the proxy, not the trunk name');
  const first = await proxy.next();
  assert.equal(first.split('\r\n')[0], 'INVITE sip:0123456789@sip.provider.example SIP/2.0');
  assert.equal(header(first, 'Route'), `<sip:127.0.0.1:${proxy.port};lr>`);
  assert.match(header(first, 'From'), /^"Alice" <sip:0612345678@/);
  assert.equal(header(first, 'Proxy-Authorization'), '');
  reply(first, '407 Proxy Authentication Required', ['Proxy-Authenticate: Digest realm="prov", nonce="n-1", qop="auth"']);
  assert.match(await proxy.next(), /^ACK /);
  const second = await proxy.next();
  assert.match(second, /^INVITE /);
  assert.equal(header(second, 'CSeq'), '2 INVITE');
  assert.equal(header(second, 'Route'), `<sip:127.0.0.1:${proxy.port};lr>`, 'the resent INVITE keeps its Route');
  const auth = header(second, 'Proxy-Authorization');
  const p = Object.fromEntries([...auth.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)].map((m) => [m[1], m[2] ?? m[3]]));
  assert.equal(p.username, 'acct77');
  assert.equal(p.uri, 'sip:0123456789@sip.provider.example');
  const ha1 = md5('acct77:prov:pw77');
  assert.equal(p.response, md5(`${ha1}:n-1:${p.nc}:${p.cnonce}:auth:${md5('INVITE:sip:0123456789@sip.provider.example')}`));
  // The provider refuses the answer (a new nonce, not stale): no third INVITE.
  reply(second, '407 Proxy Authentication Required', ['Proxy-Authenticate: Digest realm="prov", nonce="n-2", qop="auth"']);
  assert.match(await proxy.next(), /^ACK /);
  await legEnded(ended);
  assert.deepEqual(ended, [HANGUP_CAUSES.CALL_REJECTED]);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(proxy.inbox.filter((m) => m.startsWith('INVITE ')).length, 0, 'nothing resent');
});
