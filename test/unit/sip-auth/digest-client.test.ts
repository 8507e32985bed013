import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { digestAnswer, digestClient, parseChallenge, pickChallenge } from '../../../src/sip/auth/digest-client.ts';
import { parseAuthParams } from '../../../src/sip/message/auth-params.ts';
import { parseUri } from '../../../src/sip/message/headers.ts';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import { h } from './sip-client.ts';

function challenge(status: 401 | 407, ...values: string[]): SipResponse {
  const name = status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  return { kind: 'response', status, reason: 'Unauthorized', headers: values.map((value) => ({ name, value })), body: '' };
}

function invite(headers: { name: string; value: string }[] = []): SipRequest {
  return { kind: 'request', method: 'INVITE', uri: parseUri('sip:0123456789@provider.example'), headers, body: '' };
}

describe('digest client: RFC vectors', () => {
  test('RFC 2617 3.5 (MD5, qop=auth, opaque)', () => {
    const c = parseChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    )!;
    const v = digestAnswer({ challenge: c, creds: { username: 'Mufasa', secret: 'Circle Of Life' }, method: 'GET', uri: '/dir/index.html', nonceCount: 1, cnonce: '0a4f113b' });
    const p = parseAuthParams(v).params;
    assert.equal(p.response, '6629fae49393a05397450978507c4ef1');
    assert.equal(p.nc, '00000001');
    assert.equal(p.qop, 'auth');
    assert.equal(p.opaque, '5ccc069c403ebaf9f0171e9517f40e41');
    assert.match(v, /nc=00000001/, 'nc is a bare token');
    assert.match(v, /qop=auth(,|$)/, 'qop is a bare token');
  });
  test('RFC 7616 3.9.1 (SHA-256 preferred over MD5 in one 401)', () => {
    const common = 'realm="http-auth@example.org", qop="auth, auth-int", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    const res = challenge(401, `Digest ${common}, algorithm=MD5`, `Digest ${common}, algorithm=SHA-256`);
    const creds = { username: 'Mufasa', secret: 'Circle of Life' };
    const c = pickChallenge(res, creds)!;
    assert.equal(c.algorithm, 'SHA-256');
    const v = digestAnswer({ challenge: c, creds, method: 'GET', uri: '/dir/index.html', nonceCount: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' });
    assert.equal(parseAuthParams(v).params.response, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
    const md5 = parseChallenge(`Digest ${common}, algorithm=MD5`)!;
    const v5 = digestAnswer({ challenge: md5, creds, method: 'GET', uri: '/dir/index.html', nonceCount: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' });
    assert.equal(parseAuthParams(v5).params.response, '8ca523f5e9506fed4657c9700eebdbec');
  });
  test('no qop: the RFC 2069 form, no nc or cnonce', () => {
    const c = parseChallenge('Digest realm="r", nonce="n1"')!;
    const v = digestAnswer({ challenge: c, creds: { username: 'u', secret: 'p' }, method: 'INVITE', uri: 'sip:1@r', nonceCount: 1 });
    const p = parseAuthParams(v).params;
    assert.equal(p.response, h('MD5', `${h('MD5', 'u:r:p')}:n1:${h('MD5', 'INVITE:sip:1@r')}`));
    assert.equal(p.nc, undefined);
    assert.equal(p.cnonce, undefined);
  });
  test('md5secret answers MD5 only', () => {
    const md5secret = h('MD5', 'u:r:p');
    const res = challenge(407, 'Digest realm="r", nonce="n", algorithm=SHA-256', 'Digest realm="r", nonce="n", algorithm=MD5');
    assert.equal(pickChallenge(res, { username: 'u', md5secret })!.algorithm, 'MD5');
    assert.equal(pickChallenge(challenge(407, 'Digest realm="r", nonce="n", algorithm=SHA-256'), { username: 'u', md5secret }), undefined);
  });
  test('unknown scheme or algorithm is not answered', () => {
    assert.equal(parseChallenge('Basic realm="r"'), undefined);
    assert.equal(parseChallenge('Digest realm="r", nonce="n", algorithm=SHA-512-256'), undefined);
  });
});

describe('digest client: per call', () => {
  test('407 answered with Proxy-Authorization over the Request-URI; nc counts per nonce', () => {
    const answer = digestClient({ username: 'pbxuser', secret: 'pw' });
    const res = challenge(407, 'Digest realm="prov", nonce="abc", qop="auth"');
    const hs = answer(res, invite())!;
    assert.equal(hs[0]!.name, 'Proxy-Authorization');
    const p = parseAuthParams(hs[0]!.value).params;
    assert.equal(p.uri, 'sip:0123456789@provider.example');
    assert.equal(p.username, 'pbxuser');
    const want = h('MD5', `${h('MD5', 'pbxuser:prov:pw')}:abc:00000001:${p.cnonce}:auth:${h('MD5', 'INVITE:sip:0123456789@provider.example')}`);
    assert.equal(p.response, want);
    // A BYE later challenged with the same nonce (stale): count goes on.
    const again = answer(challenge(407, 'Digest realm="prov", nonce="abc", qop="auth", stale=true'), invite(hs))!;
    assert.equal(parseAuthParams(again[0]!.value).params.nc, '00000002');
  });
  test('our answer challenged again without stale: refused, give up (same nonce or a new one)', () => {
    const answer = digestClient({ username: 'u', secret: 'wrong' });
    const res = challenge(401, 'Digest realm="r", nonce="n1"');
    const hs = answer(res, invite())!;
    assert.equal(hs[0]!.name, 'Authorization');
    assert.equal(answer(res, invite(hs)), undefined);
    assert.equal(answer(challenge(401, 'Digest realm="r", nonce="n2"'), invite(hs)), undefined);
    // stale=true: the nonce expired, the password was right: answered again.
    assert.ok(answer(challenge(401, 'Digest realm="r", nonce="n2", stale=TRUE'), invite(hs)));
    // Another realm (a second proxy on the path) is a new challenge.
    assert.ok(answer(challenge(407, 'Digest realm="other", nonce="n3"'), invite(hs)));
  });
});
