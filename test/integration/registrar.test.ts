/**
 * The registrar from outside, on the bundle: SIPp and a raw UDP phone register with digest auth,
 * wrong passwords and unknown users are answered alike, re-register / unregister / Contact: *
 * behave per RFC 3261 10.3, registrations survive kill -9.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runSipp, sleep, startPbx, type PbxProcess } from './harness.ts';
import { UdpPhone, digestAnswer, header, headersNamed } from './raw-sip.ts';

describe('registrar against real peers', () => {
  let pbx: PbxProcess;
  before(async () => {
    // SHA-256 is opt-in (MD5 alone by default, for baresip 1.0); offer both here (MD5 first for SIPp) to test both.
    pbx = await startPbx({ files: { 'sip.conf': '[general]\ndigestalgorithms = md5,sha-256\n' } });
  });
  after(async () => {
    await pbx.stop();
  });

  test('SIPp registers 2000 over UDP with digest auth; 200 OK echoes contact and expiry', async () => {
    const r = await runSipp('register-auth.xml', pbx.port, ['-s', '2000', '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'expires', '300']);
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}`);
    const peers = pbx.rx('sip show peers');
    assert.match(peers, /^2000\/2000\s+127\.0\.0\.1\s+D/m);
  });

  test('a registered phone that does not answer OPTIONS becomes UNREACHABLE', async () => {
    // SIPp's register scenario ignores the qualify OPTIONS; chan_sip's rule: no answer in 2 x 2000 ms.
    const deadline = Date.now() + 10_000;
    let peers = '';
    while (Date.now() < deadline) {
      peers = pbx.rx('sip show peers');
      if (/^2000\/2000\s+127\.0\.0\.1\s.*UNREACHABLE/m.test(peers)) break;
      await sleep(250);
    }
    assert.match(peers, /^2000\/2000\s+127\.0\.0\.1\s.*UNREACHABLE/m);
    assert.match(peers, /Monitored: 0 online/);
  });

  test('SIPp registers 2001 over TCP', async () => {
    const r = await runSipp('register-auth.xml', pbx.port, ['-s', '2001', '-au', '2001', '-ap', 'Secr3t-2001', '-set', 'expires', '120'], { transport: 't1' });
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}`);
    assert.match(pbx.rx('sip show registrations'), /^2001\s+sip:2001@127\.0\.0\.1:\d+;transport=TCP\s+TCP 127\.0\.0\.1/m);
  });

  test('SIPp with a wrong password is refused', async () => {
    const r = await runSipp('register-wrong-password.xml', pbx.port, ['-s', '2000', '-au', '2000', '-ap', 'not-the-password']);
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}`);
  });

  test('unknown user and wrong password get answers of the same shape', async () => {
    const shapes: string[] = [];
    for (const [user, password] of [
      ['2000', 'wrong-password'],
      ['7777', 'whatever-password'],
    ]) {
      const phone = new UdpPhone(user, pbx.port);
      await phone.bind();
      try {
        phone.register({ expires: 60 });
        const chal = await phone.response();
        assert.equal(chal.status, 401, `first REGISTER of ${user} is challenged`);
        const wwwa = headersNamed(chal, 'WWW-Authenticate');
        phone.register({ expires: 60, auth: digestAnswer(wwwa[0], user, password, `sip:127.0.0.1:${pbx.port}`) });
        const res = await phone.response();
        assert.ok(res.status === 401 || res.status === 403, `${user} refused, got ${res.status}`);
        const names = res.headers.map(([n]) => n.toLowerCase()).join(',');
        shapes.push(`${res.status} ${res.reason} [${names}] / challenge [${chal.headers.map(([n]) => n.toLowerCase()).join(',')}] ${wwwa.length}`);
      } finally {
        phone.close();
      }
    }
    assert.equal(shapes[0], shapes[1]);
  });

  test('raw phone: register, refresh, second contact, remove one, Contact: * removes all', async () => {
    const phone = new UdpPhone('2000', pbx.port);
    await phone.bind();
    try {
      const uri = `sip:127.0.0.1:${pbx.port}`;
      phone.register({ expires: 600 });
      const chal = await phone.response();
      const www = headersNamed(chal, 'WWW-Authenticate');
      const sha = www.find((w) => /SHA-256/.test(w));
      assert.ok(sha, 'a SHA-256 challenge is offered too');
      // SHA-256 works as well as MD5.
      phone.register({ expires: 600, auth: digestAnswer(sha, '2000', 'Secr3t-2000', uri) });
      let ok = await phone.response();
      assert.equal(ok.status, 200);
      const mine = headersNamed(ok, 'Contact').find((c) => c.includes(`:${phone.port}>`));
      assert.match(mine ?? '', /;expires=600$/);

      const second = `<sip:2000@127.0.0.1:${phone.port + 1}>`;
      // A new nonce per request keeps nc=1 valid (the stateless nonce is reused only with nc+1).
      const again = async (opts: Parameters<UdpPhone['register']>[0]): Promise<typeof ok> => {
        phone.register(opts);
        const c = await phone.response();
        if (c.status !== 401) return c;
        phone.register({ ...opts, auth: digestAnswer(headersNamed(c, 'WWW-Authenticate')[0], '2000', 'Secr3t-2000', uri) });
        return phone.response();
      };
      ok = await again({ expires: 300, contact: second });
      assert.equal(ok.status, 200);
      const contacts = headersNamed(ok, 'Contact');
      assert.ok(contacts.some((c) => c.includes(`:${phone.port}>`)) && contacts.some((c) => c.includes(`:${phone.port + 1}>`)), `two contacts: ${contacts}`);

      ok = await again({ expires: 0, contact: second });
      assert.equal(ok.status, 200);
      assert.ok(!headersNamed(ok, 'Contact').some((c) => c.includes(`:${phone.port + 1}>`)), 'second contact removed');

      ok = await again({ expires: 30 });
      assert.equal(ok.status, 423);
      assert.match(header(ok, 'Min-Expires') ?? '', /^\d+$/);

      ok = await again({ expires: 0, contact: '*' });
      assert.equal(ok.status, 200);
      assert.equal(headersNamed(ok, 'Contact').filter((c) => c.includes('127.0.0.1')).length, 0);
      assert.doesNotMatch(pbx.rx('sip show registrations'), new RegExp(`:${phone.port}[;>]`));
    } finally {
      phone.close();
    }
  });

  test('OPTIONS to the PBX is answered 200 with Allow', async () => {
    const phone = new UdpPhone('probe', pbx.port);
    await phone.bind();
    try {
      phone.sendRaw(
        [
          `OPTIONS sip:127.0.0.1:${pbx.port} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bKopt1;rport`,
          `From: <sip:probe@127.0.0.1>;tag=p1`,
          `To: <sip:127.0.0.1:${pbx.port}>`,
          `Call-ID: opt-1@test`,
          `CSeq: 1 OPTIONS`,
          'Max-Forwards: 70',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
      const res = await phone.response();
      assert.equal(res.status, 200);
      assert.match(header(res, 'Allow') ?? '', /REGISTER/);
      assert.match(header(res, 'Via') ?? '', /rport=\d+/);
    } finally {
      phone.close();
    }
  });
});

describe('registrations survive kill -9', () => {
  test('a registered contact is listed again after a hard kill and restart', async () => {
    const pbx = await startPbx();
    try {
      const r = await runSipp('register-auth.xml', pbx.port, ['-s', '2001', '-au', '2001', '-ap', 'Secr3t-2001', '-set', 'expires', '600']);
      assert.equal(r.status, 0, r.errors);
      const before = pbx.rx('sip show peers');
      const m = /^2001\/2001\s+127\.0\.0\.1\s+D\s+\S+\s+(\d+)/m.exec(before);
      assert.ok(m, before);
      // Material changes are written within 1 s (debounced) - a real phone's next action is later.
      await sleep(1500);
      await pbx.kill9();
      await pbx.restart();
      const after = pbx.rx('sip show peers');
      assert.match(after, new RegExp(`^2001/2001\\s+127\\.0\\.0\\.1\\s+D\\s+\\S+\\s+${m[1]}\\b`, 'm'));
      await pbx.waitFor(/ 1 registrations restored/);
    } finally {
      await pbx.stop();
    }
  });
});
