/** SipChannel media lifecycle with real RTP sockets on 127.0.0.1 and a FakeClock: bridge, RTP timeout, teardown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { bindMediaSocket, type MediaSocket } from '../../../src/platform/udp-media.ts';
import { PortAllocator } from '../../../src/rtp/ports.ts';
import { RtpSession } from '../../../src/rtp/session.ts';
import { ChannelRegistry } from '../../../src/core/channel-registry.ts';
import { Bridge } from '../../../src/core/bridge.ts';
import { HANGUP_CAUSES } from '../../../src/core/hangup-causes.ts';
import { SipChannel } from '../../../src/channels/sip-channel.ts';

const HOST = '127.0.0.1';

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function setup() {
  const clock = new FakeClock();
  const base = 42000 + 2 * Math.floor(Math.random() * 4000);
  const ports = new PortAllocator(base, base + 99);
  const registry = new ChannelRegistry();
  const got: { a: Uint8Array[]; b: Uint8Array[] } = { a: [], b: [] };
  const phoneA: MediaSocket = await bindMediaSocket(HOST, 0, (d) => got.a.push(Uint8Array.from(d)));
  const phoneB: MediaSocket = await bindMediaSocket(HOST, 0, (d) => got.b.push(Uint8Array.from(d)));
  const leg = async (peer: string, format: 'ulaw' | 'alaw', remotePort: number) => {
    const ch = new SipChannel({
      name: registry.nextName('SIP', peer),
      direction: 'outbound',
      peer,
      callerId: {},
      context: 'default',
      exten: peer,
      clock,
      registry,
      rtpTimeoutMs: 30_000,
      onRtpTimeout: (c) => c.hangup(HANGUP_CAUSES.NORMAL_CLEARING),
    });
    ch.rtp = await RtpSession.open({ host: HOST, ports, clock, format, payloadType: format === 'ulaw' ? 0 : 8, rtcpIntervalMs: 0, remote: { address: HOST, port: remotePort } });
    ch.up();
    return ch;
  };
  const a = await leg('2000', 'ulaw', phoneA.port);
  const b = await leg('2001', 'alaw', phoneB.port);
  return { clock, ports, registry, got, phoneA, phoneB, a, b };
}

function rtp(pt: number, payload: number): Uint8Array {
  const p = new Uint8Array(12 + 160);
  p[0] = 0x80;
  p[1] = pt;
  p[11] = 1;
  p.fill(payload, 12);
  return p;
}

test('bridged legs relay RTP with µ-law -> A-law transcoding; an RTP timeout on one leg hangs up both and frees the ports', async () => {
  const t = await setup();
  try {
    const bridge = new Bridge(t.a, t.b);
    assert.equal(t.a.bridgedTo, t.b.name);
    t.phoneA.send(rtp(0, 0xff), 172, HOST, t.a.rtp!.localPort);
    await waitFor(() => t.got.b.length > 0);
    assert.equal(t.got.b[0]![1]! & 0x7f, 8, 'payload type of the A-law leg');
    assert.equal(t.got.b[0]![12], 0xd5, 'µ-law silence (0xff) arrives as A-law silence (0xd5)');
    assert.equal(bridge.relay?.stats.aToB.transcoded, 1);

    const ended: string[] = [];
    t.a.onHangup((c) => ended.push(`a:${c}`));
    t.b.onHangup((c) => ended.push(`b:${c}`));
    t.clock.advance(30_000);
    assert.deepEqual(ended.sort(), ['a:16', 'b:16']);
    assert.equal(t.registry.size, 0);
    await waitFor(() => t.ports.inUse === 0);
    assert.equal(t.clock.pending(), 0, 'no timer left behind');
  } finally {
    await t.phoneA.close();
    await t.phoneB.close();
  }
});

test('packets keep a leg alive past the RTP timeout', async () => {
  const t = await setup();
  try {
    t.clock.advance(20_000);
    t.phoneA.send(rtp(0, 0x7f), 172, HOST, t.a.rtp!.localPort);
    await waitFor(() => t.a.rtp!.stats.packetsReceived === 1);
    t.clock.advance(20_000);
    assert.equal(t.a.ended, false, 'a heard RTP 20 s ago');
    assert.equal(t.b.ended, true, 'b heard nothing for 40 s');
    t.a.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    await waitFor(() => t.ports.inUse === 0);
    assert.equal(t.clock.pending(), 0);
  } finally {
    await t.phoneA.close();
    await t.phoneB.close();
  }
});

test('on hold rtpholdtimeout applies instead of rtptimeout (0: a held call is never timed out), and rtptimeout again after unhold', async () => {
  const clock = new FakeClock();
  const base = 42000 + 2 * Math.floor(Math.random() * 4000);
  const ports = new PortAllocator(base, base + 9);
  const registry = new ChannelRegistry();
  const timedOut: string[] = [];
  const ch = new SipChannel({
    name: registry.nextName('SIP', '2000'),
    direction: 'inbound',
    peer: '2000',
    callerId: {},
    context: 'default',
    exten: '2001',
    clock,
    registry,
    rtpTimeoutMs: 30_000,
    rtpHoldTimeoutMs: 0,
    onRtpTimeout: (c) => timedOut.push(c.name),
  });
  ch.rtp = await RtpSession.open({ host: HOST, ports, clock, format: 'ulaw', payloadType: 0, rtcpIntervalMs: 0, remote: { address: HOST, port: 9 } });
  ch.up();
  assert.equal(ch.onHold, false);
  ch.remoteDirection = 'sendonly';
  ch.applyRtpTimeout();
  assert.equal(ch.onHold, true);
  clock.advance(120_000);
  assert.deepEqual(timedOut, [], 'a held call without rtpholdtimeout stays up');
  ch.remoteDirection = 'sendrecv';
  ch.applyRtpTimeout();
  clock.advance(29_999);
  assert.deepEqual(timedOut, []);
  clock.advance(1);
  assert.deepEqual(timedOut, [ch.name], 'rtptimeout counts again from the unhold');
  ch.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  await waitFor(() => ports.inUse === 0);
  assert.equal(clock.pending(), 0);
});
