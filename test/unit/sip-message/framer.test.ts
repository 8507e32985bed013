import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SipError } from '../../../src/core/errors.ts';
import { StreamFramer, parseMessage } from '../../../src/sip/message/index.ts';
import { DEFAULT_LIMITS } from '../../../src/sip/message/types.ts';
import { prng } from './helpers.ts';

function request(n: number, body = ''): string {
  return [
    `MESSAGE sip:2000@pbx.example.org SIP/2.0`,
    `Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK${n}`,
    'Max-Forwards: 70',
    'From: <sip:2001@pbx.example.org>;tag=f',
    'To: <sip:2000@pbx.example.org>',
    `Call-ID: stream-${n}`,
    `CSeq: ${n} MESSAGE`,
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
}

describe('StreamFramer (RFC 3261 18.3)', () => {
  test('a message split in many chunks comes out once, whole', () => {
    const f = new StreamFramer();
    const raw = request(1, 'hello\r\n\r\nworld');
    const out: string[] = [];
    for (let i = 0; i < raw.length; i += 7) out.push(...f.push(raw.slice(i, i + 7)));
    assert.deepEqual(out, [raw]);
    assert.equal(parseMessage(out[0]!).body, 'hello\r\n\r\nworld');
    assert.equal(f.buffered, 0);
  });

  test('two messages in one chunk, and a partial third kept for later', () => {
    const f = new StreamFramer();
    const a = request(1, 'first');
    const b = request(2);
    const c = request(3, 'third body');
    assert.deepEqual(f.push(a + b + c.slice(0, 40)), [a, b]);
    assert.equal(f.buffered, 40);
    assert.deepEqual(f.push(c.slice(40)), [c]);
  });

  test('CRLF keep-alives between messages are skipped and pings counted (RFC 5626 3.5.1)', () => {
    const f = new StreamFramer();
    assert.deepEqual(f.push('\r\n\r\n'), []);
    assert.equal(f.keepalives, 1);
    assert.deepEqual(f.push('\r\n'), []);
    assert.deepEqual(f.push('\r\n'), [], 'a ping split over two reads');
    assert.equal(f.keepalives, 2);
    const a = request(1);
    assert.deepEqual(f.push('\r\n' + a + '\r\n\r\n'), [a]);
    assert.equal(f.keepalives, 3);
    assert.equal(f.buffered, 0);
  });

  test('a ping split after its CR is still one ping; LF-only line ends frame too', () => {
    const f = new StreamFramer();
    assert.deepEqual(f.push('\r\n\r'), []);
    assert.deepEqual(f.push('\n'), []);
    assert.equal(f.keepalives, 1);
    const lf = request(7, 'abc').replace(/\r\n/g, '\n');
    assert.deepEqual(f.push(lf.slice(0, 30)), []);
    assert.deepEqual(f.push(lf.slice(30)), [lf]);
  });

  test('a sender trickling one byte at a time costs linear time', () => {
    const limits = { ...DEFAULT_LIMITS, maxMessageBytes: 200_000, maxLineBytes: 200_000 };
    const body = 'b'.repeat(60_000);
    const raw = request(1, body).replace('Max-Forwards: 70', 'X-Padding: ' + 'p'.repeat(60_000) + '\r\nMax-Forwards: 70');
    const f = new StreamFramer(limits);
    const started = performance.now();
    const out: string[] = [];
    for (let i = 0; i < raw.length; i++) out.push(...f.push(raw[i]!));
    const elapsed = performance.now() - started;
    assert.deepEqual(out, [raw]);
    assert.ok(elapsed < 2000, `took ${elapsed.toFixed(0)} ms`);
  });

  test('a message without Content-Length cannot be framed on a stream', () => {
    const f = new StreamFramer();
    const raw = request(1).replace('Content-Length: 0\r\n', '');
    assert.throws(() => f.push(raw), (e: unknown) => e instanceof SipError && e.status === 400 && e.reason === 'Missing Content-Length');
  });

  test('compact and folded Content-Length are read', () => {
    const body = 'abc';
    const compact = request(1, body).replace('Content-Length: 3', 'l :3');
    assert.deepEqual(new StreamFramer().push(compact + 'NEXT'), [compact]);
    const folded = request(2, body).replace('Content-Length: 3', 'Content-Length:\r\n 3');
    assert.deepEqual(new StreamFramer().push(folded), [folded]);
    assert.throws(() => new StreamFramer().push(request(3).replace('Content-Length: 0', 'Content-Length: x')), SipError);
  });

  test('headers that never end past the size limit are SIP_TOO_LARGE', () => {
    const f = new StreamFramer({ ...DEFAULT_LIMITS, maxMessageBytes: 1000 });
    f.push('INVITE sip:a@b SIP/2.0\r\n');
    assert.throws(
      () => {
        for (let i = 0; i < 100; i++) f.push('X-Filler: ' + 'y'.repeat(50) + '\r\n');
      },
      (e: unknown) => e instanceof SipError && e.code === 'SIP_TOO_LARGE' && e.status === 513,
    );
  });

  test('a Content-Length beyond the limit is refused before the body is buffered', () => {
    const f = new StreamFramer({ ...DEFAULT_LIMITS, maxMessageBytes: 2000 });
    const raw = request(1).replace('Content-Length: 0', 'Content-Length: 100000');
    assert.throws(() => f.push(raw), (e: unknown) => e instanceof SipError && e.code === 'SIP_TOO_LARGE');
  });

  test('random chunking of a stream of messages gives back exactly those messages', () => {
    const rand = prng(183);
    const msgs = Array.from({ length: 50 }, (_, i) => request(i, i % 3 === 0 ? 'x'.repeat(i * 7) : ''));
    const stream = msgs.join('\r\n\r\n');
    for (let round = 0; round < 20; round++) {
      const f = new StreamFramer();
      const out: string[] = [];
      let i = 0;
      while (i < stream.length) {
        const n = 1 + Math.floor(rand() * 300);
        out.push(...f.push(stream.slice(i, i + n)));
        i += n;
      }
      assert.deepEqual(out, msgs);
      assert.equal(f.keepalives, msgs.length - 1);
    }
  });
});
