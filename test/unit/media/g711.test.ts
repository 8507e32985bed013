import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALAW_DECODE,
  ALAW_TO_ULAW,
  alawDecode,
  alawEncode,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  transcodeInPlace,
  ULAW_DECODE,
  ULAW_TO_ALAW,
  ulawDecode,
  ulawEncode,
} from '../../../src/media/g711.ts';

describe('G.711 µ-law', () => {
  test('known code points (G.711 table 2a)', () => {
    assert.equal(ulawEncode(0), 0xff);
    assert.equal(ulawDecode(0xff), 0);
    assert.equal(ulawDecode(0x7f), 0); // negative zero
    assert.equal(ulawDecode(0x80), 32124);
    assert.equal(ulawDecode(0x00), -32124);
    assert.equal(ulawEncode(32767), 0x80);
    assert.equal(ulawEncode(-32768), 0x00);
    assert.equal(ulawDecode(0xfe), 8);
    assert.equal(ulawDecode(0xef), 132); // first step of segment 1
  });

  test('decode then encode is the identity on every byte but negative zero', () => {
    for (let b = 0; b < 256; b++) {
      const expect = b === 0x7f ? 0xff : b;
      assert.equal(ulawEncode(ulawDecode(b)), expect, `byte ${b}`);
    }
  });

  test('encoding is monotonic and the error stays within half a step over the 16-bit range', () => {
    let prevDecoded = -Infinity;
    for (let s = -32768; s <= 32767; s++) {
      const d = ulawDecode(ulawEncode(s));
      assert.ok(d >= prevDecoded, `non-monotonic at ${s}`);
      prevDecoded = d;
      const clipped = Math.max(-32124, Math.min(32124, s));
      // Step size doubles per segment: 8 at the bottom, 1024 at the top.
      const mag = Math.abs(clipped);
      const step = mag < 100 ? 8 : 2 ** Math.ceil(Math.log2((mag + 132) / 128)) * 8;
      assert.ok(Math.abs(d - clipped) <= step, `error at ${s}: decoded ${d}`);
    }
  });
});

describe('G.711 A-law', () => {
  test('known code points (G.711 table 1a)', () => {
    assert.equal(alawEncode(0), 0xd5);
    assert.equal(alawDecode(0xd5), 8);
    assert.equal(alawDecode(0x55), -8);
    assert.equal(alawDecode(0xaa), 32256);
    assert.equal(alawDecode(0x2a), -32256);
    assert.equal(alawEncode(32767), 0xaa);
    assert.equal(alawEncode(-32768), 0x2a);
    assert.equal(alawEncode(-1), 0x55);
  });

  test('decode then encode is the identity on every byte', () => {
    for (let b = 0; b < 256; b++) assert.equal(alawEncode(alawDecode(b)), b, `byte ${b}`);
  });

  test('encoding is monotonic and bounded in error over the 16-bit range', () => {
    let prev = -Infinity;
    for (let s = -32768; s <= 32767; s++) {
      const d = alawDecode(alawEncode(s));
      assert.ok(d >= prev, `non-monotonic at ${s}`);
      prev = d;
      const clipped = Math.max(-32256, Math.min(32256, s));
      const mag = Math.abs(clipped);
      const step = mag < 512 ? 16 : 2 ** Math.ceil(Math.log2(mag / 256)) * 8;
      assert.ok(Math.abs(d - clipped) <= step, `error at ${s}: decoded ${d}`);
    }
  });
});

describe('transcoding tables', () => {
  test('µ-law -> A-law -> µ-law keeps the decoded value within one A-law step', () => {
    for (let b = 0; b < 256; b++) {
      const a = ULAW_TO_ALAW[b]!;
      assert.equal(a, alawEncode(ulawDecode(b)));
      const diff = Math.abs(ALAW_DECODE[a]! - ULAW_DECODE[b]!);
      const mag = Math.abs(ULAW_DECODE[b]!);
      assert.ok(diff <= Math.max(16, mag / 16), `byte ${b}: ${ULAW_DECODE[b]} vs ${ALAW_DECODE[a]}`);
    }
  });

  test('A-law -> µ-law matches encode(decode(x)) and silence maps to the quietest code', () => {
    for (let b = 0; b < 256; b++) assert.equal(ALAW_TO_ULAW[b], ulawEncode(alawDecode(b)));
    assert.equal(ULAW_TO_ALAW[0xff], 0xd5);
    // A-law has no zero: its quietest code (+8) becomes µ-law's +8, not µ-law zero.
    assert.equal(ALAW_TO_ULAW[0xd5], 0xfe);
  });

  test('in-place transcoding touches only the given range', () => {
    const buf = new Uint8Array([1, 2, 0xff, 0xff, 9]);
    transcodeInPlace(ULAW_TO_ALAW, buf, 2, 4);
    assert.deepEqual([...buf], [1, 2, 0xd5, 0xd5, 9]);
  });

  test('array codecs round-trip a frame', () => {
    const s = new Int16Array(160).map((_, i) => Math.round(Math.sin(i / 5) * 12000));
    const u = decodeUlaw(encodeUlaw(s));
    const a = decodeAlaw(encodeAlaw(s));
    for (let i = 0; i < 160; i++) {
      assert.ok(Math.abs(u[i]! - s[i]!) < 400);
      assert.ok(Math.abs(a[i]! - s[i]!) < 400);
    }
  });
});
