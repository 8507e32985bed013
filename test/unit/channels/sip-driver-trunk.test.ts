/**
 * SipDriver.request() through a provider that challenges, with a real SipStack on 127.0.0.1 and
 * a UDP socket playing the provider's outbound proxy: the INVITE carries the proxy as a Route
 * (outboundproxy) and the trunk's DNS name in the Request-URI (located through the `locate`
 * seam); a 407 is answered once with Proxy-Authorization for authuser; a second 407 to our
 * answer (refused credentials) ends the leg with CALL_REJECTED, as a 403 would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createHash } from 'node:crypto';
import { systemClock } from '../../../src/platform/clock.ts';
import { loadConfig, type PbxConfig, type SipPeer } from '../../../src/config/index.ts';
import { SipStack } from '../../../src/sip/stack.ts';
import { PortAllocator } from '../../../src/rtp/ports.ts';
import { ChannelRegistry } from '../../../src/core/channel-registry.ts';
import { HANGUP_CAUSES, type HangupCause } from '../../../src/core/hangup-causes.ts';
import { SipChannel } from '../../../src/channels/sip-channel.ts';
import { SipDriver } from '../../../src/channels/sip-driver.ts';
import type { Registrar } from '../../../src/sip/registrar/registrar.ts';
import type { DigestAuthenticator } from '../../../src/sip/auth/digest.ts';
import type { AuthBanList } from '../../../src/sip/auth/ban.ts';
import type { Logger } from '../../../src/log/index.ts';
import type { Endpoint } from '../../../src/sip/transport/types.ts';

const quiet = { error() {}, warning() {}, notice() {}, verbose() {}, debug() {} } as unknown as Logger;
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

let proxy: Socket;
let proxyPort = 0;
let stack: SipStack;
let driver: SipDriver;
const located: string[] = [];
const inbox: string[] = [];
let waiter: (() => void) | undefined;

function next(): Promise<string> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('nothing from the PBX')), 3000);
    const check = (): void => {
      const m = inbox.shift();
      if (m === undefined) return;
      clearTimeout(t);
      waiter = undefined;
      resolve(m);
    };
    waiter = check;
    check();
  });
}

function header(msg: string, name: string): string {
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(msg)?.[1]?.trim() ?? '';
}

function reply(invite: string, status: string, extra: string[] = []): void {
  const keep = invite.split('\r\n').filter((l) => /^(via|from|call-id|cseq):/i.test(l));
  const to = `${header(invite, 'To')};tag=prov`;
  proxy.send(`SIP/2.0 ${status}\r\n${[...keep, ...extra].join('\r\n')}\r\nTo: ${to}\r\nContent-Length: 0\r\n\r\n`, stack.local.port, '127.0.0.1');
}

before(async () => {
  proxy = createSocket('udp4');
  proxy.on('message', (m) => {
    inbox.push(m.toString('latin1'));
    waiter?.();
  });
  await new Promise<void>((r) => proxy.bind(0, '127.0.0.1', () => r()));
  proxyPort = proxy.address().port;
  const loaded = loadConfig({
    files: {
      'pbx.conf': '[system]\nsip = 127.0.0.1:5999\nrtp = 35200-35300\n',
      'sip.conf': [
        '[provider]', 'type=peer', 'host=sip.provider.example', 'defaultuser=ignored-for-auth', 'authuser=acct77', 'secret=pw77',
        'fromuser=0612345678', `outboundproxy=127.0.0.1:${proxyPort}`, '',
      ].join('\n'),
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
    auth: {} as unknown as DigestAuthenticator,
    bans: {} as unknown as AuthBanList,
    ports: new PortAllocator(35200, 35300),
    log: quiet,
    channels: new ChannelRegistry(),
    // The DNS seam: only the proxy's address literal is located here.
    locate: async (peer: SipPeer): Promise<Endpoint[]> => {
      located.push(`${peer.host}:${peer.port ?? ''}`);
      return peer.host === '127.0.0.1' ? [{ protocol: 'UDP', address: '127.0.0.1', port: peer.port ?? 5060 }] : [];
    },
  });
});

after(async () => {
  await stack?.close();
  proxy.close();
});

function caller(): SipChannel {
  const ch = new SipChannel({
    name: driver.channels.nextName('SIP', '2000'),
    direction: 'inbound',
    peer: '2000',
    callerId: { name: 'Alice', number: '2000' },
    context: 'phones',
    exten: '0123456789',
    clock: systemClock,
    registry: driver.channels,
    rtpTimeoutMs: 0,
    maxForwards: 70,
  });
  ch.format = 'ulaw';
  return ch;
}

test('outboundproxy: Route to the proxy; 407 answered once with authuser; a refused answer ends the leg CALL_REJECTED', async () => {
  const ended: HangupCause[] = [];
  const legs = await driver.request('provider', caller(), { onEnded: (_l, cause) => ended.push(cause) }, '0123456789');
  assert.ok(Array.isArray(legs) && legs.length === 1);
  assert.deepEqual(located, [`127.0.0.1:${proxyPort}`], 'the next hop is the proxy, not the trunk name');
  const first = await next();
  assert.equal(first.split('\r\n')[0], 'INVITE sip:0123456789@sip.provider.example SIP/2.0');
  assert.equal(header(first, 'Route'), `<sip:127.0.0.1:${proxyPort};lr>`);
  assert.match(header(first, 'From'), /^"Alice" <sip:0612345678@/);
  assert.equal(header(first, 'Proxy-Authorization'), '');
  reply(first, '407 Proxy Authentication Required', ['Proxy-Authenticate: Digest realm="prov", nonce="n-1", qop="auth"']);
  assert.match(await next(), /^ACK /);
  const second = await next();
  assert.match(second, /^INVITE /);
  assert.equal(header(second, 'CSeq'), '2 INVITE');
  assert.equal(header(second, 'Route'), `<sip:127.0.0.1:${proxyPort};lr>`, 'the resent INVITE keeps its Route');
  const auth = header(second, 'Proxy-Authorization');
  const p = Object.fromEntries([...auth.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)].map((m) => [m[1], m[2] ?? m[3]]));
  assert.equal(p.username, 'acct77');
  assert.equal(p.uri, 'sip:0123456789@sip.provider.example');
  const ha1 = md5('acct77:prov:pw77');
  assert.equal(p.response, md5(`${ha1}:n-1:${p.nc}:${p.cnonce}:auth:${md5('INVITE:sip:0123456789@sip.provider.example')}`));
  // The provider refuses the answer (a new nonce, not stale): no third INVITE.
  reply(second, '407 Proxy Authentication Required', ['Proxy-Authenticate: Digest realm="prov", nonce="n-2", qop="auth"']);
  assert.match(await next(), /^ACK /);
  for (let i = 0; i < 100 && ended.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(ended, [HANGUP_CAUSES.CALL_REJECTED]);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(inbox.filter((m) => m.startsWith('INVITE ')).length, 0, 'nothing resent');
});
