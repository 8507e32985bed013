/**
 * Deterministic fuzzing of parseMessage: valid messages are mutated with a seeded PRNG (byte
 * flips, truncation, duplicated ranges, random insertions, CR/LF removal, huge numbers and
 * runs of delimiter characters). Whatever the input, parseMessage must return a message or throw
 * a PbxError — never a TypeError or a RangeError — and must stay fast. Every message it accepts
 * must serialise to something it accepts again, identically on the second round (what a proxy
 * relays must stay valid).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PbxError, SipError } from '../../../src/core/errors.ts';
import { parseMessage, serializeMessage, StreamFramer } from '../../../src/sip/message/index.ts';
import { DEFAULT_LIMITS } from '../../../src/sip/message/types.ts';
import type { ParseLimits } from '../../../src/sip/message/types.ts';
import { prng } from './helpers.ts';

const SDP = [
  'v=0',
  'o=2001 8000 8000 IN IP4 192.0.2.5',
  's=call',
  'c=IN IP4 192.0.2.5',
  't=0 0',
  'm=audio 10000 RTP/AVP 0 8 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  '',
].join('\r\n');

const BASES = [
  [
    'REGISTER sip:pbx.example.org SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'From: "Desk 2001" <sip:2001@pbx.example.org>;tag=a73kszlfl',
    'To: "Desk 2001" <sip:2001@pbx.example.org>',
    'Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.5',
    'CSeq: 2 REGISTER',
    'Contact: <sip:2001@192.0.2.5:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"',
    'Authorization: Digest username="2001", realm="pbx.example.org", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", uri="sip:pbx.example.org", response="dfe56131d1958046689d83306477ecc", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER',
    'Supported: path, outbound, gruu',
    'User-Agent: Desk Phone 1.0',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'),
  [
    'INVITE sip:2000@pbx.example.org;user=phone SIP/2.0',
    'Via: SIP/2.0/UDP [2001:db8::5]:5060;branch=z9hG4bKnashds8;received=2001:db8::5',
    'Via: SIP/2.0/TCP proxy.example.org;branch=z9hG4bK1234',
    'Max-Forwards: 70',
    'Route: <sip:proxy.example.org;lr>, <sip:edge.example.org;lr>',
    'From: "J\u00c3\u00bcrgen" <sip:2001@pbx.example.org>;tag=1928301774',
    'To: <sip:2000@pbx.example.org>',
    'Call-ID: a84b4c76e66710@pc33.example.org',
    'CSeq: 314159 INVITE',
    'Contact: <sip:2001@[2001:db8::5]:5060>',
    'Content-Type: application/sdp',
    `Content-Length: ${SDP.length}`,
    '',
    SDP,
  ].join('\r\n'),
  [
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bKnashds8;received=192.0.2.5;rport=5060',
    'Record-Route: <sip:proxy.example.org;lr>',
    'From: <sip:2001@pbx.example.org>;tag=1928301774',
    'To: <sip:2000@pbx.example.org>;tag=a6c85cf',
    'Call-ID: a84b4c76e66710@pc33.example.org',
    'CSeq: 314159 INVITE',
    'Contact: <sip:2000@192.0.2.9>',
    'Content-Type: application/sdp',
    `Content-Length: ${SDP.length}`,
    '',
    SDP,
  ].join('\r\n'),
];

const SPECIALS = ['"', '<', '>', ',', ';', ':', '\\', '%', '[', ']', '@', ' ', '\t', '\r\n ', '\r\n', '=', '/', '\u0000', '\u00ff', '?', '&'];

type Rand = () => number;

function int(rand: Rand, n: number): number {
  return Math.floor(rand() * n);
}

function randomBytes(rand: Rand, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(int(rand, 256));
  return s;
}

/** One mutation of s, picked by the PRNG. */
function mutate(s: string, rand: Rand): string {
  const at = int(rand, s.length + 1);
  switch (int(rand, 10)) {
    case 0: // byte flip
      return s.slice(0, at) + String.fromCharCode(int(rand, 256)) + s.slice(at + 1);
    case 1: // truncation
      return s.slice(0, at);
    case 2: { // duplicate a range
      const len = int(rand, 200);
      return s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
    }
    case 3: // insert random bytes
      return s.slice(0, at) + randomBytes(rand, 1 + int(rand, 20)) + s.slice(at);
    case 4: { // remove some CR or LF
      const target = rand() < 0.5 ? '\r' : '\n';
      let out = '';
      for (const ch of s) out += ch === target && rand() < 0.3 ? '' : ch;
      return out;
    }
    case 5: { // a huge number in place of the first digit run after `at`
      const m = /\d+/.exec(s.slice(at));
      if (!m) return s;
      const start = at + m.index;
      const huge = ['99999999999999999999', '4294967296', '2147483648', '-1', '0', '65536', '1e9'][int(rand, 7)]!;
      return s.slice(0, start) + huge + s.slice(start + m[0].length);
    }
    case 6: { // a long run of one delimiter character
      const ch = SPECIALS[int(rand, SPECIALS.length)]!;
      return s.slice(0, at) + ch.repeat(1 + int(rand, 3000)) + s.slice(at);
    }
    case 7: // a special character
      return s.slice(0, at) + SPECIALS[int(rand, SPECIALS.length)]! + s.slice(at);
    case 8: { // delete a range
      const len = int(rand, 40);
      return s.slice(0, at) + s.slice(at + len);
    }
    default: { // swap two lines
      const lines = s.split('\r\n');
      const a = int(rand, lines.length);
      const b = int(rand, lines.length);
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join('\r\n');
    }
  }
}

/** A serialised message may grow (URI escaping, joined lists, CRLF for LF): reparse without size limits. */
const ROOMY: ParseLimits = { maxMessageBytes: 1 << 22, maxHeaders: 10_000, maxLineBytes: 1 << 22 };

function expectPbxError(fn: () => unknown, input: string): PbxError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof PbxError)) assert.fail(`non-PbxError ${String(e)} for input ${JSON.stringify(input.slice(0, 300))}`);
    assert.equal((e as Error).cause, undefined, `internal error wrapped as 400: ${String((e as Error).cause)} for ${JSON.stringify(input.slice(0, 300))}`);
    return e;
  }
  assert.fail('expected a throw');
}

describe('parseMessage fuzz', () => {
  test('12,000 seeded mutations: a message or a PbxError, never anything else', () => {
    const rand = prng(0x5eed_4475);
    let accepted = 0;
    let rejected = 0;
    let slowest = 0;
    const started = performance.now();
    for (let i = 0; i < 12_000; i++) {
      let s = BASES[i % BASES.length]!;
      const rounds = 1 + int(rand, 4);
      for (let r = 0; r < rounds; r++) s = mutate(s, rand);
      const t0 = performance.now();
      let ok = false;
      try {
        const m = parseMessage(s);
        ok = true;
        accepted++;
        const once = serializeMessage(m);
        const again = parseMessage(once, ROOMY);
        assert.equal(serializeMessage(again), once, `unstable serialisation for ${JSON.stringify(s.slice(0, 300))}`);
      } catch (e) {
        if (ok) throw e;
        expectPbxError(() => {
          throw e;
        }, s);
        rejected++;
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
    const elapsed = performance.now() - started;
    // Both outcomes must be common, or the mutations are not exercising the parser.
    assert.ok(accepted > 1000, `accepted ${accepted}`);
    assert.ok(rejected > 3000, `rejected ${rejected}`);
    assert.ok(elapsed < 20_000, `fuzz took ${elapsed.toFixed(0)} ms`);
    assert.ok(slowest < 1000, `slowest input took ${slowest.toFixed(1)} ms`);
  });

  test('pure random bytes are rejected with SipError', () => {
    const rand = prng(7);
    for (let i = 0; i < 2000; i++) {
      const s = randomBytes(rand, int(rand, 600));
      const e = expectPbxError(() => parseMessage(s), s);
      assert.ok(e instanceof SipError);
    }
  });

  test('the framer under mutation throws only PbxErrors', () => {
    const rand = prng(1835);
    for (let i = 0; i < 3000; i++) {
      let s = BASES[i % BASES.length]! + BASES[(i + 1) % BASES.length]!;
      for (let r = 0; r < 1 + int(rand, 3); r++) s = mutate(s, rand);
      const f = new StreamFramer();
      try {
        let at = 0;
        while (at < s.length) {
          const n = 1 + int(rand, 400);
          for (const raw of f.push(s.slice(at, at + n))) {
            try {
              parseMessage(raw);
            } catch (e) {
              expectPbxError(() => {
                throw e;
              }, raw);
            }
          }
          at += n;
        }
      } catch (e) {
        expectPbxError(() => {
          throw e;
        }, s);
      }
    }
  });

  test('pathological header values at full size parse in linear time', () => {
    const limits: ParseLimits = { maxMessageBytes: 1 << 20, maxHeaders: 100, maxLineBytes: 1 << 20 };
    const head = BASES[0]!.slice(0, BASES[0]!.indexOf('Content-Length'));
    const n = 200_000;
    const cases: [string, string][] = [
      ['Via', 'SIP/2.0/UDP host;' + ';'.repeat(n)],
      ['Via', 'SIP/2.0/UDP host;a="' + '\\"'.repeat(n / 2)],
      ['Contact', '<'.repeat(n)],
      ['Contact', '"'.repeat(n)],
      ['Contact', '<sip:a@b>' + ';x'.repeat(n / 2)],
      ['Allow', ','.repeat(n)],
      ['Allow', ' , '.repeat(n / 3)],
      ['Route', '<sip:a@b;lr>,'.repeat(n / 13)],
      ['X-Long', 'x'.repeat(n)],
      ['Subject', '%'.repeat(n)],
    ];
    for (const [name, value] of cases) {
      const raw = head + name + ': ' + value + '\r\nContent-Length: 0\r\n\r\n';
      const t0 = performance.now();
      try {
        parseMessage(raw, limits);
      } catch (e) {
        expectPbxError(() => {
          throw e;
        }, raw);
      }
      const ms = performance.now() - t0;
      assert.ok(ms < 500, `${name}: ${value.slice(0, 20)}... took ${ms.toFixed(0)} ms`);
    }
    const uri = 'sip:' + '%41'.repeat(n / 3) + '@host;' + 'p=1;'.repeat(n / 4);
    const t0 = performance.now();
    try {
      parseMessage(head.replace('sip:pbx.example.org', uri), limits);
    } catch (e) {
      expectPbxError(() => {
        throw e;
      }, uri);
    }
    assert.ok(performance.now() - t0 < 500);
  });

  test('defaults: a message over the size limit is refused before any parsing', () => {
    const big = BASES[0]!.replace('User-Agent: Desk Phone 1.0', 'User-Agent: ' + 'z'.repeat(DEFAULT_LIMITS.maxMessageBytes));
    const e = expectPbxError(() => parseMessage(big), big);
    assert.equal(e.code, 'SIP_TOO_LARGE');
  });
});
