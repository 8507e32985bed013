/**
 * Seeded mutation fuzzing of parseSdp and negotiateAnswer: the client vectors are mutated
 * (byte flips, truncation, duplicated ranges, random insertions, line swaps, huge numbers,
 * runs of delimiters). Whatever the input, the result is a description (and then an answer or
 * a SipError 488) or a SipError 400 — never a TypeError or RangeError — and it stays fast.
 * Every accepted description serialises to text that parses and serialises identically.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SipError } from '../../../src/core/errors.ts';
import { negotiateAnswer, parseAnswer, createOffer, parseSdp, serializeSdp } from '../../../src/sip/sdp/index.ts';
import { prng, readVector } from './helpers.ts';

const BASES = ['baresip-offer', 'sipp-uac-pcap-offer', 'asterisk-offer', 'linphone-offer', 'hold-sendonly-offer', 'ipv6-offer'].map(readVector);
const SPECIALS = [' ', '/', ':', '=', '\r\n', '\n', '\r', '\u0000', '\u00ff', '-', '.', '0', '999999999999999999999', 'm=', 'a=rtpmap:', 'c=IN IP4 '];

type Rand = () => number;
const int = (rand: Rand, n: number): number => Math.floor(rand() * n);

function mutate(s: string, rand: Rand): string {
  const at = int(rand, s.length + 1);
  switch (int(rand, 9)) {
    case 0:
      return s.slice(0, at) + String.fromCharCode(int(rand, 256)) + s.slice(at + 1);
    case 1:
      return s.slice(0, at);
    case 2:
      return s.slice(0, at) + s.slice(at, at + int(rand, 200)) + s.slice(at);
    case 3: {
      let r = '';
      for (let i = 1 + int(rand, 12); i > 0; i--) r += String.fromCharCode(int(rand, 256));
      return s.slice(0, at) + r + s.slice(at);
    }
    case 4: {
      const m = /\d+/.exec(s.slice(at));
      if (!m) return s;
      const start = at + m.index;
      const huge = ['99999', '65536', '128', '4294967296', '-1', '0', '1e9', '00000000000000000000001'][int(rand, 8)]!;
      return s.slice(0, start) + huge + s.slice(start + m[0].length);
    }
    case 5:
      return s.slice(0, at) + SPECIALS[int(rand, SPECIALS.length)]!.repeat(1 + int(rand, rand() < 0.1 ? 3000 : 4)) + s.slice(at);
    case 6:
      return s.slice(0, at) + s.slice(at + int(rand, 40));
    case 7: {
      const lines = s.split('\r\n');
      const a = int(rand, lines.length);
      const b = int(rand, lines.length);
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join('\r\n');
    }
    default: {
      const lines = s.split('\r\n');
      lines.splice(int(rand, lines.length), 0, lines[int(rand, lines.length)]!);
      return lines.join('\r\n');
    }
  }
}

function expectSipError(e: unknown, input: string): SipError {
  if (!(e instanceof SipError)) assert.fail(`non-SipError ${String(e)} for ${JSON.stringify(input.slice(0, 300))}`);
  assert.ok(e.status === 400 || e.status === 488, `status ${e.status}`);
  assert.ok(e.reason.length > 0 && !/[\r\n]/.test(e.reason), 'reason must be one line');
  return e;
}

describe('SDP fuzz', () => {
  test('10,000 seeded mutations: a description or a SipError 400/488, never anything else', () => {
    const rand = prng(0x5d9_f022);
    let accepted = 0;
    let answered = 0;
    let rejected = 0;
    let slowest = 0;
    const ourOffer = createOffer({ address: '203.0.113.1', port: 20000, sessionId: 1, sessionVersion: 1, codecs: ['ulaw', 'alaw'] });
    for (let i = 0; i < 10_000; i++) {
      let s = BASES[i % BASES.length]!;
      for (let r = 1 + int(rand, 4); r > 0; r--) s = mutate(s, rand);
      const t0 = performance.now();
      let sd;
      try {
        sd = parseSdp(s);
      } catch (e) {
        expectSipError(e, s);
        rejected++;
        continue;
      }
      accepted++;
      const once = serializeSdp(sd);
      // Serialisation fills in what the parser tolerated missing (s=, t=); after that it is stable.
      assert.equal(serializeSdp(parseSdp(once, parseLimitsRoomy)), once, `unstable for ${JSON.stringify(s.slice(0, 300))}`);
      try {
        const r = negotiateAnswer(sd, { allow: ['alaw', 'ulaw'], address: '203.0.113.1', port: 20000, sessionId: 1, sessionVersion: 2 });
        answered++;
        assert.deepEqual(parseSdp(serializeSdp(r.answer)), r.answer);
      } catch (e) {
        expectSipError(e, s);
      }
      try {
        parseAnswer(ourOffer, sd);
      } catch (e) {
        expectSipError(e, s);
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
    assert.ok(accepted > 1500, `accepted ${accepted}`);
    assert.ok(rejected > 2000, `rejected ${rejected}`);
    assert.ok(answered > 1000, `answered ${answered}`);
    assert.ok(slowest < 200, `slowest input took ${slowest.toFixed(1)} ms`);
  });

  test('random bytes are 400s', () => {
    const rand = prng(99);
    for (let i = 0; i < 2000; i++) {
      let s = rand() < 0.5 ? 'v=0\r\n' : '';
      for (let n = int(rand, 400); n > 0; n--) s += String.fromCharCode(int(rand, 256));
      try {
        parseSdp(s);
        assert.fail('random bytes accepted');
      } catch (e) {
        assert.equal(expectSipError(e, s).status, 400);
      }
    }
  });

  test('pathological lines at the size limit parse in linear time', () => {
    const head = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n';
    const n = 2000;
    for (const line of ['m=audio 4000 RTP/AVP ' + '0 '.repeat(n / 2), 'a=rtpmap:' + '1'.repeat(n), 'c=IN IP4 ' + 'a.'.repeat(n / 2), 'o=' + ' '.repeat(n), 'a=fmtp:101 ' + '0-'.repeat(n / 2)]) {
      const t0 = performance.now();
      try {
        parseSdp(head + line + '\r\n');
      } catch (e) {
        expectSipError(e, line);
      }
      assert.ok(performance.now() - t0 < 50, line.slice(0, 20));
    }
  });
});

const parseLimitsRoomy = { maxBytes: 1 << 20, maxLines: 1 << 16, maxLineBytes: 1 << 20, maxMedia: 64, maxFormats: 1024, maxAttributes: 1 << 16 };
