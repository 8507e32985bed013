import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PbxError } from '../../../src/core/errors.ts';
import { buildRtcpReport, ntpFromUnixMs, ntpMiddle, parseRtcp } from '../../../src/rtp/rtcp.ts';
import { ReceiverStats } from '../../../src/rtp/receiver-stats.ts';

describe('RTCP', () => {
  test('SR + SDES round trip with a report block (negative cumulative loss too)', () => {
    const wire = buildRtcpReport({
      ssrc: 0x11223344,
      sender: { ntpSeconds: 3_900_000_000, ntpFraction: 0x80000000, rtpTimestamp: 1234, packetCount: 50, octetCount: 8000 },
      reports: [{ ssrc: 7, fractionLost: 64, cumulativeLost: -3, extendedHighestSequence: 0x10005, jitter: 12, lastSr: 0xabcd1234, delaySinceLastSr: 65536 }],
      cname: 'pbx@192.0.2.1',
    });
    assert.equal(wire.length % 4, 0);
    const [sr, sdes, ...rest] = parseRtcp(wire);
    assert.equal(rest.length, 0);
    assert.deepEqual(sr, {
      type: 'sr',
      ssrc: 0x11223344,
      sender: { ntpSeconds: 3_900_000_000, ntpFraction: 0x80000000, rtpTimestamp: 1234, packetCount: 50, octetCount: 8000 },
      reports: [{ ssrc: 7, fractionLost: 64, cumulativeLost: -3, extendedHighestSequence: 0x10005, jitter: 12, lastSr: 0xabcd1234, delaySinceLastSr: 65536 }],
    });
    assert.deepEqual(sdes, { type: 'sdes', chunks: [{ ssrc: 0x11223344, cname: 'pbx@192.0.2.1' }] });
  });

  test('RR without sender info, and BYE with a reason', () => {
    const rr = buildRtcpReport({ ssrc: 5, reports: [], cname: 'x' });
    const bye = new Uint8Array([0x81, 203, 0, 3, 0, 0, 0, 5, 4, 0x62, 0x79, 0x65, 0x21, 0, 0, 0]);
    const all = new Uint8Array(rr.length + bye.length);
    all.set(rr);
    all.set(bye, rr.length);
    const parsed = parseRtcp(all);
    assert.equal(parsed[0]!.type, 'rr');
    assert.deepEqual(parsed[2], { type: 'bye', ssrcs: [5], reason: 'bye!' });
  });

  test('invalid compound packets are PbxError RTP_PARSE', () => {
    const sdesFirst = new Uint8Array([0x81, 202, 0, 1, 0, 0, 0, 1]);
    for (const [b, why] of [
      [sdesFirst, 'start with SR or RR'],
      [new Uint8Array([0x80, 201, 0, 9, 0, 0, 0, 1]), 'runs past'],
      [new Uint8Array([0x40, 201, 0, 1, 0, 0, 0, 1]), 'version'],
      [new Uint8Array([0x81, 201, 0, 1, 0, 0, 0, 1]), 'report blocks'],
      [new Uint8Array(4), 'too short'],
    ] as const) {
      assert.throws(() => parseRtcp(b), (e: unknown) => e instanceof PbxError && e.code === 'RTP_PARSE' && e.message.includes(why), why);
    }
  });

  test('NTP conversion and the LSR middle bits', () => {
    const ntp = ntpFromUnixMs(1_700_000_000_500);
    assert.equal(ntp.seconds, 1_700_000_000 + 2_208_988_800);
    assert.equal(ntp.fraction, 2 ** 31);
    assert.equal(ntpMiddle(0x12345678, 0x9abcdef0), 0x56789abc);
  });
});

describe('ReceiverStats (RFC 3550 A.1, A.3, A.8)', () => {
  test('loss, fraction per interval, extended highest sequence across a wrap', () => {
    const s = new ReceiverStats(1, 65530);
    // 65530..65535, 0..9 with 65533, 2 and 3 missing: 16 expected, 13 received.
    for (let q = 65530; q <= 65535 + 10; q++) {
      const seq = q & 0xffff;
      if (seq === 65533 || seq === 2 || seq === 3) continue;
      assert.ok(s.update(seq));
    }
    assert.equal(s.extendedMax, 65536 + 9);
    assert.equal(s.expected, 16);
    assert.equal(s.lost, 3);
    const first = s.reportBlock();
    assert.equal(first.fractionLost, Math.floor((3 * 256) / 16));
    assert.equal(first.cumulativeLost, 3);
    assert.equal(first.extendedHighestSequence, 65545);
    for (let q = 10; q < 20; q++) s.update(q);
    const second = s.reportBlock();
    assert.equal(second.fractionLost, 0, 'no loss in the second interval');
    assert.equal(second.cumulativeLost, 3);
  });

  test('duplicates do not count; a late packet reduces loss', () => {
    const s = new ReceiverStats(1, 100);
    s.update(100);
    assert.equal(s.update(100), false);
    s.update(102);
    assert.equal(s.lost, 1);
    s.update(101);
    assert.equal(s.lost, 0);
    assert.equal(s.extendedMax, 102);
  });

  test('a source restart (two sequential packets far away) resets the base', () => {
    const s = new ReceiverStats(1, 10);
    s.update(10);
    s.update(11);
    assert.equal(s.update(30000), false);
    assert.equal(s.update(30001), true);
    s.update(30002);
    assert.equal(s.expected, 2);
    assert.equal(s.lost, 0);
  });

  test('jitter: steady arrivals give 0, alternating 10 ms early/late converges toward 80 units', () => {
    const steady = new ReceiverStats(1, 0);
    for (let i = 0; i < 100; i++) steady.updateJitter(i * 160, 1000 + i * 160);
    assert.equal(steady.jitter, 0);
    const bumpy = new ReceiverStats(1, 0);
    for (let i = 0; i < 400; i++) bumpy.updateJitter(i * 160, 1000 + i * 160 + (i % 2 ? 40 : -40));
    assert.ok(Math.abs(bumpy.jitter - 80) <= 1, `jitter ${bumpy.jitter}`);
  });
});
