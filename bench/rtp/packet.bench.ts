/**
 * RTP header work per packet: structured parse + serialise (generated media, tests) and the
 * allocation-free validate + rewrite the relay does, plus the whole relay forwarding step
 * (µ-law -> µ-law and µ-law -> A-law) against a leg whose socket send is a no-op, so the
 * figure is our per-packet CPU without the kernel. A relayed G.711 call is 100 packets/s.
 */
import { Bench } from 'tinybench';
import { parseRtp, rtpPayloadEnd, rtpPayloadOffset, serializeRtp, writeSequence, writeSsrc, writeTimestamp, readSequence, readTimestamp } from '../../src/rtp/packet.ts';
import { createJsRelay } from '../../src/rtp/relay.ts';
import type { RawPacketSink, RelayLeg } from '../../src/rtp/session.ts';

function fakeLeg(format: 'ulaw' | 'alaw', sink: { bytes: number }): RelayLeg & { deliver: RawPacketSink | undefined } {
  let seq = 1;
  let ts = 1000;
  const leg = {
    format,
    payloadType: format === 'ulaw' ? 0 : 8,
    telephoneEventPt: 101,
    ssrc: 0x11223344,
    get nextSequence() {
      return seq;
    },
    get nextTimestamp() {
      return ts;
    },
    deliver: undefined as RawPacketSink | undefined,
    setRawSink(s: RawPacketSink | undefined) {
      leg.deliver = s;
    },
    sendRaw(buf: Uint8Array, length: number, samples: number) {
      seq = (readSequence(buf) + 1) & 0xffff;
      ts = (readTimestamp(buf) + samples) >>> 0;
      sink.bytes += length;
    },
  };
  return leg;
}

export default async function (): Promise<Bench> {
  const bench = new Bench({ name: 'rtp/packet', time: 500 });
  const packet = serializeRtp({ marker: false, payloadType: 0, sequence: 1, timestamp: 160, ssrc: 0xabcdef, csrc: [], payload: new Uint8Array(160).fill(0x55), padding: 0 });
  const out = new Uint8Array(1500);
  const sink = { bytes: 0 };
  let seq = 0;

  const relayPairs = (['ulaw', 'alaw'] as const).map((egress) => {
    const a = fakeLeg('ulaw', sink);
    const b = fakeLeg(egress, sink);
    createJsRelay(a, b);
    return a;
  });

  bench
    .add('parse + serialize (structured)', () => {
      const p = parseRtp(packet);
      p.sequence = (p.sequence + 1) & 0xffff;
      sink.bytes += serializeRtp(p, out).length;
    })
    .add('validate + rewrite header in place', () => {
      const off = rtpPayloadOffset(packet);
      writeSequence(packet, seq++ & 0xffff);
      writeTimestamp(packet, seq * 160);
      writeSsrc(packet, 0x1234);
      sink.bytes += rtpPayloadEnd(packet) - off;
    })
    .add('relay one packet µ-law -> µ-law', () => {
      writeSequence(packet, seq++ & 0xffff);
      relayPairs[0]!.deliver!(packet, packet.length, 12, packet.length, false);
    })
    .add('relay one packet µ-law -> A-law (transcode in place)', () => {
      writeSequence(packet, seq++ & 0xffff);
      relayPairs[1]!.deliver!(packet, packet.length, 12, packet.length, false);
    });
  bench.addEventListener('complete', () => {
    if (sink.bytes < 0) throw new Error('unreachable');
  });
  return bench;
}
