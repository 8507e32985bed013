import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PbxError } from '../../../src/core/errors.ts';
import {
  parseRtp,
  readPayloadType,
  readSequence,
  readSsrc,
  readTimestamp,
  rtpPayloadEnd,
  rtpPayloadOffset,
  serializeRtp,
  writeSequence,
  writeSsrc,
  writeTimestamp,
} from '../../../src/rtp/packet.ts';
import type { RtpPacket } from '../../../src/rtp/packet.ts';

function hex(s: string): Uint8Array {
  return new Uint8Array(s.replace(/\s+/g, '').match(/../g)!.map((h) => parseInt(h, 16)));
}

describe('RTP packet', () => {
  test('parses a PCMU packet byte by byte (RFC 3550 5.1)', () => {
    const p = parseRtp(hex('80 80 1234 0000a0b0 deadbeef ffff7f00'));
    assert.deepEqual(p, { marker: true, payloadType: 0, sequence: 0x1234, timestamp: 0xa0b0, ssrc: 0xdeadbeef, csrc: [], payload: hex('ffff7f00'), padding: 0 });
  });

  test('CSRC list, header extension and padding round-trip', () => {
    const p: RtpPacket = {
      marker: false,
      payloadType: 101,
      sequence: 65535,
      timestamp: 0xffffffff,
      ssrc: 1,
      csrc: [2, 0x80000003],
      extension: { profile: 0xbede, data: hex('10aa0000') },
      payload: hex('0a8003c0'),
      padding: 3,
    };
    const wire = serializeRtp(p);
    assert.equal(wire.length, 12 + 8 + 8 + 4 + 3);
    assert.equal(wire[0], 0x80 | 0x20 | 0x10 | 2);
    assert.deepEqual(parseRtp(wire), p);
    assert.equal(rtpPayloadOffset(wire), 28);
    assert.equal(rtpPayloadEnd(wire), 32);
  });

  test('raw accessors read and rewrite in place', () => {
    const wire = serializeRtp({ marker: false, payloadType: 8, sequence: 7, timestamp: 160, ssrc: 42, csrc: [], payload: new Uint8Array(160), padding: 0 });
    writeSequence(wire, 0xfffe);
    writeTimestamp(wire, 0x80000000);
    writeSsrc(wire, 0xcafebabe);
    assert.equal(readSequence(wire), 0xfffe);
    assert.equal(readTimestamp(wire), 0x80000000);
    assert.equal(readSsrc(wire), 0xcafebabe);
    assert.equal(readPayloadType(wire), 8);
  });

  test('malformed packets: named PbxError from parseRtp, -1 from the hot-path validator', () => {
    const cases: [string, string][] = [
      ['80 00 0001', 'shorter than'],
      ['40 00 0001 00000000 00000001', 'version 1'],
      ['83 00 0001 00000000 00000001 00000002', 'CSRC count 3'],
      ['90 00 0001 00000000 00000001 bede 0004 00000000', 'extension of 4 words'],
      ['a0 00 0001 00000000 00000001 aabb 00', 'zero pad count'],
      ['a0 00 0001 00000000 00000001 aabb 10', 'pad count 16'],
    ];
    for (const [h, why] of cases) {
      const b = hex(h);
      assert.throws(() => parseRtp(b), (e: unknown) => e instanceof PbxError && e.code === 'RTP_PARSE' && e.message.includes(why), why);
      assert.equal(rtpPayloadOffset(b), -1, why);
    }
  });

  test('random bytes never throw anything but PbxError, and both validators agree', () => {
    let a = 12345;
    const rand = (): number => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 20_000; i++) {
      const b = new Uint8Array(Math.floor(rand() * 64));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 256);
      if (b.length) b[0] = (b[0]! & 0x3f) | 0x80; // mostly version 2 so deeper checks run
      let ok = true;
      try {
        parseRtp(b);
      } catch (e) {
        ok = false;
        assert.ok(e instanceof PbxError, String(e));
      }
      assert.equal(rtpPayloadOffset(b) >= 0, ok, `disagree on ${Buffer.from(b).toString('hex')}`);
    }
  });
});
