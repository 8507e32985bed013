/**
 * Remote syslog and the console, on the bundle: RFC 5424 records for start-up and registration
 * reach a UDP listener on 127.0.0.1; `pbx check` reports file:line; reload keeps the running
 * configuration when the new one is broken; console commands answer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE, runSipp, sleep, startPbx, type PbxProcess } from './harness.ts';
import { UdpPhone } from './raw-sip.ts';

/** RFC 5424 section 6 (HEADER SP STRUCTURED-DATA [SP MSG]), checked field by field. */
const RFC5424 =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) ([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) (-|(?:\[[^\]]+\])+)(?: (.*))?$/s;

describe('remote syslog', () => {
  let pbx: PbxProcess;
  let sock: Socket;
  const records: string[] = [];
  before(async () => {
    sock = createSocket('udp4');
    sock.on('message', (m) => records.push(m.toString('utf8')));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    pbx = await startPbx({ system: { syslog: `127.0.0.1:${sock.address().port}/udp`, hostname: 'pbx-test' } });
  });
  after(async () => {
    await pbx.stop();
    sock.close();
  });

  test('start-up and a registration arrive as well-formed RFC 5424 records', async () => {
    const r = await runSipp('register-auth.xml', pbx.port, ['-s', '2000', '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'expires', '120']);
    assert.equal(r.status, 0, r.errors);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !records.some((x) => /Registered SIP '2000'/.test(x))) await sleep(50);
    assert.ok(records.length >= 2, `records: ${records.length}`);
    for (const rec of records) {
      const m = RFC5424.exec(rec.replace(/^\uFEFF/, ''));
      assert.ok(m, `not RFC 5424: ${rec}`);
      const pri = Number(m[1]);
      assert.ok(pri >= 0 && pri <= 191);
      assert.equal(m[3], 'pbx-test', 'HOSTNAME from [system] hostname');
      assert.equal(m[4], 'pbx', 'APP-NAME');
      assert.match(m[5], /^\d+$/, 'PROCID is the pid');
      assert.ok(!Number.isNaN(Date.parse(m[2])), 'TIMESTAMP parses');
    }
    const start = records.find((x) => /SIP ready/.test(x));
    assert.ok(start, 'start-up record');
    assert.equal(Number(RFC5424.exec(start)![1]) % 8, 5, 'notice severity (5)');
    const reg = records.find((x) => /Registered SIP '2000'/.test(x));
    assert.ok(reg, 'registration record');
    assert.equal(Number(RFC5424.exec(reg.replace(/^\uFEFF/, ''))![1]) % 8, 6, 'verbose maps to info (6)');
  });
});

describe('configuration check and reload', () => {
  test('pbx check reports every error as file:line: reason and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-check-'));
    try {
      writeFileSync(join(dir, 'pbx.conf'), '[system]\nsipp = 127.0.0.1:5060\nrtp = 20000-10000\n[phones]\n2000 = Secret-one-2x, Alice\nabc = x\n');
      writeFileSync(join(dir, 'sip.conf'), '[general]\n[3000]\ntype=friend\nhost=dynamic\nsecret=Very-secret-3\nqualifi=yes\n');
      const r = spawnSync(process.execPath, [BUNDLE, 'check', '--config', dir], { encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.match(r.stdout, /^pbx\.conf:2: .*'sipp'.*did you mean 'sip'/m);
      assert.match(r.stdout, /^pbx\.conf:3: .*rtp/m);
      assert.match(r.stdout, /^pbx\.conf:6: /m);
      assert.match(r.stdout, /^sip\.conf:6: .*'qualifi'.*did you mean 'qualify'/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('pbx check --demo passes', () => {
    const r = spawnSync(process.execPath, [BUNDLE, 'check', '--demo'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /configuration OK/);
  });

  test('reload applies a valid change and refuses a broken one, keeping the running config', async () => {
    const pbx = await startPbx();
    try {
      const conf = join(pbx.dir, 'pbx.conf');
      const good = readFileSync(conf, 'utf8');
      writeFileSync(conf, `${good}2002 = Third-phone-pw, Carol\n`);
      assert.match(pbx.rx('reload'), /Configuration reloaded/);
      assert.match(pbx.rx('sip show peers'), /^2002\/2002/m);

      writeFileSync(conf, `${good}2003 = Fourth-phone-pw, Dan\nbogus line without equals\n`);
      const out = pbx.rx('reload');
      assert.match(out, /Reload failed; keeping the running configuration/);
      assert.match(out, /pbx\.conf:\d+: /);
      const peers = pbx.rx('sip show peers');
      assert.match(peers, /^2002\/2002/m, 'the last good configuration keeps running');
      assert.doesNotMatch(peers, /^2003\//m);
    } finally {
      await pbx.stop();
    }
  });
});

describe('console', () => {
  let pbx: PbxProcess;
  before(async () => {
    pbx = await startPbx();
  });
  after(async () => {
    await pbx.stop();
  });

  test('core show version, uptime, help', () => {
    assert.match(pbx.rx('core show version'), /^PBX \d+\.\d+\.\d+ on node v\d+/);
    assert.match(pbx.rx('core show uptime'), /System uptime: \d+ seconds?/);
    const help = pbx.rx('help');
    for (const cmd of ['sip show peers', 'sip show peer', 'sip set debug', 'core set verbose', 'reload', 'core stop', 'sip show bans', 'sip unban']) {
      assert.ok(help.includes(cmd), `help lists ${cmd}`);
    }
    assert.match(pbx.rx('help sip show'), /sip show peers/);
  });

  test('core set verbose and an unknown command', () => {
    assert.match(pbx.rx('core set verbose 5'), /now 5/);
    assert.match(pbx.rx('core set verbose eleven'), /expected a level/);
    const r = spawnSync(process.execPath, [BUNDLE, '-rx', 'sip shwo peers', '--config', pbx.dir], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /No such command/);
  });

  test('timing test measures the native media clock', () => {
    const out = pbx.rx('timing test 1');
    assert.match(out, /^Media clock: native/m, 'the addon built by npm ci is loaded');
    const m = /Ticks: (\d+) delivered of (\d+) due/.exec(out);
    assert.ok(m, out);
    assert.ok(Number(m[2]) >= 45 && Number(m[2]) <= 55, `about 50 ticks due in 1 s: ${out}`);
  });

  test('sip show peer NAME shows the peer and its origin', () => {
    const out = pbx.rx('sip show peer 2000');
    assert.match(out, /Name\s+: 2000/);
    assert.match(out, /Defined at\s+: pbx\.conf:\d+ \(from \[phones\]\)/);
    assert.match(pbx.rx('sip show peer 4242'), /not found/);
  });

  test('sip set debug ip prints full messages to an attached console', async () => {
    const conn = connect(join(pbx.dir, 'control.sock'));
    let seen = '';
    conn.on('data', (b) => (seen += b.toString()));
    await new Promise((r) => conn.once('connect', r));
    conn.write(`${JSON.stringify({ t: 'log', verbose: 3 })}\n`);
    try {
      assert.match(pbx.rx('sip set debug ip 127.0.0.1'), /Enabled for IP: 127\.0\.0\.1/);
      const phone = new UdpPhone('dbg', pbx.port);
      await phone.bind();
      phone.sendRaw(
        `OPTIONS sip:127.0.0.1:${pbx.port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bKdbg1\r\nFrom: <sip:dbg@127.0.0.1>;tag=d\r\nTo: <sip:127.0.0.1>\r\nCall-ID: dbg-1@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
      );
      await phone.response();
      phone.close();
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && !/SIP\/2\.0 200 OK/.test(seen)) await sleep(50);
      assert.ok(seen.includes('Call-ID: dbg-1@test'), 'the received OPTIONS is printed');
      assert.ok(/SIP\/2\.0 200 OK/.test(seen), 'the response sent is printed');
      assert.match(pbx.rx('sip set debug off'), /Disabled/);
    } finally {
      conn.destroy();
    }
  });

  test('pbx -r: commands and the live log on one console, exit leaves', async () => {
    const child = spawn(process.execPath, [BUNDLE, '-r', '-v', '3', '--config', pbx.dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    const until = async (re: RegExp): Promise<void> => {
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !re.test(out)) await sleep(50);
      assert.match(out, re);
    };
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    await until(/Connected to PBX control socket/);
    child.stdin.write('core show version\n');
    await until(/PBX \d+\.\d+\.\d+ on node/);
    const r = await runSipp('register-auth.xml', pbx.port, ['-s', '2001', '-au', '2001', '-ap', 'Secr3t-2001', '-set', 'expires', '120']);
    assert.equal(r.status, 0, r.errors);
    await until(/Registered SIP '2001'/);
    child.stdin.write('exit\n');
    assert.equal(await exited, 0);
  });

  test('-rx against a stopped PBX says it cannot connect', () => {
    const r = spawnSync(process.execPath, [BUNDLE, '-rx', 'core show version', '--socket', join(pbx.dir, 'nope.sock')], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Unable to connect .*is the PBX running/);
  });

  test('core stop now ends the process', async () => {
    const p2 = await startPbx();
    const exited = new Promise<number | null>((r) => p2.proc.once('exit', (c) => r(c)));
    assert.match(p2.rx('core stop now'), /Stopping/);
    assert.equal(await exited, 0);
    await p2.stop();
  });
});
