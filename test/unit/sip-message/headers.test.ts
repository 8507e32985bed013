import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SipError } from '../../../src/core/errors.ts';
import {
  addHeader,
  callId,
  createResponse,
  cseq,
  formatAuthParams,
  formatNameAddr,
  formatUri,
  formatVia,
  fromWireText,
  toWireText,
  fromTag,
  getHeader,
  getHeaders,
  parseAuthParams,
  parseCSeq,
  parseMessage,
  parseNameAddr,
  parseUri,
  parseVia,
  reasonPhrase,
  removeHeaders,
  serializeMessage,
  setHeader,
  toTag,
  topVia,
} from '../../../src/sip/message/index.ts';
import type { SipRequest } from '../../../src/sip/message/types.ts';

const INVITE = [
  'INVITE sip:2000@pbx.example.org SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKaaa;rport',
  'Via: SIP/2.0/TCP 192.0.2.2;branch=z9hG4bKbbb',
  'Record-Route: <sip:p1.example.org;lr>, <sip:p2.example.org;lr>',
  'Max-Forwards: 69',
  'From: "Alice" <sip:alice@example.net>;tag=from1',
  'To: <sip:2000@pbx.example.org>',
  'Call-ID: call-1@192.0.2.1',
  'CSeq: 314 INVITE',
  'Timestamp: 54',
  'Contact: <sip:alice@192.0.2.1>',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

function invite(): SipRequest {
  return parseMessage(INVITE) as SipRequest;
}

function rejects(fn: () => unknown, status: number, reason: string): void {
  assert.throws(fn, (e: unknown) => e instanceof SipError && e.code === 'SIP_PARSE' && e.status === status && e.reason === reason);
}

describe('header access', () => {
  test('getHeader matches names case-insensitively and accepts compact forms', () => {
    const m = invite();
    assert.equal(getHeader(m, 'call-id'), 'call-1@192.0.2.1');
    assert.equal(getHeader(m, 'i'), 'call-1@192.0.2.1');
    assert.equal(getHeader(m, 'V'), 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKaaa;rport');
    assert.equal(getHeader(m, 'Subject'), undefined);
    assert.deepEqual(getHeaders(m, 'record-route'), ['<sip:p1.example.org;lr>', '<sip:p2.example.org;lr>']);
  });

  test('unknown headers keep their spelling and are found in any case', () => {
    const m = parseMessage(INVITE.replace('Timestamp: 54', 'X-Custom-Thing: yes'));
    assert.ok(m.headers.some((h) => h.name === 'X-Custom-Thing'));
    assert.equal(getHeader(m, 'x-custom-thing'), 'yes');
  });

  test('setHeader replaces every entry at the place of the first', () => {
    const m = invite();
    setHeader(m, 'via', 'SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKnew');
    assert.deepEqual(getHeaders(m, 'Via'), ['SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKnew']);
    assert.equal(m.headers[0]!.name, 'Via');
    setHeader(m, 's', 'hello');
    assert.deepEqual(m.headers.at(-1), { name: 'Subject', value: 'hello' });
  });

  test('addHeader atTop goes above the existing entries, otherwise after the last one', () => {
    const m = invite();
    addHeader(m, 'Via', 'SIP/2.0/UDP proxy.example.org;branch=z9hG4bKtop', true);
    assert.equal(topVia(m).host, 'proxy.example.org');
    addHeader(m, 'Record-Route', '<sip:p3.example.org;lr>');
    assert.deepEqual(getHeaders(m, 'Record-Route'), ['<sip:p1.example.org;lr>', '<sip:p2.example.org;lr>', '<sip:p3.example.org;lr>']);
    const rr = m.headers.findIndex((h) => h.value === '<sip:p3.example.org;lr>');
    assert.equal(m.headers[rr + 1]!.name, 'Max-Forwards', 'kept with its group');
    addHeader(m, 'Route', '<sip:first.example.org;lr>', true);
    assert.equal(m.headers[0]!.name, 'Route');
    addHeader(m, 'k', 'timer');
    assert.deepEqual(m.headers.at(-1), { name: 'Supported', value: 'timer' });
  });

  test('removeHeaders removes every entry and says how many', () => {
    const m = invite();
    assert.equal(removeHeaders(m, 'via'), 2);
    assert.deepEqual(getHeaders(m, 'Via'), []);
    assert.equal(removeHeaders(m, 'Via'), 0);
  });

  test('the common accessors', () => {
    const m = invite();
    assert.deepEqual(topVia(m), {
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: '192.0.2.1',
      port: 5060,
      params: { branch: 'z9hG4bKaaa', rport: null },
    });
    assert.equal(callId(m), 'call-1@192.0.2.1');
    assert.deepEqual(cseq(m), { seq: 314, method: 'INVITE' });
    assert.equal(fromTag(m), 'from1');
    assert.equal(toTag(m), undefined);
    removeHeaders(m, 'Call-ID');
    rejects(() => callId(m), 400, 'Missing Call-ID');
  });
});

describe('URIs', () => {
  test('sip URI with user, password, port, parameters and headers', () => {
    const u = parseUri('SIP:alice:secret@Example.COM:5070;Transport=TCP;lr;maddr=239.0.0.1?subject=hi&priority=urgent');
    assert.deepEqual(u, {
      scheme: 'sip',
      user: 'alice',
      password: 'secret',
      host: 'Example.COM',
      port: 5070,
      params: { transport: 'TCP', lr: null, maddr: '239.0.0.1' },
      headers: { subject: 'hi', priority: 'urgent' },
    });
  });

  test('sips, IPv6 and tel URIs', () => {
    assert.deepEqual(parseUri('sips:[2001:db8::1]:5061'), { scheme: 'sips', host: '[2001:db8::1]', port: 5061, params: {}, headers: {} });
    assert.deepEqual(parseUri('tel:+44-20-7946-0000;ext=12'), {
      scheme: 'tel',
      user: '+44-20-7946-0000',
      host: '',
      params: { ext: '12' },
      headers: {},
    });
  });

  test('the user is unescaped on parse and escaped again on format', () => {
    const u = parseUri('sip:%61lice%40home@example.com');
    assert.equal(u.user, 'alice@home');
    assert.equal(formatUri(u), 'sip:alice%40home@example.com');
    assert.equal(formatUri({ scheme: 'sip', user: 'a b:c', password: 'p@ss:w', host: 'h', params: {}, headers: {} }), 'sip:a%20b%3Ac:p%40ss%3Aw@h');
  });

  test('format writes what parse read', () => {
    for (const s of [
      'sip:2000@192.0.2.1:5060;transport=udp',
      'sips:bob@example.com;lr?subject=x&h=y',
      'sip:[2001:db8::1]',
      'tel:+15550100;phone-context=example.org',
      'sip:user;par=u%40x@example.com',
    ]) {
      assert.equal(formatUri(parseUri(s)), s);
    }
  });

  test('a bare IPv6 host given by code gets brackets', () => {
    assert.equal(formatUri({ scheme: 'sip', host: '2001:db8::2', port: 5060, params: {}, headers: {} }), 'sip:[2001:db8::2]:5060');
  });

  test('malformed URIs are rejected with 400 Malformed URI, other schemes with 416', () => {
    for (const s of ['', 'sip:', 'sip:@host', 'sip:host:', 'sip:host:70000', 'sip:ho st', 'sip:[2001:db8::1', 'sip:host;', 'sip:host?', 'tel:', 'sip:a@b/c', 'nocolon', ':x']) {
      rejects(() => parseUri(s), 400, 'Malformed URI');
    }
    rejects(() => parseUri('mailto:bob@example.com'), 416, 'Unsupported URI Scheme');
    rejects(() => parseUri('urn:service:sos'), 416, 'Unsupported URI Scheme');
  });
});

describe('name-addr', () => {
  test('quoted display name with escapes, URI parameters inside <>, header parameters after', () => {
    const na = parseNameAddr(' "Bob \\"B\\" Smith" <sip:bob@example.com;transport=tcp>;tag=xyz;expires=60 ');
    assert.deepEqual(na, {
      displayName: 'Bob "B" Smith',
      uri: { scheme: 'sip', user: 'bob', host: 'example.com', params: { transport: 'tcp' }, headers: {} },
      params: { tag: 'xyz', expires: '60' },
    });
  });

  test('token display name and addr-spec forms', () => {
    assert.equal(parseNameAddr('Bob Smith <sip:bob@example.com>').displayName, 'Bob Smith');
    const spec = parseNameAddr('sip:bob@example.com;tag=z;transport=tcp');
    assert.equal(spec.displayName, undefined);
    assert.deepEqual(spec.uri.params, {}, 'RFC 3261 20.10: addr-spec parameters are header parameters');
    assert.deepEqual(spec.params, { tag: 'z', transport: 'tcp' });
  });

  test('format always writes the bracketed form and quotes the display name', () => {
    const na = parseNameAddr('sip:bob@example.com;tag=z');
    assert.equal(formatNameAddr(na), '<sip:bob@example.com>;tag=z');
    assert.equal(
      formatNameAddr({ displayName: 'Joe "J" \\ Bloggs', uri: parseUri('sip:2000@pbx'), params: { tag: 't', lr: null } }),
      '"Joe \\"J\\" \\\\ Bloggs" <sip:2000@pbx>;tag=t;lr',
    );
    const back = parseNameAddr(formatNameAddr({ displayName: 'Joe "J" \\ Bloggs', uri: parseUri('sip:2000@pbx'), params: {} }));
    assert.equal(back.displayName, 'Joe "J" \\ Bloggs');
  });

  test('malformed name-addrs are rejected', () => {
    for (const s of ['', '"open <sip:a@b>', '<sip:a@b', 'Bob <sip:a@b> junk;tag=1', 'sip:a@b>', 'x"y <sip:a@b>']) {
      assert.throws(() => parseNameAddr(s), SipError, s);
    }
  });
});

describe('Via and CSeq', () => {
  test('Via with SWS, IPv6, received and rport', () => {
    assert.deepEqual(parseVia('SIP / 2.0 / udp [2001:db8::9] : 5062 ; branch = z9hG4bKx ; received=2001:db8::9;rport'), {
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: '[2001:db8::9]',
      port: 5062,
      params: { branch: 'z9hG4bKx', received: '2001:db8::9', rport: null },
    });
    const v = parseVia('SIP/2.0/TLS host.example.org;branch=z9hG4bKy');
    assert.equal(v.port, undefined);
    assert.equal(formatVia(v), 'SIP/2.0/TLS host.example.org;branch=z9hG4bKy');
    assert.equal(
      formatVia({ protocol: 'SIP/2.0', transport: 'UDP', host: '2001:db8::1', port: 5060, params: { branch: 'z9hG4bKz', rport: null } }),
      'SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKz;rport',
    );
  });

  test('malformed Vias', () => {
    for (const s of ['', 'SIP/2.0', 'SIP/2.0/UDP', 'SIP/2.0/UDP ', 'SIP/2.0UDP host', 'SIP/2.0/UDP host:99999', 'SIP/2.0/UDP host junk', 'SIP/2.0/UDP host (comment)']) {
      rejects(() => parseVia(s), 400, 'Malformed Via');
    }
  });

  test('CSeq', () => {
    assert.deepEqual(parseCSeq(' 2147483647  REGISTER '), { seq: 2147483647, method: 'REGISTER' });
    for (const s of ['', '1', 'INVITE', '2147483648 INVITE', '-1 INVITE', '1INVITE', '1 INV ITE', '1 INVITE;x']) {
      rejects(() => parseCSeq(s), 400, 'Malformed CSeq');
    }
  });
});

describe('createResponse (RFC 3261 8.2.6)', () => {
  test('copies Via in order, From, To with the new tag, Call-ID, CSeq and Record-Route for a 180 to INVITE', () => {
    const res = createResponse(invite(), 180, undefined, 'totag1');
    assert.equal(res.reason, 'Ringing');
    assert.equal(res.body, '');
    assert.deepEqual(
      res.headers.map((h) => `${h.name}: ${h.value}`),
      [
        'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKaaa;rport',
        'Via: SIP/2.0/TCP 192.0.2.2;branch=z9hG4bKbbb',
        'Record-Route: <sip:p1.example.org;lr>',
        'Record-Route: <sip:p2.example.org;lr>',
        'From: "Alice" <sip:alice@example.net>;tag=from1',
        'To: <sip:2000@pbx.example.org>;tag=totag1',
        'Call-ID: call-1@192.0.2.1',
        'CSeq: 314 INVITE',
      ],
    );
    assert.equal(toTag(res), 'totag1');
    assert.ok(serializeMessage(res).endsWith('CSeq: 314 INVITE\r\nContent-Length: 0\r\n\r\n'));
  });

  test('an existing To tag is kept; 100 Trying reflects Timestamp and no Record-Route', () => {
    const req = invite();
    setHeader(req, 'To', '<sip:2000@pbx.example.org>;tag=already');
    const res = createResponse(req, 100, undefined, 'other');
    assert.equal(getHeader(res, 'To'), '<sip:2000@pbx.example.org>;tag=already');
    assert.equal(getHeader(res, 'Timestamp'), '54');
    assert.deepEqual(getHeaders(res, 'Record-Route'), []);
  });

  test('no Record-Route for a REGISTER, and the reason can be given', () => {
    const reg = parseMessage(INVITE.replace('INVITE sip:2000', 'REGISTER sip:2000').replace('314 INVITE', '314 REGISTER')) as SipRequest;
    const res = createResponse(reg, 401, 'Unauthorized Here');
    assert.equal(res.reason, 'Unauthorized Here');
    assert.deepEqual(getHeaders(res, 'Record-Route'), []);
    assert.equal(getHeader(res, 'Timestamp'), undefined);
    assert.equal(toTag(res), undefined);
  });

  test('the response serialises and parses back', () => {
    const res = createResponse(invite(), 486, undefined, 'busy1');
    const back = parseMessage(serializeMessage(res));
    assert.equal(back.kind, 'response');
    assert.equal(back.kind === 'response' && back.status, 486);
    assert.equal(back.kind === 'response' && back.reason, 'Busy Here');
  });
});

describe('reason phrases', () => {
  test('standard phrases and class fallbacks', () => {
    assert.equal(reasonPhrase(200), 'OK');
    assert.equal(reasonPhrase(401), 'Unauthorized');
    assert.equal(reasonPhrase(407), 'Proxy Authentication Required');
    assert.equal(reasonPhrase(423), 'Interval Too Brief');
    assert.equal(reasonPhrase(481), 'Call/Transaction Does Not Exist');
    assert.equal(reasonPhrase(503), 'Service Unavailable');
    assert.equal(reasonPhrase(499), 'Client Error');
    assert.equal(reasonPhrase(699), 'Global Failure');
  });
});

describe('authentication parameters', () => {
  test('challenge with quoted commas and escapes, names lower-cased', () => {
    const a = parseAuthParams('Digest Realm="pbx, home", nonce="n\\"1", algorithm=SHA-256 ,qop="auth,auth-int", stale=FALSE');
    assert.deepEqual(a, {
      scheme: 'Digest',
      params: { realm: 'pbx, home', nonce: 'n"1', algorithm: 'SHA-256', qop: 'auth,auth-int', stale: 'FALSE' },
    });
  });

  test('format then parse gives the same parameters', () => {
    const params = { username: '2000', realm: 'pbx', nonce: 'a"b', uri: 'sip:pbx', response: 'abc', nc: '00000001', qop: 'auth' };
    const text = formatAuthParams('Digest', params, new Set(['username', 'realm', 'nonce', 'uri', 'response']));
    assert.equal(text, 'Digest username="2000", realm="pbx", nonce="a\\"b", uri="sip:pbx", response="abc", nc=00000001, qop=auth');
    assert.deepEqual(parseAuthParams(text), { scheme: 'Digest', params });
  });

  test('malformed values are rejected', () => {
    for (const s of ['', '   ', 'Digest realm', 'Digest realm="open', 'Digest =x', 'Digest realm="a" nonce="b"', 'Digest, realm=x']) {
      rejects(() => parseAuthParams(s), 400, 'Malformed Authentication Header');
    }
  });
});

describe('wire text', () => {
  test('UTF-8 display names go to the wire as bytes and come back as text', () => {
    const wire = toWireText('Jürgen Ōsaka');
    assert.equal(wire, 'J\u00c3\u00bcrgen \u00c5\u008csaka');
    assert.equal(fromWireText(wire), 'Jürgen Ōsaka');
    const na = parseNameAddr(formatNameAddr({ displayName: wire, uri: parseUri('sip:2000@pbx'), params: {} }));
    assert.equal(fromWireText(na.displayName!), 'Jürgen Ōsaka');
    assert.equal(toWireText('plain'), 'plain');
    assert.equal(fromWireText('bad \u00ff'), 'bad \ufffd');
  });
});
