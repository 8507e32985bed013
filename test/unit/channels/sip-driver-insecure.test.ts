/**
 * A provider's calls (sip.conf insecure=invite), with a real SipStack on 127.0.0.1 and UDP
 * sockets playing the provider and a stranger: an INVITE from the peer's host and port is taken
 * without a challenge into the peer's context at the Request-URI user, or at `s` when that user
 * is not in the dialplan; the caller ID is the provider's From. The same INVITE from another port
 * of the same host (no insecure=port) is challenged as any other caller.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../../src/platform/clock.ts';
import { loadConfig, type PbxConfig } from '../../../src/config/index.ts';
import { SipStack } from '../../../src/sip/stack.ts';
import { PortAllocator } from '../../../src/rtp/ports.ts';
import { ChannelRegistry } from '../../../src/core/channel-registry.ts';
import { HANGUP_CAUSES } from '../../../src/core/hangup-causes.ts';
import type { SipChannel } from '../../../src/channels/sip-channel.ts';
import { SipDriver } from '../../../src/channels/sip-driver.ts';
import type { Registrar } from '../../../src/sip/registrar/registrar.ts';
import { DigestAuthenticator } from '../../../src/sip/auth/digest.ts';
import { AuthBanList } from '../../../src/sip/auth/ban.ts';
import type { Logger } from '../../../src/log/index.ts';

const quiet = { error() {}, warning() {}, notice() {}, verbose() {}, debug() {} } as unknown as Logger;

class Peer {
  readonly sock: Socket = createSocket('udp4');
  readonly inbox: string[] = [];
  port = 0;
  async open(): Promise<void> {
    this.sock.on('message', (m) => this.inbox.push(m.toString('latin1')));
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    this.port = this.sock.address().port;
  }
  async final(callId: string): Promise<string> {
    for (let i = 0; i < 300; i++) {
      const m = this.inbox.find((x) => x.includes(`Call-ID: ${callId}`) && /^SIP\/2\.0 [2-6]\d\d/.test(x));
      if (m) return m;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no final response');
  }
}

const provider = new Peer();
const stranger = new Peer();
let stack: SipStack;
let driver: SipDriver;
const routed: SipChannel[] = [];

before(async () => {
  await provider.open();
  await stranger.open();
  const loaded = loadConfig({
    files: {
      'pbx.conf': '[system]\nsip = 127.0.0.1:5999\nrtp = 35400-35500\n',
      'sip.conf': ['[provider]', 'type=peer', 'host=127.0.0.1', `port=${provider.port}`, 'insecure=invite', 'secret=pw', 'context=from-provider', ''].join('\n'),
    },
  });
  assert.ok(loaded.config, JSON.stringify(loaded.errors));
  const config: PbxConfig = loaded.config;
  stack = await SipStack.start({ clock: systemClock, log: quiet, host: '127.0.0.1', port: 0, userAgent: 'test' });
  driver = new SipDriver({
    clock: systemClock,
    config: () => config,
    stack,
    registrar: {} as unknown as Registrar,
    auth: new DigestAuthenticator({ realm: 'pbx', clock: systemClock, algorithms: ['MD5'] }),
    bans: new AuthBanList({ clock: systemClock, threshold: 10, windowMs: 60_000, banMs: 60_000 }),
    ports: new PortAllocator(35400, 35500),
    log: quiet,
    channels: new ChannelRegistry(),
    exists: (context, exten) => context === 'from-provider' && (exten === '4420' || exten === 's'),
    route: (ch) => routed.push(ch),
  });
  stack.handle('INVITE', (tx, req, source) => driver.handleInvite(tx, req, source));
});

after(async () => {
  for (const ch of driver.channels.list()) ch.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  await new Promise((r) => setTimeout(r, 50));
  await stack?.close();
  provider.sock.close();
  stranger.sock.close();
});

function invite(from: Peer, user: string): string {
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
