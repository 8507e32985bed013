/**
 * The manager interface on the bundle, driven by real clients: python3-panoramisk logs in with
 * MD5 (Challenge, then Login with the key), runs Ping, Command `sip show peers`, Setvar/Getvar,
 * DBPut/DBGet and CoreShowChannels while a SIPp call is up, and receives the call's Newchannel,
 * DialBegin, BridgeEnter and Hangup events with the right channel names, and DTMF, VarSet and
 * NewCallerid events of a call pressing RFC 4733 digits. A raw TCP client checks
 * what a library hides: errors that leave the session usable, the 64 KiB line bound, a client
 * that stops reading being dropped while calls keep succeeding, a wrong secret refused and the
 * source banned after repeated failures, a flood of connections that do not log in bounded by
 * authlimit and authtimeout. `pbx check` reports manager.conf typos with file:line.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, pbxCheck, sleep, startPbx, type PbxProcess } from './harness.ts';
import { describe as explain, sipp } from './calls-sipp.ts';
import { Panoramisk, RawAmi, type AmiDict } from './ami-client.ts';

const SECRET = 'amiS3cret';

function managerConf(port: number): string {
  return ['[general]', 'enabled = yes', `port = ${port}`, 'bindaddr = 127.0.0.1', 'authlimit = 5', 'authtimeout = 2', '', '[admin]', `secret = ${SECRET}`, 'deny = 0.0.0.0/0.0.0.0', 'permit = 127.0.0.1/255.255.255.255', 'read = all', 'write = all', ''].join('\n');
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

describe('AMI on the bundle', () => {
  let pbx: PbxProcess;
  let amiPort: number;
  let uasPort: number;
  let work: string;
  const clients: Panoramisk[] = [];
  const raws: RawAmi[] = [];

  before(async () => {
    amiPort = await freePort();
    uasPort = await freePort();
    work = mkdtempSync(join(tmpdir(), 'ami-it-'));
    writeFileSync(join(work, 'users.csv'), ['SEQUENTIAL', `2000;[authentication username=2000 password=Secr3t-2000]`, ''].join('\n'));
    pbx = await startPbx({
      phones: { '2000': 'Secr3t-2000, Alice' },
      files: {
        'manager.conf': managerConf(amiPort),
        'sip.conf': ['[general]', 'authfailban = 3', '', '[3000]', 'type=peer', 'host=127.0.0.1', `port=${uasPort}`, 'qualify=no', 'context=phones', ''].join('\n'),
        'extensions.conf': ['[phones]', 'include => pbx-phones', 'exten => 3000,1,Dial(SIP/3000,20)', 'exten => 300,1,Answer()', ' same => n,Read(DIGITS,,4,,,5)', ' same => n,Set(AMIRESULT=got-${DIGITS})', ' same => n,Set(CALLERID(num)=${DIGITS})', ' same => n,Hangup()', ''].join('\n'),
      },
    });
    await pbx.waitFor(/manager interface listening/);
  });
  after(async () => {
    for (const c of clients) await c.close();
    for (const r of raws) r.close();
    await pbx.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function panoramisk(): Promise<Panoramisk> {
    const c = new Panoramisk();
    clients.push(c);
    const login = await c.connect(amiPort, 'admin', SECRET, 'md5');
    assert.match(one(login.challenge?.Challenge) ?? '', /^\d+$/);
    assert.equal(one(login.response.Response), 'Success', JSON.stringify(login));
    return c;
  }

  async function raw(): Promise<RawAmi> {
    const r = await RawAmi.open(amiPort);
    raws.push(r);
    await r.until((x) => x.text.includes('\r\n'));
    return r;
  }

  async function rawLogin(r: RawAmi, secret = SECRET): Promise<string | undefined> {
    return (await r.login('admin', secret)).get('Message');
  }

  /** Calls from 2000 to 3000 (SIPp on both sides), each held `holdMs`. */
  async function calls(n: number, holdMs: number, rate = 10): Promise<{ ok: boolean; detail: string }> {
    const callee = sipp('uas-answer.xml', { port: uasPort, calls: n, timeoutS: 60 });
    await sleep(300);
    const caller = await sipp('bench-call-uac.xml', {
      remotePort: pbx.port,
      calls: n,
      timeoutS: 60,
      args: ['-inf', join(work, 'users.csv'), '-s', '3000', '-auth_uri', `3000@127.0.0.1:${pbx.port}`, '-d', String(holdMs), '-r', String(rate), '-l', '5', '-mp', String(await freePort())],
    });
    const uas = await callee;
    return { ok: caller.status === 0 && uas.status === 0, detail: `${explain(caller)}\n${explain(uas)}` };
  }

  test('the greeting names Asterisk Call Manager', async () => {
    const r = await raw();
    assert.match(r.text, /^Asterisk Call Manager\/\d+\.\d+\.\d+\r\n/);
  });

  test('panoramisk (MD5 login): Ping, Command sip show peers, Setvar/Getvar, DBPut/DBGet', async () => {
    const c = await panoramisk();
    const ping = (await c.action({ Action: 'Ping' })) as AmiDict;
    assert.equal(one(ping.Ping), 'Pong');
    const peers = await c.command('sip show peers');
    const output = ([] as string[]).concat(peers.Output ?? []);
    assert.ok(output.some((l) => /^2000\/2000\s/.test(l)), JSON.stringify(peers));
    assert.ok(output.some((l) => /^3000(\/3000)?\s+127\.0\.0\.1/.test(l)), JSON.stringify(peers));
    assert.equal(one(((await c.action({ Action: 'Setvar', Variable: 'AMITEST', Value: 'hello' })) as AmiDict).Response), 'Success');
    assert.equal(one(((await c.action({ Action: 'Getvar', Variable: 'AMITEST' })) as AmiDict).Value), 'hello');
    assert.equal(one(((await c.action({ Action: 'DBPut', Family: 'cidname', Key: '5551234', Val: 'Pizza' })) as AmiDict).Response), 'Success');
    const got = (await c.action({ Action: 'DBGet', Family: 'cidname', Key: '5551234' }, true)) as AmiDict[];
    assert.ok(got.some((m) => one(m.Event) === 'DBGetResponse' && one(m.Val) === 'Pizza'), JSON.stringify(got));
    // The console sees what the manager wrote: the same AstDB.
    assert.match(pbx.rx('database get cidname 5551234'), /Value: Pizza/);
  });

  test('a SIPp call: CoreShowChannels lists both legs while it is up; the events name them', async () => {
    const c = await panoramisk();
    const running = calls(1, 3000);
    let listed: AmiDict[] = [];
    for (let i = 0; i < 50; i++) {
      await sleep(100);
      listed = ((await c.action({ Action: 'CoreShowChannels' }, true)) as AmiDict[]).filter((m) => one(m.Event) === 'CoreShowChannel');
      if (listed.length === 2) break;
    }
    const names = listed.map((m) => one(m.Channel) ?? '').sort();
    assert.equal(names.length, 2, JSON.stringify(listed));
    assert.match(names[0], /^SIP\/2000-[0-9a-f]{8}$/);
    assert.match(names[1], /^SIP\/3000-[0-9a-f]{8}$/);
    const r = await running;
    assert.ok(r.ok, r.detail);
    let evs: AmiDict[] = [];
    for (let i = 0; i < 30; i++) {
      evs = await c.events();
      if (evs.filter((e) => one(e.Event) === 'Hangup').length >= 2) break;
      await sleep(100);
    }
    const of = (name: string): AmiDict[] => evs.filter((e) => one(e.Event) === name);
    const newchannels = of('Newchannel').map((e) => one(e.Channel));
    assert.ok(newchannels.includes(names[0]) && newchannels.includes(names[1]), JSON.stringify(newchannels));
    const dial = of('DialBegin').find((e) => one(e.Channel) === names[0]);
    assert.equal(one(dial?.DestChannel), names[1], JSON.stringify(of('DialBegin')));
    assert.equal(one(dial?.DialString), '3000');
    assert.equal(one(of('DialEnd').find((e) => one(e.Channel) === names[0])?.DialStatus), 'ANSWER');
    const entered = of('BridgeEnter').map((e) => one(e.Channel)).sort();
    assert.deepEqual(entered, names);
    const hangups = of('Hangup').filter((e) => names.includes(one(e.Channel) ?? ''));
    assert.equal(hangups.length, 2, JSON.stringify(of('Hangup')));
    assert.ok(hangups.every((h) => one(h.Cause) === '16' && one(h['Cause-txt']) === 'Normal Clearing'), JSON.stringify(hangups));
    assert.equal(one(hangups[0].Privilege), 'call,all');
  });

  test('RFC 4733 digits from SIPp: DTMFBegin/DTMFEnd; Set gives VarSet to a session that asked for dialplan; CALLERID() gives NewCallerid', async () => {
    const c = await panoramisk();
    const mask = (await c.action({ Action: 'Events', EventMask: 'call,dtmf,dialplan' })) as AmiDict;
    assert.equal(one(mask.Events), 'On');
    const r = await sipp('dp-dtmf-1234.xml', { remotePort: pbx.port, timeoutS: 30, args: ['-s', '300', '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'caller', '2000', '-mp', String(await freePort()), '-auth_uri', `300@127.0.0.1:${pbx.port}`] });
    assert.equal(r.status, 0, explain(r));
    let evs: AmiDict[] = [];
    for (let i = 0; i < 30; i++) {
      evs = await c.events();
      if (evs.some((e) => one(e.Event) === 'Hangup' && /^SIP\/2000-/.test(one(e.Channel) ?? ''))) break;
      await sleep(100);
    }
    const digits = (name: string): string => evs.filter((e) => one(e.Event) === name && one(e.Direction) === 'Received').map((e) => one(e.Digit)).join('');
    assert.equal(digits('DTMFBegin'), '1234', JSON.stringify(evs.map((e) => one(e.Event))));
    assert.equal(digits('DTMFEnd'), '1234');
    assert.ok(evs.filter((e) => one(e.Event) === 'DTMFEnd').every((e) => Number(one(e.DurationMs)) > 0));
    const varset = evs.find((e) => one(e.Event) === 'VarSet' && one(e.Variable) === 'AMIRESULT');
    assert.equal(one(varset?.Value), 'got-1234');
    assert.equal(one(varset?.Privilege), 'dialplan,all');
    const cid = evs.find((e) => one(e.Event) === 'NewCallerid');
    assert.equal(one(cid?.CallerIDNum), '1234');
  });

  test('malformed request and unknown action: Response: Error, and the session still answers Ping', async () => {
    const r = await raw();
    assert.equal(await rawLogin(r), 'Authentication accepted');
    r.sock.write('this is not a header\r\nActionID: bad\r\n\r\n');
    assert.equal((await r.response('bad')).get('Message'), 'Missing action in request');
    r.send({ Action: 'FlyToTheMoon', ActionID: 'unknown' });
    const u = await r.response('unknown');
    assert.equal(u.get('Response'), 'Error');
    assert.equal(u.get('Message'), 'Invalid/unknown command');
    r.send({ Action: 'Ping', ActionID: 'still' });
    assert.equal((await r.response('still')).get('Ping'), 'Pong');
  });

  test('a line over 64 KiB is refused and the connection closed; the PBX keeps serving', async () => {
    const r = await raw();
    assert.equal(await rawLogin(r), 'Authentication accepted');
    r.sock.write(`Action: Ping\r\nActionID: ${'x'.repeat(100 * 1024)}\r\n\r\n`);
    await r.until((x) => x.closed);
    assert.ok(r.messages().some((m) => m.get('Message') === 'Line too long'), r.text.slice(-500));
    const again = await raw();
    assert.equal(await rawLogin(again), 'Authentication accepted');
  });

  test('a client that stops reading is disconnected and calls keep succeeding', { timeout: 120_000 }, async () => {
    const stalled = await raw();
    assert.equal(await rawLogin(stalled), 'Authentication accepted');
    stalled.sock.pause();
    // It keeps asking without reading: its answers and the calls' events pile up on its side only.
    const ask = setInterval(() => {
      if (!stalled.closed) for (let i = 0; i < 20; i++) stalled.send({ Action: 'ListCommands' });
    }, 50);
    try {
      const r = await calls(20, 200);
      assert.ok(r.ok, r.detail);
      await pbx.waitFor(/manager client 'admin' from 127\.0\.0\.1:\d+ is not reading/, 30_000);
    } finally {
      clearInterval(ask);
    }
    // Reading again, it finds what was sent before the cut, then the end of the connection.
    stalled.sock.resume();
    await stalled.until((x) => x.closed, 30_000);
  });

  test('a connection flood is bounded: over authlimit, connections are closed at once; silent ones time out', async () => {
    const waiting: RawAmi[] = [];
    for (let i = 0; i < 5; i++) waiting.push(await raw());
    const extra = await RawAmi.open(amiPort);
    raws.push(extra);
    await extra.until((x) => x.closed);
    assert.equal(extra.text, '', 'refused without a greeting');
    await pbx.waitFor(/manager connection from 127\.0\.0\.1 refused: 5 connections not logged in \(authlimit\)/);
    // authtimeout = 2: the silent ones are closed, and logging in works again.
    for (const w of waiting) await w.until((x) => x.closed, 10_000);
    const after = await raw();
    assert.equal(await rawLogin(after), 'Authentication accepted');
  });

  test('a wrong secret is refused; repeated failures ban the source', async () => {
    const first = await raw();
    assert.equal(await rawLogin(first, 'wrong'), 'Authentication failed');
    await first.until((x) => x.closed);
    for (let i = 0; i < 2; i++) {
      const r = await raw();
      assert.equal(await rawLogin(r, 'wrong'), 'Authentication failed');
      await r.until((x) => x.closed);
    }
    const banned = await RawAmi.open(amiPort);
    raws.push(banned);
    await banned.until((x) => x.closed);
    assert.equal(banned.text, '', 'a banned source gets no greeting');
    await pbx.waitFor(/manager: 127\.0\.0\.1 banned after repeated failed logins/);
  });
});

test('pbx check: manager.conf typos are errors with file:line', () => {
  const r = pbxCheck({
    'pbx.conf': '[system]\nsip = 127.0.0.1:5060\n[phones]\n2000 = pw-2000-x, Alice\n',
    'manager.conf': '[general]\nenabled = yes\nprot = 5038\n[admin]\nsecret = x\nread = sytem,call\n',
  });
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /manager\.conf:3: unknown manager\.conf \[general\] key 'prot' \(did you mean 'port'\?\)/);
  assert.match(r.out, /manager\.conf:6: read: unknown class 'sytem'/);
});
