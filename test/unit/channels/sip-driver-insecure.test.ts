/**
 * A provider's calls (sip.conf insecure=invite), with a real SipStack on 127.0.0.1 and UDP
 * sockets playing the provider and a stranger: an INVITE from the peer's host and port is taken
 * without a challenge into the peer's context at the Request-URI user, or at `s` when that user
 * is not in the dialplan; the caller ID is the provider's From. The same INVITE from another port
 * of the same host (no insecure=port) is challenged as any other caller.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../../src/platform/clock.ts';
import { HANGUP_CAUSES } from '../../../src/core/hangup-causes.ts';
import type { SipStack } from '../../../src/sip/stack.ts';
import type { SipChannel } from '../../../src/channels/sip-channel.ts';
import type { SipDriver } from '../../../src/channels/sip-driver.ts';
import { DigestAuthenticator } from '../../../src/sip/auth/digest.ts';
import { AuthBanList } from '../../../src/sip/auth/ban.ts';
import { startDriver, UdpPeer } from './sip-driver-fixtures.ts';

const provider = new UdpPeer();
const stranger = new UdpPeer();
let stack: SipStack;
let driver: SipDriver;
const routed: SipChannel[] = [];

before(async () => {
  await provider.open();
  await stranger.open();
  ({ stack, driver } = await startDriver(
    ['[provider]', 'type=peer', 'host=127.0.0.1', `port=${provider.port}`, 'insecure=invite', 'secret=pw', 'context=from-provider', ''].join('\n'),
    [35400, 35500],
    {
      auth: new DigestAuthenticator({ realm: 'pbx', clock: systemClock, algorithms: ['MD5'] }),
      bans: new AuthBanList({ clock: systemClock, threshold: 10, windowMs: 60_000, banMs: 60_000 }),
      exists: (context, exten) => context === 'from-provider' && (exten === '4420' || exten === 's'),
      route: (ch) => routed.push(ch),
    },
  ));
  stack.handle('INVITE', (tx, req, source) => driver.handleInvite(tx, req, source));
});

after(async () => {
  for (const ch of driver.channels.list()) ch.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  await new Promise((r) => setTimeout(r, 50));
  await stack?.close();
  provider.close();
  stranger.close();
});

function invite(from: UdpPeer, user: string): string {
  const callId = randomBytes(6).toString('hex');
  const body = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
  const msg = [
    `INVITE sip:${user}@127.0.0.1:${stack.local.port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${from.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    'Max-Forwards: 69',
    `From: "Public" <sip:0612345678@provider.example>;tag=${randomBytes(3).toString('hex')}`,
    `To: <sip:${user}@127.0.0.1>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:0612345678@127.0.0.1:${from.port}>`,
    'Content-Type: application/sdp',
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
  from.sock.send(msg, stack.local.port, '127.0.0.1');
  return callId;
}

async function routedCall(callId: string): Promise<SipChannel> {
  for (let i = 0; i < 300; i++) {
    const ch = routed.find((c) => c.callId === callId);
    if (ch) return ch;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the call did not reach the dialplan');
}

test('from the provider\'s address: no challenge, its context at the Request-URI user, its From as caller ID', async () => {
  const ch = await routedCall(invite(provider, '4420'));
  assert.equal(ch.peer, 'provider');
  assert.equal(ch.context, 'from-provider');
  assert.equal(ch.exten, '4420');
  assert.equal(ch.callerId.number, '0612345678');
  assert.equal(ch.callerId.name, 'Public');
  assert.ok(!provider.inbox.some((m) => /^SIP\/2\.0 40[17]/.test(m)), 'never challenged');
});

test('a Request-URI user not in the dialplan starts at s', async () => {
  const ch = await routedCall(invite(provider, 'pbxacct'));
  assert.equal(ch.exten, 's');
});

test('the same host from another port (no insecure=port) is challenged', async () => {
  const res = await stranger.final(invite(stranger, '4420'));
  assert.match(res, /^SIP\/2\.0 401 /);
});
