/**
 * SipDriver.request() towards a peer with a static host (a trunk), with a real SipStack on
 * 127.0.0.1 and a UDP socket playing the provider: `Dial(SIP/trunk/5551234)` puts the number in
 * the Request-URI and To, From carries fromuser/fromdomain, Max-Forwards is one less than the
 * caller's, and the provider's final response ends the leg with the matching cause.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { systemClock } from '../../../src/platform/clock.ts';
import { loadConfig, type PbxConfig } from '../../../src/config/index.ts';
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

const quiet = { error() {}, warning() {}, notice() {}, verbose() {}, debug() {} } as unknown as Logger;

let provider: Socket;
let providerPort = 0;
let stack: SipStack;
let driver: SipDriver;
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

function reply(invite: string, status: string): void {
  const keep = invite.split('\r\n').filter((l) => /^(via|from|call-id|cseq):/i.test(l));
  const to = `${header(invite, 'To')};tag=prov`;
  provider.send(`SIP/2.0 ${status}\r\n${keep.join('\r\n')}\r\nTo: ${to}\r\nContent-Length: 0\r\n\r\n`, stack.local.port, '127.0.0.1');
}

before(async () => {
  provider = createSocket('udp4');
  provider.on('message', (m) => {
    inbox.push(m.toString('latin1'));
    waiter?.();
  });
  await new Promise<void>((r) => provider.bind(0, '127.0.0.1', () => r()));
  providerPort = provider.address().port;
  const loaded = loadConfig({
    files: {
      'pbx.conf': '[system]\nsip = 127.0.0.1:5999\nrtp = 35000-35100\n',
      'sip.conf': [
        '[trunk]', 'type=peer', 'host=127.0.0.1', `port=${providerPort}`, 'fromuser=0612345678', 'fromdomain=voip.example.net', '',
        '[plain]', 'type=peer', 'host=127.0.0.1', `port=${providerPort}`, '',
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
    ports: new PortAllocator(35000, 35100),
    log: quiet,
    channels: new ChannelRegistry(),
  });
});

after(async () => {
  await stack?.close();
  provider.close();
});

function caller(maxForwards: number, presentation?: string): SipChannel {
  const ch = new SipChannel({
    name: driver.channels.nextName('SIP', '2000'),
    direction: 'inbound',
    peer: '2000',
    callerId: { name: 'Alice', number: '2000', ...(presentation ? { presentation } : {}) },
    context: 'phones',
    exten: '5551234',
    clock: systemClock,
    registry: driver.channels,
    rtpTimeoutMs: 0,
    maxForwards,
  });
  ch.format = 'ulaw';
  return ch;
}

test('Dial(SIP/trunk/5551234): the number is the Request-URI and To user; busy ends the leg with USER_BUSY', async () => {
  const ended: HangupCause[] = [];
  const legs = await driver.request('trunk', caller(12), { onEnded: (_l, cause) => ended.push(cause) }, '5551234');
  assert.ok(Array.isArray(legs) && legs.length === 1);
  const invite = await next();
  assert.equal(invite.split('\r\n')[0], `INVITE sip:5551234@127.0.0.1:${providerPort} SIP/2.0`);
  assert.equal(header(invite, 'To'), `<sip:5551234@127.0.0.1:${providerPort}>`);
  assert.match(header(invite, 'From'), /^"Alice" <sip:0612345678@voip\.example\.net>;tag=/);
  assert.equal(header(invite, 'Max-Forwards'), '11');
  assert.equal(legs[0]!.exten, '5551234');
  reply(invite, '486 Busy Here');
  for (let i = 0; i < 100 && ended.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(ended, [HANGUP_CAUSES.USER_BUSY]);
  assert.match(await next(), /^ACK sip:5551234@/);
});

for (const presentation of ['prohib', 'unavailable']) {
  test(`a caller presented ${presentation} is sent as "Anonymous" <sip:anonymous@anonymous.invalid> (chan_sip)`, async () => {
    const ended: HangupCause[] = [];
    const legs = await driver.request('plain', caller(70, presentation), { onEnded: (_l, cause) => ended.push(cause) }, '5551234');
    assert.ok(Array.isArray(legs) && legs.length === 1);
    const invite = await next();
    assert.match(header(invite, 'From'), /^"Anonymous" <sip:anonymous@anonymous\.invalid>;tag=/);
    assert.doesNotMatch(invite, /Alice|sip:2000@/);
    reply(invite, '404 Not Found');
    for (let i = 0; i < 100 && ended.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await next();
  });
}

test('Dial(SIP/plain) without a number: Request-URI is the bare host (no defaultuser), From is the caller ID', async () => {
  const ended: HangupCause[] = [];
  const legs = await driver.request('plain', caller(70), { onEnded: (_l, cause) => ended.push(cause) });
  assert.ok(Array.isArray(legs) && legs.length === 1);
  const invite = await next();
  assert.equal(invite.split('\r\n')[0], `INVITE sip:127.0.0.1:${providerPort} SIP/2.0`);
  assert.match(header(invite, 'From'), /^"Alice" <sip:2000@127\.0\.0\.1:\d+>;tag=/);
  assert.equal(header(invite, 'Max-Forwards'), '69');
  reply(invite, '404 Not Found');
  for (let i = 0; i < 100 && ended.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(ended, [HANGUP_CAUSES.UNALLOCATED]);
  await next();
});

test('an unknown peer is UNALLOCATED without sending anything', async () => {
  assert.equal(await driver.request('nobody', caller(70), {}, '1'), HANGUP_CAUSES.UNALLOCATED);
});
