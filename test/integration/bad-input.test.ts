/**
 * Bad input over the wire, on the bundle: malformed messages over UDP and TCP get a 400 naming
 * the fault or are dropped, and the PBX keeps serving; 10,000 mutated messages from one address
 * leave it answering a valid REGISTER from another.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { runSipp, startPbx, type PbxProcess } from './harness.ts';
import { UdpPhone, parseResponse, tcpExchange } from './raw-sip.ts';

function options(port: number, localPort: number, extra: string[] = [], body = ''): string {
  return [
    `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bKbad${Math.random().toString(36).slice(2)};rport`,
    'From: <sip:probe@127.0.0.1>;tag=bad1',
    `To: <sip:127.0.0.1:${port}>`,
    `Call-ID: bad-${Math.random().toString(36).slice(2)}@test`,
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    ...extra,
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
}

/** Sends OPTIONS and expects 200: the PBX still serves. */
async function stillServing(phone: UdpPhone, port: number): Promise<void> {
  phone.sendRaw(options(port, phone.port));
  const r = await phone.response();
  assert.equal(r.status, 200, 'PBX answers OPTIONS after bad input');
}

describe('malformed SIP over UDP and TCP', () => {
  let pbx: PbxProcess;
  let phone: UdpPhone;
  before(async () => {
    pbx = await startPbx();
    phone = new UdpPhone('probe', pbx.port);
    await phone.bind();
  });
  after(async () => {
    phone.close();
    await pbx.stop();
  });

  const cases: { name: string; make: (port: number, local: number) => string | Buffer; expect: 'drop' | RegExp }[] = [
    {
      name: 'Content-Length larger than the body',
      make: (p, l) => options(p, l).replace('Content-Length: 0', 'Content-Length: 500'),
      expect: /^400 .*Content-Length/i,
    },
    {
      name: 'missing Call-ID',
      make: (p, l) => options(p, l).replace(/Call-ID: [^\r]*\r\n/, ''),
      expect: 'drop',
    },
    {
      name: 'CSeq method differs from the request method',
      make: (p, l) => options(p, l).replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE'),
      expect: /^400 /,
    },
    {
      name: 'malformed Via',
      make: (p, l) => options(p, l).replace(/Via: SIP\/2\.0\/UDP/, 'Via: SIP/2.0/UDP ;;;'),
      expect: 'drop',
    },
    {
      name: 'bad From header',
      make: (p, l) => options(p, l).replace('From: <sip:probe@127.0.0.1>;tag=bad1', 'From: <sip:probe@127.0.0.1;tag=bad1'),
      expect: /^400 /,
    },
    { name: 'header-less request line', make: (p) => `OPTIONS sip:127.0.0.1:${p} SIP/2.0\r\n\r\n`, expect: 'drop' },
    { name: 'truncated in the middle of a header', make: (p, l) => options(p, l).slice(0, 120), expect: 'drop' },
    { name: 'binary garbage', make: () => Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 131 + 7) % 256)), expect: 'drop' },
    {
      name: 'oversized message (60 KB header)',
      make: (p, l) => options(p, l, [`X-Big: ${'a'.repeat(60_000)}`]),
      expect: /^(400|513) /,
    },
    {
      name: 'too many headers',
      make: (p, l) => options(p, l, Array.from({ length: 300 }, (_, i) => `X-H${i}: v`)),
      expect: /^400 /,
    },
  ];

  for (const c of cases) {
    test(`UDP: ${c.name}`, async () => {
      phone.sendRaw(c.make(pbx.port, phone.port));
      const got = await phone.next(700);
      if (c.expect === 'drop') {
        if (got !== undefined) assert.match(got, /^SIP\/2\.0 400 /, `either dropped or 400, got: ${got.split('\r\n')[0]}`);
      } else {
        assert.ok(got, 'a response');
        const r = parseResponse(got);
        assert.match(`${r.status} ${r.reason}`, c.expect);
      }
      await stillServing(phone, pbx.port);
    });
  }

  test('TCP: Content-Length larger than what arrives, then garbage: 400 or closed, never a crash', async () => {
    const r = await tcpExchange(pbx.port, `${options(pbx.port, 5999).replace('Content-Length: 0', 'Content-Length: abc')}`);
    assert.ok(r.data === '' || /^SIP\/2\.0 400 /.test(r.data), r.data);
    const g = await tcpExchange(pbx.port, Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 17) % 256)));
    assert.ok(g.data === '' || /^SIP\/2\.0 4\d\d /.test(g.data));
    await stillServing(phone, pbx.port);
  });

  test('TCP: a valid OPTIONS split over two segments is answered on the same connection', async () => {
    const msg = options(pbx.port, 5999).replace('SIP/2.0/UDP', 'SIP/2.0/TCP');
    const r = await tcpExchange(pbx.port, msg);
    assert.match(r.data, /^SIP\/2\.0 200 OK/);
  });

  test('statistics count the invalid messages', () => {
    const stats = pbx.rx('sip show stats');
    const m = /Invalid messages: (\d+) \(answered 400: (\d+)\)/.exec(stats);
    assert.ok(m, stats);
    assert.ok(Number(m[1]) >= cases.length, stats);
    assert.ok(Number(m[2]) >= 3, stats);
  });
});

function mutate(base: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(base);
  const kind = Math.floor(rnd() * 6);
  const at = Math.floor(rnd() * b.length);
  switch (kind) {
    case 0: // flip bytes
      for (let i = 0; i < 1 + rnd() * 8; i++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      return b;
    case 1: // truncate
      return b.subarray(0, at);
    case 2: // duplicate a range
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.floor(at / 2), at), b.subarray(at)]);
    case 3: // insert random bytes
      return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256))), b.subarray(at)]);
    case 4: // drop CR/LF
      return Buffer.from(b.toString('latin1').replace(rnd() < 0.5 ? /\r/g : /\n(?=[A-Z])/, ''), 'latin1');
    default: // huge numbers in numeric fields
      return Buffer.from(b.toString('latin1').replace(/(CSeq: |Content-Length: |Max-Forwards: |Expires: )\d+/, `$1${'9'.repeat(1 + Math.floor(rnd() * 30))}`), 'latin1');
  }
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fuzz over UDP', () => {
  test('10,000 mutated messages from 127.0.0.2, then SIPp still registers from 127.0.0.1', async () => {
    const pbx = await startPbx();
    const sock = createSocket('udp4');
    try {
      await new Promise<void>((r) => sock.bind(0, '127.0.0.2', () => r()));
      let replies = 0;
      sock.on('message', () => replies++);
      const lp = sock.address().port;
      const bases = [
        options(pbx.port, lp).replace('127.0.0.1:' + lp, '127.0.0.2:' + lp),
        [
          `REGISTER sip:127.0.0.1:${pbx.port} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.2:${lp};branch=z9hG4bKfz1;rport`,
          'From: <sip:2000@127.0.0.1>;tag=fz',
          'To: <sip:2000@127.0.0.1>',
          'Call-ID: fuzz-1@test',
          'CSeq: 7 REGISTER',
          `Contact: <sip:2000@127.0.0.2:${lp}>;expires=60`,
          'Authorization: Digest username="2000", realm="asterisk", nonce="abc", uri="sip:127.0.0.1", response="0123456789abcdef0123456789abcdef", algorithm=MD5, cnonce="x", qop=auth, nc=00000001',
          'Max-Forwards: 70',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
        [
          `INVITE sip:2001@127.0.0.1:${pbx.port} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.2:${lp};branch=z9hG4bKfz2;rport`,
          'From: "Fuzz" <sip:2000@127.0.0.1>;tag=fz2',
          'To: <sip:2001@127.0.0.1>',
          'Call-ID: fuzz-2@test',
          'CSeq: 1 INVITE',
          `Contact: <sip:2000@127.0.0.2:${lp}>`,
          'Content-Type: application/sdp',
          'Content-Length: 62',
          '',
          'v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n',
        ].join('\r\n'),
      ].map((s) => Buffer.from(s, 'latin1'));
      const rnd = seeded(20261123);
      for (let i = 0; i < 10_000; i++) {
        sock.send(mutate(bases[i % bases.length], rnd), pbx.port, '127.0.0.1');
        // Pace the sender so the test measures robustness, not socket-buffer overflow.
        if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(pbx.proc.exitCode, null, 'PBX still running');
      assert.ok(replies > 0, 'some mutated requests were answered');
      const r = await runSipp('register-auth.xml', pbx.port, ['-s', '2000', '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'expires', '120']);
      assert.equal(r.status, 0, r.errors);
      assert.match(pbx.rx('sip show stats'), /Invalid messages: [1-9]\d*/);
    } finally {
      sock.close();
      await pbx.stop();
    }
  });
});
