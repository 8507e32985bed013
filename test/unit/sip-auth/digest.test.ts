import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { DigestAuthenticator, actionFor, isPasswordFailure, sameResource } from '../../../src/sip/auth/digest.ts';
import type { Credentials } from '../../../src/sip/auth/digest.ts';
import { credentialsHash, requestDigest } from '../../../src/sip/auth/digest-hash.ts';
import { parseUri } from '../../../src/sip/message/headers.ts';
import { answer, challenges, h, header, request } from './sip-client.ts';

const REALM = 'pbx.example.com';
const SRC = { protocol: 'UDP' as const, address: '192.0.2.10', port: 5060 };

function setup(extra: Partial<ConstructorParameters<typeof DigestAuthenticator>[0]> = {}) {
  const clock = new FakeClock();
  const auth = new DigestAuthenticator({ realm: REALM, clock, ...extra });
  const users: Record<string, Credentials> = {
    '2000': { username: '2000', secret: 'secret2000' },
    '2001': { username: '2001', md5secret: h('MD5', `2001:${REALM}:pw2001`) },
  };
  const lookup = (u: string) => users[u];
  return { clock, auth, lookup };
}

describe('digest arithmetic', () => {
  // RFC 7616 section 3.9.1, values checked by hand against the RFC text.
  const rfc7616 = {
    userHash: '',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    method: 'GET',
    uri: '/dir/index.html',
    qop: 'auth',
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };
  test('RFC 7616 3.9.1 MD5 example', () => {
    const userHash = credentialsHash('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    assert.equal(requestDigest({ ...rfc7616, algorithm: 'MD5', userHash }), '8ca523f5e9506fed4657c9700eebdbec');
  });
  test('RFC 7616 3.9.1 SHA-256 example', () => {
    const userHash = credentialsHash('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    assert.equal(requestDigest({ ...rfc7616, algorithm: 'SHA-256', userHash }), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });
  test('RFC 2617 3.5 example (MD5, qop=auth)', () => {
    const userHash = credentialsHash('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    const r = requestDigest({ algorithm: 'MD5', userHash, nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' });
    assert.equal(r, '6629fae49393a05397450978507c4ef1');
  });
  test('no-qop (RFC 2069) and -sess forms match an independent computation', () => {
    const ha1 = h('MD5', 'u:r:p');
    const ha2 = h('MD5', 'REGISTER:sip:r');
    assert.equal(requestDigest({ algorithm: 'MD5', userHash: ha1, nonce: 'n', method: 'REGISTER', uri: 'sip:r' }), h('MD5', `${ha1}:n:${ha2}`));
    const sess = h('SHA-256', `${h('SHA-256', 'u:r:p')}:n:c`);
    const want = h('SHA-256', `${sess}:n:00000002:c:auth:${h('SHA-256', 'REGISTER:sip:r')}`);
    assert.equal(requestDigest({ algorithm: 'SHA-256-sess', userHash: h('SHA-256', 'u:r:p'), nonce: 'n', method: 'REGISTER', uri: 'sip:r', qop: 'auth', nc: '00000002', cnonce: 'c' }), want);
  });
});

describe('DigestAuthenticator.challenge', () => {
  test('401 with SHA-256 then MD5, one fresh nonce, qop=auth, a To tag', () => {
    const { auth } = setup();
    const res = auth.challenge(request(), { source: SRC });
    assert.equal(res.status, 401);
    const ch = challenges(res);
    assert.deepEqual(ch.map((c) => c.algorithm), ['SHA-256', 'MD5']);
    assert.equal(ch[0]!.nonce, ch[1]!.nonce);
    assert.ok(ch.every((c) => c.realm === REALM && c.qop === 'auth' && !c.stale));
    assert.match(header(res, 'To')[0]!, /;tag=/);
    const again = challenges(auth.challenge(request(), { source: SRC }));
    assert.notEqual(again[0]!.nonce, ch[0]!.nonce, 'every challenge has its own nonce');
  });
  test('proxy challenge is 407 with Proxy-Authenticate; stale=true when asked', () => {
    const { auth } = setup({ algorithms: ['MD5'] });
    const res = auth.challenge(request({ method: 'INVITE' }), { source: SRC, proxy: true, stale: true });
    assert.equal(res.status, 407);
    assert.equal(header(res, 'WWW-Authenticate').length, 0);
    assert.equal(header(res, 'Proxy-Authenticate').length, 1);
    assert.deepEqual(challenges(res).map((c) => [c.algorithm, c.stale]), [['MD5', true]]);
  });
});

describe('DigestAuthenticator.verify', () => {
  for (const alg of ['SHA-256', 'MD5'] as const) {
    test(`accepts a correct ${alg} answer with qop=auth`, () => {
      const { auth, lookup } = setup();
      const ch = challenges(auth.challenge(request(), { source: SRC })).find((c) => c.algorithm === alg)!;
      const r = auth.verify(answer(request(), ch, { password: 'secret2000' }), lookup, SRC);
      assert.deepEqual(r, { ok: true, username: '2000' });
    });
  }

  test('md5secret works for MD5 and cannot work for SHA-256', () => {
    const { auth, lookup } = setup();
    const chs = challenges(auth.challenge(request({ user: '2001' }), { source: SRC }));
    const md5 = chs.find((c) => c.algorithm === 'MD5')!;
    const sha = chs.find((c) => c.algorithm === 'SHA-256')!;
    assert.equal(auth.verify(answer(request({ user: '2001' }), md5, { username: '2001', password: 'pw2001' }), lookup, SRC).ok, true);
    assert.deepEqual(auth.verify(answer(request({ user: '2001' }), sha, { username: '2001', password: 'pw2001' }), lookup, SRC), { ok: false, reason: 'wrong' });
  });

  test('legacy answer without qop is accepted once, then is a replay', () => {
    const { auth, lookup } = setup();
    const ch = challenges(auth.challenge(request(), { source: SRC }))[1]!;
    const req = answer(request(), ch, { password: 'secret2000', qop: false });
    assert.equal(auth.verify(req, lookup, SRC).ok, true);
    assert.deepEqual(auth.verify(req, lookup, SRC), { ok: false, reason: 'replay' });
  });

  test('nonce-count: same or lower nc is a replay, higher is fine', () => {
    const { auth, lookup } = setup();
    const ch = challenges(auth.challenge(request(), { source: SRC }))[0]!;
    const at = (nc: number) => auth.verify(answer(request({ cseq: nc + 1 }), ch, { password: 'secret2000', nc }), lookup, SRC);
    assert.equal(at(1).ok, true);
    assert.deepEqual(at(1), { ok: false, reason: 'replay' });
    assert.equal(at(2).ok, true);
    assert.equal(at(5).ok, true);
    assert.deepEqual(at(3), { ok: false, reason: 'replay' });
  });

  test('an old nonce with the right password is stale; with a wrong one it is wrong', () => {
    const { auth, lookup, clock } = setup({ nonceLifetimeMs: 30_000 });
    const ch = challenges(auth.challenge(request(), { source: SRC }))[0]!;
    clock.advance(29_999);
    assert.equal(auth.verify(answer(request(), ch, { password: 'secret2000' }), lookup, SRC).ok, true);
    clock.advance(1);
    assert.deepEqual(auth.verify(answer(request(), ch, { password: 'secret2000', nc: 2 }), lookup, SRC), { ok: false, reason: 'stale' });
    assert.deepEqual(auth.verify(answer(request(), ch, { password: 'guess', nc: 3 }), lookup, SRC), { ok: false, reason: 'wrong' });
    assert.equal(actionFor('stale'), 'challenge-stale');
  });

  test('forged nonces, nonces of another process and of another address are refused', () => {
    const { auth, lookup, clock } = setup();
    const ch = challenges(auth.challenge(request(), { source: SRC }))[0]!;
    const tampered = { ...ch, nonce: ch.nonce.slice(0, -1) + (ch.nonce.endsWith('0') ? '1' : '0') };
    assert.deepEqual(auth.verify(answer(request(), tampered, { password: 'secret2000' }), lookup, SRC), { ok: false, reason: 'bad-nonce' });
    assert.deepEqual(auth.verify(answer(request(), { ...ch, nonce: 'abc' }, { password: 'secret2000' }), lookup, SRC), { ok: false, reason: 'bad-nonce' });
    const restarted = new DigestAuthenticator({ realm: REALM, clock });
    assert.deepEqual(restarted.verify(answer(request(), ch, { password: 'secret2000' }), lookup, SRC), { ok: false, reason: 'bad-nonce' });
    assert.deepEqual(auth.verify(answer(request(), ch, { password: 'secret2000' }), lookup, { address: '198.51.100.7' }), { ok: false, reason: 'bad-nonce' });
    // A shared secretKey makes nonces survive across instances (e.g. two processes behind one name).
    const a1 = new DigestAuthenticator({ realm: REALM, clock, secretKey: 'k' });
    const a2 = new DigestAuthenticator({ realm: REALM, clock, secretKey: 'k' });
    const ch2 = challenges(a1.challenge(request(), { source: SRC }))[0]!;
    assert.equal(a2.verify(answer(request(), ch2, { password: 'secret2000' }), lookup, SRC).ok, true);
  });

  test('unknown user and wrong password both fail as password failures, after the same work', () => {
    const { auth } = setup();
    const seen: string[] = [];
    const lookup = (u: string) => {
      seen.push(u);
      return u === '2000' ? { username: '2000', secret: 'secret2000' } : undefined;
    };
    const ch = challenges(auth.challenge(request(), { source: SRC }))[0]!;
    const wrong = auth.verify(answer(request(), ch, { password: 'nope' }), lookup, SRC);
    const unknown = auth.verify(answer(request({ user: '9999' }), ch, { username: '9999', password: 'nope' }), lookup, SRC);
    assert.deepEqual(wrong, { ok: false, reason: 'wrong' });
    assert.deepEqual(unknown, { ok: false, reason: 'unknown-user' });
    assert.deepEqual(seen, ['2000', '9999']);
    assert.equal(actionFor('wrong'), actionFor('unknown-user'));
    assert.ok(isPasswordFailure('wrong') && isPasswordFailure('unknown-user'));
    assert.ok(!isPasswordFailure('stale') && !isPasswordFailure('replay') && !isPasswordFailure('missing'));
  });

  test('missing, foreign realm, malformed credentials, mismatching digest uri', () => {
    const { auth, lookup } = setup();
    const ch = challenges(auth.challenge(request(), { source: SRC }))[0]!;
    const v = (req: ReturnType<typeof request>) => auth.verify(req, lookup, SRC);
    assert.deepEqual(v(request()), { ok: false, reason: 'missing' });
    assert.deepEqual(v(request({ headers: ['Authorization: Basic dXNlcjpwdw=='] })), { ok: false, reason: 'missing' });
    assert.deepEqual(v(answer(request(), ch, { password: 'secret2000', realm: 'other' })), { ok: false, reason: 'bad-realm' });
    const bad = (value: string) => v(request({ headers: [`Authorization: ${value}`] }));
    const base = `Digest username="2000", realm="${REALM}", nonce="${ch.nonce}", uri="sip:pbx.example.com"`;
    assert.deepEqual(bad(base), { ok: false, reason: 'bad-request' }, 'no response');
    assert.deepEqual(bad(`${base}, response="00", algorithm=SHA-512`), { ok: false, reason: 'bad-request' }, 'algorithm not offered');
    assert.deepEqual(bad(`${base}, response="00", qop=auth, nc=00000001`), { ok: false, reason: 'bad-request' }, 'qop without cnonce');
    assert.deepEqual(bad(`${base}, response="00", qop=auth, nc=1, cnonce="x"`), { ok: false, reason: 'bad-request' }, 'nc not 8 hex digits');
    assert.deepEqual(bad('Digest username="2000'), { ok: false, reason: 'bad-request' }, 'unparseable');
    assert.deepEqual(v(answer(request(), ch, { password: 'secret2000', uri: 'sip:evil.example.com' })), { ok: false, reason: 'bad-uri' });
    assert.equal(v(answer(request(), ch, { password: 'secret2000', uri: 'sip:PBX.example.com:5060;transport=udp' })).ok, true, 'loose uri match');
  });

  test('Proxy-Authorization is read for proxy challenges', () => {
    const { auth, lookup } = setup();
    const inv = request({ method: 'INVITE', ruri: 'sip:2001@pbx.example.com' });
    const ch = challenges(auth.challenge(inv, { source: SRC, proxy: true }))[0]!;
    const answered = answer(inv, ch, { password: 'secret2000', header: 'Proxy-Authorization' });
    assert.deepEqual(auth.verify(answered, lookup, SRC), { ok: false, reason: 'missing' });
    assert.equal(auth.verify(answered, lookup, SRC, { proxy: true }).ok, true);
  });

  test('the nonce-count table stays bounded; an evicted nonce is refused as stale', () => {
    const { auth, lookup, clock } = setup({ maxTrackedNonces: 3 });
    const chs = Array.from({ length: 5 }, () => {
      clock.advance(1);
      return challenges(auth.challenge(request(), { source: SRC }))[0]!;
    });
    for (const ch of chs) assert.equal(auth.verify(answer(request(), ch, { password: 'secret2000' }), lookup, SRC).ok, true);
    assert.equal(auth.trackedNonces, 3);
    assert.deepEqual(auth.verify(answer(request(), chs[0]!, { password: 'secret2000', nc: 2 }), lookup, SRC), { ok: false, reason: 'stale' });
    assert.equal(auth.verify(answer(request(), chs[4]!, { password: 'secret2000', nc: 2 }), lookup, SRC).ok, true);
  });

  test('sameResource compares parsed URIs', () => {
    const ruri = parseUri('sip:pbx.example.com');
    assert.equal(sameResource('sip:pbx.example.com:5060', ruri), true);
    assert.equal(sameResource('sips:pbx.example.com', ruri), false);
    assert.equal(sameResource('sip:2000@pbx.example.com', ruri), false);
    assert.equal(sameResource('not a uri', ruri), false);
  });
});
