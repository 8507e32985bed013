/**
 * RTP sessions over real UDP sockets on 127.0.0.1, with a FakeClock for every timer (RTP
 * timeout, RTCP, DTMF schedule) so time-based behaviour is exact and nothing sleeps for seconds.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PbxError } from '../../../src/core/errors.ts';
import { toSlin } from '../../../src/media/frame.ts';
import type { G711Frame } from '../../../src/media/frame.ts';
import { dominantFrequency } from '../../../src/media/goertzel.ts';
import { serializeRtp, parseRtp } from '../../../src/rtp/packet.ts';
import { buildRtcpReport, ntpFromUnixMs, ntpMiddle, parseRtcp } from '../../../src/rtp/rtcp.ts';
import type { RtcpPacket } from '../../../src/rtp/rtcp.ts';
import type { DtmfEvent } from '../../../src/rtp/telephone-event.ts';
import { PortAllocator } from '../../../src/rtp/ports.ts';
import { bindMediaSocket } from '../../../src/platform/udp-media.ts';
import { RtpSession } from '../../../src/rtp/session.ts';
import { harness, HOST, settle, waitFor } from './helpers.ts';
import type { Harness } from './helpers.ts';

function toneFrames(hz: number, frames: number): Int16Array[] {
  const out: Int16Array[] = [];
  for (let f = 0; f < frames; f++) {
    out.push(new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * (f * 160 + i)) / 8000))));
  }
  return out;
}

function rtp(seq: number, ts: number, ssrc = 0x1234, pt = 0, payload = new Uint8Array(160).fill(0xff)): Uint8Array {
  return serializeRtp({ marker: false, payloadType: pt, sequence: seq & 0xffff, timestamp: ts >>> 0, ssrc, csrc: [], payload, padding: 0 });
}

let h: Harness;
beforeEach(() => {
  h = harness();
});
afterEach(async () => {
  await h.close();
});

describe('RtpSession media', () => {
  test('a generated 1 kHz tone crosses real UDP with consecutive seq/ts, one SSRC, marker on the first packet', async () => {
    const frames: G711Frame[] = [];
    const markers: boolean[] = [];
    const b = await h.open({ events: { onFrame: (f, m) => (frames.push({ ...f, data: f.data.slice() }), markers.push(m)) } });
    const a = await h.open({ remote: { address: HOST, port: b.localPort } });
    b.setRemote({ address: HOST, port: a.localPort });
    for (const pcm of toneFrames(1000, 50)) assert.ok(a.sendFrame({ format: 'slin', timestamp: 0, data: pcm }));
    await waitFor(() => frames.length === 50, 2000, '50 frames');
    const pcm = new Int16Array(50 * 160);
    frames.forEach((f, i) => pcm.set(toSlin(f), i * 160));
    const found = dominantFrequency(pcm);
    assert.ok(Math.abs(found.hz - 1000) <= 2 && found.ratio > 0.9, `heard ${found.hz} Hz (${found.ratio})`);
    for (let i = 1; i < frames.length; i++) assert.equal(frames[i]!.timestamp, (frames[i - 1]!.timestamp + 160) >>> 0);
    assert.deepEqual(markers.map((m, i) => (m ? i : -1)).filter((i) => i >= 0), [0]);
    assert.equal(b.receiver!.ssrc, a.ssrc);
    assert.equal(b.receiver!.lost, 0);
    assert.equal(a.stats.packetsSent, 50);
    assert.equal(a.stats.octetsSent, 8000);
    assert.equal(b.stats.packetsReceived, 50);
  });

  test('a declared gap advances the timestamp and sets the marker (new talkspurt)', async () => {
    const got: { ts: number; m: boolean }[] = [];
    const b = await h.open({ events: { onFrame: (f, m) => got.push({ ts: f.timestamp, m }) } });
    const a = await h.open({ remote: { address: HOST, port: b.localPort } });
    b.setRemote({ address: HOST, port: a.localPort });
    const silence = { format: 'ulaw' as const, timestamp: 0, data: new Uint8Array(160).fill(0xff) };
    a.sendFrame(silence);
    a.sendFrame(silence);
    a.sendFrame(silence, 800);
    await waitFor(() => got.length === 3);
    assert.deepEqual(got.map((g) => [(g.ts - got[0]!.ts) >>> 0, g.m]), [
      [0, true],
      [160, false],
      [1120, true],
    ]);
  });

  test('without nat: packets from an unexpected source are ignored and counted', async () => {
    const frames: number[] = [];
    const expected = await h.raw();
    const stranger = await h.raw();
    const s = await h.open({ remote: { address: HOST, port: expected.port }, events: { onFrame: (f) => frames.push(f.timestamp) } });
    stranger.send(rtp(1, 100), 172, HOST, s.localPort);
    stranger.send(rtp(2, 260), 172, HOST, s.localPort);
    expected.send(rtp(10, 1000, 0x99), 172, HOST, s.localPort);
    await waitFor(() => frames.length === 1 && s.stats.ignoredSource === 2);
    assert.deepEqual(frames, [1000]);
    assert.deepEqual(s.remoteAddress, { address: HOST, port: expected.port });
  });

  test('with nat=yes: latches onto the first source, sends there, then ignores others', async () => {
    const frames: number[] = [];
    const heard: Uint8Array[] = [];
    const phone = await h.raw((d) => heard.push(d.slice()));
    const stranger = await h.raw();
    // The SDP said a private address that is unreachable: latching must override it.
    const s = await h.open({ symmetric: true, remote: { address: '10.255.255.1', port: 4000 }, events: { onFrame: (f) => frames.push(f.timestamp) } });
    phone.send(rtp(1, 160), 172, HOST, s.localPort);
    await waitFor(() => frames.length === 1);
    assert.deepEqual(s.remoteAddress, { address: HOST, port: phone.port });
    stranger.send(rtp(5, 999, 0x777), 172, HOST, s.localPort);
    phone.send(rtp(2, 320), 172, HOST, s.localPort);
    await waitFor(() => frames.length === 2 && s.stats.ignoredSource === 1);
    s.sendFrame({ format: 'ulaw', timestamp: 0, data: new Uint8Array(160) });
    await waitFor(() => heard.length === 1, 2000, 'media sent to the latched address');
    assert.equal(parseRtp(heard[0]!).ssrc, s.ssrc);
  });

  test('malformed datagrams and foreign payload types are counted and dropped', async () => {
    const frames: number[] = [];
    const peer = await h.raw();
    const s = await h.open({ remote: { address: HOST, port: peer.port }, events: { onFrame: (f) => frames.push(f.timestamp) } });
    peer.send(new Uint8Array([1, 2, 3]), 3, HOST, s.localPort);
    peer.send(rtp(1, 160, 1, 18), 172, HOST, s.localPort);
    peer.send(rtp(2, 320), 172, HOST, s.localPort);
    await waitFor(() => frames.length === 1 && s.stats.malformed === 1 && s.stats.unexpectedPayloadType === 1);
  });

  test('RTP timeout: fires once after N seconds of silence (FakeClock), again only after packets resumed', async () => {
    let timeouts = 0;
    const peer = await h.raw();
    const s = await h.open({ remote: { address: HOST, port: peer.port }, rtpTimeoutMs: 30_000, events: { onTimeout: () => timeouts++ } });
    h.clock.advance(20_000);
    peer.send(rtp(1, 160), 172, HOST, s.localPort);
    await waitFor(() => s.stats.packetsReceived === 1);
    h.clock.advance(29_999);
    assert.equal(timeouts, 0, 'the packet at 20 s restarted the 30 s window');
    h.clock.advance(1);
    assert.equal(timeouts, 1);
    h.clock.advance(120_000);
    assert.equal(timeouts, 1, 'fires once');
    peer.send(rtp(2, 320), 172, HOST, s.localPort);
    await waitFor(() => s.stats.packetsReceived === 2);
    h.clock.advance(30_000);
    assert.equal(timeouts, 2);
    s.setRtpTimeout(0);
    h.clock.advance(100_000);
    assert.equal(timeouts, 2, 'disabled (e.g. while on hold)');
  });
});

describe('RFC 4733 telephone-events', () => {
  test('send -> receive gives exactly the digits, each begin/end once, with durations', async () => {
    const events: DtmfEvent[] = [];
    const b = await h.open({ telephoneEventPt: 101, events: { onDtmf: (e) => events.push(e) } });
    const a = await h.open({ telephoneEventPt: 101, remote: { address: HOST, port: b.localPort } });
    b.setRemote({ address: HOST, port: a.localPort });
    const digits = '159#*0AD';
    const done = (async () => {
      for (const d of digits) await a.sendDtmf(d, 120);
    })();
    // Drive the FakeClock through every schedule; sockets deliver in real time.
    for (let i = 0; i < digits.length * 6 + 5; i++) {
      h.clock.advance(25);
      await settle(2);
    }
    await done;
    await waitFor(() => events.filter((e) => e.type === 'end').length === digits.length);
    await settle(30);
    assert.equal(events.map((e) => (e.type === 'begin' ? e.digit : '.')).join(''), [...digits].map((d) => d + '.').join(''));
    for (const e of events) if (e.type === 'end') assert.ok(e.durationMs === 120 && e.endReceived, JSON.stringify(e));
    // 3 updates (0, 50, 100 ms) + 3 end packets per digit.
    assert.equal(a.stats.packetsSent, digits.length * 6);
    assert.equal(b.stats.packetsReceived, digits.length * 6);
  });

  test('the wire format: same timestamp, marker on the first, 50 ms updates, three E packets', async () => {
    const got: Uint8Array[] = [];
    const peer = await h.raw((d) => got.push(d.slice()));
    const a = await h.open({ telephoneEventPt: 96, remote: { address: HOST, port: peer.port } });
    const p = a.sendDtmf('7', 100);
    h.clock.advance(100);
    await p;
    await waitFor(() => got.length === 5);
    const pkts = got.map((d) => parseRtp(d));
    assert.ok(pkts.every((x) => x.payloadType === 96 && x.timestamp === pkts[0]!.timestamp));
    assert.deepEqual(pkts.map((x) => x.marker), [true, false, false, false, false]);
    for (let i = 1; i < 5; i++) assert.equal(pkts[i]!.sequence, (pkts[0]!.sequence + i) & 0xffff);
    assert.deepEqual(pkts.map((x) => [x.payload[0], x.payload[1]! >> 7, (x.payload[2]! << 8) | x.payload[3]!]), [
      [7, 0, 160],
      [7, 0, 400],
      [7, 1, 800],
      [7, 1, 800],
      [7, 1, 800],
    ]);
    // Audio after the event continues past its duration, as a new talkspurt.
    a.sendFrame({ format: 'ulaw', timestamp: 0, data: new Uint8Array(160) });
    await waitFor(() => got.length === 6);
    const after = parseRtp(got[5]!);
    assert.equal(after.timestamp, (pkts[0]!.timestamp + 800) >>> 0);
    assert.equal(after.marker, true);
  });

  test('bad digits and missing negotiation reject with RTP_DTMF', async () => {
    const a = await h.open({ remote: { address: HOST, port: 9 } });
    await assert.rejects(a.sendDtmf('1'), (e: unknown) => e instanceof PbxError && e.code === 'RTP_DTMF');
    const b = await h.open({ telephoneEventPt: 101, remote: { address: HOST, port: 9 } });
    await assert.rejects(b.sendDtmf('x'), (e: unknown) => e instanceof PbxError && e.code === 'RTP_DTMF');
  });

  test('an event whose end packets are lost ends after the DTMF timeout', async () => {
    const events: DtmfEvent[] = [];
    const peer = await h.raw();
    const s = await h.open({ telephoneEventPt: 101, remote: { address: HOST, port: peer.port }, events: { onDtmf: (e) => events.push(e) } });
    const ev = (dur: number) => new Uint8Array([5, 10, dur >> 8, dur & 0xff]);
    peer.send(rtp(1, 8000, 1, 101, ev(160)), 16, HOST, s.localPort);
    peer.send(rtp(2, 8000, 1, 101, ev(400)), 16, HOST, s.localPort);
    await waitFor(() => s.stats.packetsReceived === 2);
    h.clock.advance(999);
    assert.equal(events.length, 1);
    h.clock.advance(1);
    assert.deepEqual(events[1], { type: 'end', digit: '5', timestamp: 8000, durationMs: 50, endReceived: false });
  });
});

describe('RTCP', () => {
  test('receiver report after induced loss: fraction, cumulative, highest seq, jitter, LSR/DLSR', async () => {
    const reports: RtcpPacket[][] = [];
    const peer = await h.raw();
    const peerRtcp = await h.raw((d) => reports.push(parseRtcp(d)));
    const s = await h.open({ remote: { address: HOST, port: peer.port }, remoteRtcp: { address: HOST, port: peerRtcp.port } });
    // 20 packets, 4 of them "lost" on the way (never sent).
    const lost = new Set([3, 7, 8, 15]);
    for (let i = 0; i < 20; i++) if (!lost.has(i)) peer.send(rtp(65530 + i, i * 160, 0xabc), 172, HOST, s.localPort);
    await waitFor(() => s.stats.packetsReceived === 16);
    // An SR from the peer: its NTP middle bits come back as LSR, DLSR is the time we held it.
    const ntp = ntpFromUnixMs(h.clock.wallNow());
    const sr = buildRtcpReport({ ssrc: 0xabc, sender: { ntpSeconds: ntp.seconds, ntpFraction: ntp.fraction, rtpTimestamp: 0, packetCount: 16, octetCount: 2560 }, reports: [], cname: 'peer' });
    peerRtcp.send(sr, sr.length, HOST, s.localRtcpPort);
    await waitFor(() => s.stats.rtcpReceived === 1);
    h.clock.advance(1500);
    assert.ok(s.sendRtcpReport());
    await waitFor(() => reports.length === 1);
    const [rr, sdes] = reports[0]!;
    assert.equal(rr!.type, 'rr', 'we sent nothing, so a receiver report');
    assert.ok(rr!.type === 'rr');
    const block = rr!.reports[0]!;
    assert.equal(block.ssrc, 0xabc);
    assert.equal(block.cumulativeLost, 4);
    assert.equal(block.fractionLost, Math.floor((4 * 256) / 20));
    assert.equal(block.extendedHighestSequence, 65536 + 13);
    assert.ok(block.jitter >= 0);
    assert.equal(block.lastSr, ntpMiddle(ntp.seconds, ntp.fraction));
    assert.equal(block.delaySinceLastSr, Math.round(1.5 * 65536));
    assert.equal(sdes!.type, 'sdes');
  });

  test('reports go out every ~5 s (randomised 0.5-1.5x) as SR while sending, and incoming reports give the round trip', async () => {
    const got: RtcpPacket[][] = [];
    const peer = await h.raw();
    const peerRtcp = await h.raw((d) => got.push(parseRtcp(d)));
    let r = 0;
    const seq = [0.5, 0.0, 0.99];
    const s = await h.open({ rtcpIntervalMs: 5000, random: () => seq[r++ % 3]!, remote: { address: HOST, port: peer.port }, remoteRtcp: { address: HOST, port: peerRtcp.port } });
    s.sendFrame({ format: 'ulaw', timestamp: 0, data: new Uint8Array(160) });
    // Random draws: SSRC, seq, ts, then the first interval uses seq[0] = 0.5 -> 5000 ms.
    h.clock.advance(4999);
    await settle(20);
    assert.equal(got.length, 0);
    h.clock.advance(1);
    await waitFor(() => got.length === 1);
    assert.equal(got[0]![0]!.type, 'sr');
    // The peer answers with an RR about us, LSR = our SR's middle bits, DLSR = 0.25 s.
    const ours = got[0]![0]!;
    assert.ok(ours.type === 'sr');
    h.clock.advance(400);
    const lsr = ntpMiddle(ours.sender.ntpSeconds, ours.sender.ntpFraction);
    const rr = buildRtcpReport({ ssrc: 0xabc, reports: [{ ssrc: s.ssrc, fractionLost: 0, cumulativeLost: 0, extendedHighestSequence: 1, jitter: 0, lastSr: lsr, delaySinceLastSr: 65536 / 4 }], cname: 'p' });
    peerRtcp.send(rr, rr.length, HOST, s.localRtcpPort);
    await waitFor(() => s.remoteReport !== undefined);
    assert.ok(Math.abs(s.roundTripMs! - 150) < 1, `rtt ${s.roundTripMs}`);
    assert.equal(s.stats.rtcpSent, 1);
  });
});

describe('ports', () => {
  test('even ports with RTCP on port+1, released on close, round-robin, exhaustion is RTP_PORTS_EXHAUSTED', async () => {
    const base = 45000 + 2 * Math.floor(Math.random() * 2000);
    const small = new PortAllocator(base, base + 3); // two pairs
    const opts = { host: HOST, ports: small, clock: h.clock, format: 'ulaw' as const, payloadType: 0, rtcpIntervalMs: 0 };
    const a = await RtpSession.open(opts);
    const b = await RtpSession.open(opts);
    assert.deepEqual([a.localPort, a.localRtcpPort, b.localPort], [base, base + 1, base + 2]);
    await assert.rejects(RtpSession.open(opts), (e: unknown) => e instanceof PbxError && e.code === 'RTP_PORTS_EXHAUSTED');
    await a.close();
    await a.close();
    const c = await RtpSession.open(opts);
    assert.equal(c.localPort, base);
    await Promise.all([b.close(), c.close()]);
    assert.equal(small.inUse, 0);
  });

  test('a port held by another program is skipped', async () => {
    const base = 47000 + 2 * Math.floor(Math.random() * 1000);
    const held = await bindMediaSocket(HOST, base + 1, () => undefined);
    try {
      const alloc = new PortAllocator(base, base + 3);
      const s = await RtpSession.open({ host: HOST, ports: alloc, clock: h.clock, format: 'ulaw', payloadType: 0, rtcpIntervalMs: 0 });
      assert.equal(s.localPort, base + 2);
      await s.close();
      assert.equal(alloc.inUse, 0);
    } finally {
      await held.close();
    }
  });

  test('allocator arithmetic: odd start, range without a pair', () => {
    const p = new PortAllocator(10001, 10006);
    assert.equal(p.capacity, 2);
    assert.equal(p.allocate(), 10002);
    assert.equal(p.allocate(), 10004);
    assert.throws(() => new PortAllocator(10000, 10000), (e: unknown) => e instanceof PbxError && e.code === 'RTP_PORTS_EXHAUSTED');
    assert.throws(() => new PortAllocator(20000, 10000), PbxError);
  });
});
