/**
 * Outbound registration (issue 13) of the built bundle to a real provider: Kamailio with digest
 * auth (test/integration/kamailio.ts). `register =>` with the right password is Registered and
 * in Kamailio's location table; a Kamailio restart is healed by the next refresh; a wrong
 * password stops after registerattempts tries; a malformed line is a `pbx check` error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pbxCheck, sleep, startPbx, type PbxProcess } from './harness.ts';
import { startKamailio, type Kamailio } from './kamailio.ts';
import { UdpPhone, header } from './raw-sip.ts';

const PBX_CONF = '[system]\nsip = 127.0.0.1:5060\n\n[phones]\n2000 = Secr3t-2000, Alice\n';

/** Polls fn every 100 ms until it returns a value, or fails after ms with what it last saw. */
async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms: number, last: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`${what} not within ${ms} ms:\n${last()}`);
    await sleep(100);
  }
}

function registryLine(pbx: PbxProcess, user: string): string {
  return pbx.rx('sip show registry').split('\n').find((l) => new RegExp(`\\s${user}\\s`).test(l)) ?? '';
}

describe('Kamailio test provider (harness self-test)', () => {
  let kam: Kamailio;
  before(async () => {
    kam = await startKamailio({ users: [{ name: '1001', password: 'pw1001' }] });
  });
  after(async () => {
    await kam?.stop();
  });

  test('a REGISTER without credentials is challenged 401 with a digest for its domain', async () => {
    const phone = new UdpPhone('1001', kam.port);
    await phone.bind();
    try {
      phone.register({ expires: 60 });
      const r = await phone.response();
      assert.equal(r.status, 401, r.raw);
      assert.match(header(r, 'WWW-Authenticate') ?? '', /^Digest realm="127\.0\.0\.1", nonce="[^"]+"/);
      assert.deepEqual(await kam.locations(), []);
    } finally {
      phone.close();
    }
  });
});

describe('register => to Kamailio', () => {
  let kam: Kamailio;
  let pbx: PbxProcess;
  before(async () => {
    kam = await startKamailio({
      users: [
        { name: '4420', password: 'trunk-pass' },
        { name: '4421', password: 'right-pass' },
        { name: '4422', password: 'tcp-pass' },
      ],
    });
    pbx = await startPbx({
      files: {
        'sip.conf': [
          '[general]',
          // Short expiry and retry so the restart is healed within the test.
          'registertimeout = 1',
          'registerattempts = 3',
          `register => 4420:trunk-pass@127.0.0.1:${kam.port}/4420~4`,
          `register => 4421:wrong-pass@127.0.0.1:${kam.port}`,
          '',
        ].join('\n'),
      },
    });
  });
  after(async () => {
    await pbx?.stop();
    await kam?.stop();
  });

  test('with digest: Registered within 2 s, and the contact is in the location table', async () => {
    const line = await until('Registered', () => (/Registered/.test(registryLine(pbx, '4420')) ? registryLine(pbx, '4420') : undefined), 2000, () => pbx.rx('sip show registry') + kam.logs().slice(-2000));
    assert.match(line, new RegExp(`^127\\.0\\.0\\.1:${kam.port}\\s+N\\s+4420\\s+4 Registered\\s+\\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2}$`));
    const locs = await kam.locations();
    const mine = locs.find((l) => l.aor === '4420');
    assert.ok(mine, `no 4420 in ${JSON.stringify(locs)}`);
    // The contact user is the /extension, at the PBX's SIP address.
    assert.equal(mine.contact, `sip:4420@127.0.0.1:${pbx.port}`);
    assert.ok(mine.expires > 0 && mine.expires <= 4, `expires ${mine.expires}`);
    assert.match(pbx.rx('sip show registry'), /^Host\s+dnsmgr\s+Username\s+Refresh\s+State\s+Reg\.Time$/m);
  });

  test('a wrong password gives up after registerattempts tries, without hammering', async () => {
    const line = await until('4421 Failed', () => (/ Failed/.test(registryLine(pbx, '4421')) ? registryLine(pbx, '4421') : undefined), 15_000, () => pbx.rx('sip show registry'));
    assert.match(line, /\s4421\s+0 Failed\s*$/);
    // Each try is one REGISTER and one answer to Kamailio's challenge, whose 401 says the
    // password is wrong: registerattempts = 3 tries, 6 REGISTERs, then silence.
    // (Kamailio's log is read between polls: wait for its lines to arrive, then count.)
    await until('6 REGISTERs in the log', () => (kam.requestsSeen('REGISTER', '4421') >= 6 ? true : undefined), 3000, () => kam.logs().slice(-3000));
    assert.equal(kam.requestsSeen('REGISTER', '4421'), 6, kam.logs().slice(-3000));
    const logs = pbx.output();
    assert.equal((logs.match(/Registration 4421@127\.0\.0\.1:\d+: Auth\. Sent -> No Authentication/g) ?? []).length, 2, logs.slice(-3000));
    assert.equal((logs.match(/Registration 4421@127\.0\.0\.1:\d+: Auth\. Sent -> Failed/g) ?? []).length, 1, logs.slice(-3000));
    await sleep(2500);
    assert.equal(kam.requestsSeen('REGISTER', '4421'), 6, 'no REGISTER after Failed');
    assert.match(registryLine(pbx, '4421'), / Failed/);
    assert.equal((await kam.locations()).some((x) => x.aor === '4421'), false);
  });

  test('Kamailio restarted (location table empty): registered again by the next refresh', async () => {
    const mark = kam.logs().length;
    await kam.restart();
    // Granted 4 s: refreshed after 3.2 s at most; a REGISTER lost while Kamailio was down is
    // retried after registertimeout (1 s). The binding must come from a REGISTER the new
    // Kamailio (empty location table) received.
    const back = await until(
      '4420 back in the location table',
      async () => (/KAM-RX REGISTER \S+ to=4420 /.test(kam.logs().slice(mark)) ? (await kam.locations()).find((l) => l.aor === '4420') : undefined),
      6000,
      () => pbx.rx('sip show registry') + kam.logs().slice(-2000),
    );
    assert.equal(back.contact, `sip:4420@127.0.0.1:${pbx.port}`);
    assert.match(registryLine(pbx, '4420'), /Registered/);
  });

  test('reload: a removed line is un-REGISTERed, a new (TCP) line registers, a Failed line tries again', async () => {
    const failedBefore = kam.requestsSeen('REGISTER', '4421');
    writeFileSync(
      join(pbx.dir, 'sip.conf'),
      [
        '[general]',
        'registertimeout = 1',
        'registerattempts = 3',
        `register => 4421:wrong-pass@127.0.0.1:${kam.port}`,
        `register => tcp://4422:tcp-pass@127.0.0.1:${kam.port}/4422`,
        '',
      ].join('\n'),
    );
    assert.match(pbx.rx('reload'), /Configuration reloaded\.[\s\S]*outbound registrations: 1 added, 1 removed, 1 restarted, 0 kept/);
    const tcp = await until('4422 in the location table', async () => (await kam.locations()).find((l) => l.aor === '4422'), 2000, () => pbx.rx('sip show registry'));
    assert.equal(tcp.contact, `sip:4422@127.0.0.1:${pbx.port};transport=tcp`);
    await until('4420 gone from the location table', async () => ((await kam.locations()).some((l) => l.aor === '4420') ? undefined : true), 2000, () => kam.logs().slice(-2000));
    assert.doesNotMatch(pbx.rx('sip show registry'), /\s4420\s/);
    await until('4421 Failed again', () => (/ Failed/.test(registryLine(pbx, '4421')) && kam.requestsSeen('REGISTER', '4421') === failedBefore + 6 ? true : undefined), 15_000, () => pbx.rx('sip show registry'));
  });

  test('PBX stop un-REGISTERs: the contact leaves the location table', async () => {
    await until('4422 registered', async () => (await kam.locations()).find((l) => l.aor === '4422'), 6000, () => pbx.rx('sip show registry'));
    await pbx.stop();
    assert.deepEqual((await kam.locations()).filter((l) => l.aor === '4422'), []);
  });
});

describe('register => while the provider is down', () => {
  let kam: Kamailio;
  let pbx: PbxProcess;
  before(async () => {
    kam = await startKamailio({ users: [{ name: '4430', password: 'pw-4430' }] });
    pbx = await startPbx({
      files: {
        // Expiry 4 s (refresh every 3.2 s), answers awaited 1 s, tries forever: 1, 2, 4, 8 s apart.
        'sip.conf': `[general]\nregistertimeout = 1\nregister => 4430:pw-4430@127.0.0.1:${kam.port}/4430~4\n`,
      },
    });
  });
  after(async () => {
    await pbx?.stop();
    await kam?.stop();
  });

  test('refreshes time out while Kamailio is stopped; registered again within the retry spacing once it is back', async () => {
    await until('4430 registered', async () => (await kam.locations()).find((l) => l.aor === '4430'), 2000, () => pbx.rx('sip show registry'));
    // Down for 4 s, longer than the refresh interval, so at least one refresh gets no answer.
    await kam.restart(4000);
    // Tries are at most 4 s apart by then (1, 2, 4 s after the first lost refresh): back within 6 s.
    const back = await until('4430 back in the location table', async () => (await kam.locations()).find((l) => l.aor === '4430'), 6000, () => pbx.rx('sip show registry') + pbx.output().slice(-2000));
    assert.equal(back.contact, `sip:4430@127.0.0.1:${pbx.port}`);
    assert.match(pbx.output(), /Registration 4430@127\.0\.0\.1:\d+: Request Sent -> Timeout \(no answer within 1 s/);
    assert.match(registryLine(pbx, '4430'), /Registered/);
  });
});

describe('register => typos are pbx check errors with file:line', () => {
  const cases: [string, RegExp][] = [
    ['register => 4420:secret', /no registrar host/],
    ['register => 4420:secret@', /no registrar host after the last @/],
    ['register => 4420:secret@sip.example.net:99999', /port 99999 is out of range/],
    ['register => 4420:secret@sip.example.net/4420~soon', /expiry 'soon'/],
    ['register => tls://4420:secret@sip.example.net', /tls:\/\/ is not supported/],
    ['register => udpp://4420:secret@sip.example.net', /unknown transport 'udpp:\/\/'/],
    ['register => 4420:se:cr:et@sip.example.net', /too many ':'/],
  ];
  for (const [line, why] of cases) {
    test(line, () => {
      const r = pbxCheck({ 'pbx.conf': PBX_CONF, 'sip.conf': `[general]\nregistertimeout = 20\n${line}\n` });
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, /sip\.conf:3: invalid register => /);
      assert.match(r.out, why);
    });
  }

  test('a good line and the retry settings pass', () => {
    const r = pbxCheck({ 'pbx.conf': PBX_CONF, 'sip.conf': '[general]\nregistertimeout = 5\nregisterattempts = 10\nregister => tcp://4420@sip.example.net:secret:auth4420@proxy.example.net:5080/4420~300\n' });
    assert.equal(r.status, 0, r.out);
  });

  test('registerattempts with a typo in its value is an error', () => {
    const r = pbxCheck({ 'pbx.conf': PBX_CONF, 'sip.conf': '[general]\nregisterattempts = many\n' });
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /sip\.conf:2: invalid registerattempts 'many'/);
  });
});
