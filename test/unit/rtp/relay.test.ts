/**
 * The relay between two legs over real UDP: phone A <-> [leg a | PBX | leg b] <-> phone B,
 * the phones being raw sockets so the test sees exactly what goes on the wire.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAlaw, decodeUlaw, encodeUlaw } from '../../../src/media/g711.ts';
import { dominantFrequency } from '../../../src/media/goertzel.ts';
import { parseRtp, serializeRtp } from '../../../src/rtp/packet.ts';
import type { RtpPacket } from '../../../src/rtp/packet.ts';
import { createJsRelay } from '../../../src/rtp/relay.ts';
import type { DtmfEvent } from '../../../src/rtp/telephone-event.ts';
import { harness, HOST, waitFor } from './helpers.ts';
import type { Harness } from './helpers.ts';

let h: Harness;
beforeEach(() => {
  h = harness();
});
afterEach(async () => {
  await h.close();
});

function tone(hz: number, frames: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let f = 0; f < frames; f++) {
    const pcm = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * (f * 160 + i)) / 8000)));
    out.push(encodeUlaw(pcm));
  }
  return out;
}

function pkt(seq: number, ts: number, ssrc: number, pt: number, payload: Uint8Array, marker = false): Uint8Array {
  return serializeRtp({ marker, payloadType: pt, sequence: seq & 0xffff, timestamp: ts >>> 0, ssrc, csrc: [], payload, padding: 0 });
}

async function twoLegs(bFormat: 'ulaw' | 'alaw', bTe?: number) {
  const atB: RtpPacket[] = [];
  const atA: RtpPacket[] = [];
  const digits: DtmfEvent[] = [];
  const phoneA = await h.raw((d) => atA.push(parseRtp(d)));
  const phoneB = await h.raw((d) => atB.push(parseRtp(d)));
  const a = await h.open({ format: 'ulaw', payloadType: 0, telephoneEventPt: 101, remote: { address: HOST, port: phoneA.port }, events: { onDtmf: (e) => digits.push(e) } });
  const b = await h.open({
    format: bFormat,
    payloadType: bFormat === 'ulaw' ? 0 : 8,
    telephoneEventPt: bTe,
    remote: { address: HOST, port: phoneB.port },
  });
  return { a, b, phoneA, phoneB, atA, atB, digits };
}

describe('RTP relay', () => {
  test('µ-law to µ-law: payload untouched, SSRC/seq/ts continue leg b\'s stream, loss gaps kept', async () => {
    const { a, b, phoneA, atB } = await twoLegs('ulaw');
    // Leg b played something (ringback) before the bridge.
    b.sendFrame({ format: 'ulaw', timestamp: 0, data: new Uint8Array(160).fill(0x7f) });
    await waitFor(() => atB.length === 1);
    const relay = createJsRelay(a, b);
    const frames = tone(1000, 10);
    for (let i = 0; i < 10; i++) if (i !== 4) phoneA.send(pkt(30000 + i, 5000 + i * 160, 0x5555, 0, frames[i]!), 172, HOST, a.localPort);
    await waitFor(() => atB.length === 10);
    const relayed = atB.slice(1);
    const before = atB[0]!;
    assert.ok(relayed.every((p) => p.ssrc === b.ssrc && p.payloadType === 0));
    assert.equal(relayed[0]!.sequence, (before.sequence + 1) & 0xffff);
    assert.equal(relayed[0]!.timestamp, (before.timestamp + 160) >>> 0);
    assert.equal(relayed[0]!.marker, true, 'new source: marker');
    assert.deepEqual(relayed.map((p) => (p.sequence - relayed[0]!.sequence) & 0xffff), [0, 1, 2, 3, 5, 6, 7, 8, 9]);
    assert.deepEqual(relayed.map((p) => (p.timestamp - relayed[0]!.timestamp) >>> 0), [0, 1, 2, 3, 5, 6, 7, 8, 9].map((x) => x * 160));
    assert.deepEqual(new Uint8Array(relayed[3]!.payload), frames[3]);
    assert.equal(relay.stats.aToB.relayed, 9);
    assert.equal(relay.stats.aToB.transcoded, 0);
    relay.stop();
    // After the relay leg b generates again: continuous, with a new talkspurt.
    b.sendFrame({ format: 'ulaw', timestamp: 0, data: new Uint8Array(160) });
    await waitFor(() => atB.length === 11);
    assert.equal(atB[10]!.sequence, (relayed[8]!.sequence + 1) & 0xffff);
    assert.equal(atB[10]!.marker, true);
  });

  test('µ-law in on one side arrives as A-law 1 kHz on the other, and back', async () => {
    const { a, b, phoneA, phoneB, atA, atB } = await twoLegs('alaw');
    const relay = createJsRelay(a, b);
    const frames = tone(1000, 25);
    frames.forEach((f, i) => phoneA.send(pkt(100 + i, i * 160, 0x1111, 0, f), 172, HOST, a.localPort));
    await waitFor(() => atB.length === 25);
    assert.ok(atB.every((p) => p.payloadType === 8 && p.payload.length === 160));
    const pcm = new Int16Array(25 * 160);
    atB.forEach((p, i) => pcm.set(decodeAlaw(p.payload), i * 160));
    const heard = dominantFrequency(pcm);
    assert.ok(Math.abs(heard.hz - 1000) <= 2 && heard.ratio > 0.9, `B heard ${heard.hz} Hz`);
    // B answers in A-law; A gets µ-law.
    atB.forEach((p, i) => phoneB.send(pkt(7 + i, i * 160, 0x2222, 8, p.payload), 172, HOST, b.localPort));
    await waitFor(() => atA.length === 25);
    assert.ok(atA.every((p) => p.payloadType === 0 && p.ssrc === a.ssrc));
    const back = new Int16Array(25 * 160);
    atA.forEach((p, i) => back.set(decodeUlaw(p.payload), i * 160));
    assert.ok(Math.abs(dominantFrequency(back).hz - 1000) <= 2);
    assert.equal(relay.stats.aToB.transcoded, 25);
    assert.equal(relay.stats.bToA.transcoded, 25);
    relay.stop();
  });

  test('telephone-events: the PBX hears the digit and forwards it with the egress payload type', async () => {
    const { a, b, phoneA, atB, digits } = await twoLegs('ulaw', 96);
    const relay = createJsRelay(a, b);
    const ev = (dur: number, end: boolean) => new Uint8Array([4, (end ? 0x80 : 0) | 10, dur >> 8, dur & 0xff]);
    phoneA.send(pkt(1, 800, 9, 101, ev(160, false), true), 16, HOST, a.localPort);
    for (let i = 0; i < 3; i++) phoneA.send(pkt(2 + i, 800, 9, 101, ev(800, true)), 16, HOST, a.localPort);
    await waitFor(() => atB.length === 4 && digits.length === 2);
    assert.ok(atB.every((p) => p.payloadType === 96 && p.payload[0] === 4));
    assert.deepEqual(digits.map((d) => d.type + d.digit), ['begin4', 'end4']);
    relay.stop();
  });

  test('events are dropped (and counted) toward a leg without telephone-event; frames stop while relaying', async () => {
    const { a, b, phoneA, atB } = await twoLegs('ulaw');
    let framesAtA = 0;
    a.events.onFrame = () => framesAtA++;
    const relay = createJsRelay(a, b);
    phoneA.send(pkt(1, 800, 9, 101, new Uint8Array([1, 0x8a, 3, 32])), 16, HOST, a.localPort);
    phoneA.send(pkt(2, 960, 9, 0, new Uint8Array(160)), 172, HOST, a.localPort);
    await waitFor(() => atB.length === 1 && relay.stats.aToB.eventsDropped === 1);
    assert.equal(framesAtA, 0, 'relayed packets are not also delivered as frames');
    relay.stop();
    relay.stop();
    phoneA.send(pkt(3, 1120, 9, 0, new Uint8Array(160)), 172, HOST, a.localPort);
    await waitFor(() => framesAtA === 1);
  });
});
