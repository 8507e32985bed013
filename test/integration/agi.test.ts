/**
 * AGI on the bundle with real clients: Perl scripts written with Debian's Asterisk::AGI (and raw
 * Perl where the test needs every line) run from the data partition's agi-bin, and a FastAGI
 * server written with Debian's panoramisk on 127.0.0.1, driven by a raw UDP phone and by SIPp's
 * RFC 4733 captures. Checked from outside: what each script logged, the AstDB the dialplan
 * wrote after the script, and what the phones got (prompts, the caller name in From, BYE).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ROOT, runSipp, type PbxProcess } from './harness.ts';
import { hdr, startAliceAndBob, type AliceAndBob, type Phone } from './calls-phone.ts';
import { callAndAnswer, dbValue, framesOf, sleep } from './dialplan-phone.ts';
import { until } from './analog-phone.ts';

const FIXTURES = join(ROOT, 'test/integration/agi-bin');

// [general] keeps its defaults (autofallthrough=yes); the test extensions sit beside the phones'.
const extensions = (fastPort: number, deadPort: number): string => `
[phones]
include => pbx-phones
; The seed's caller-ID lookup line, legacy | separators and all.
exten => cid,1,AGI(ncid.agi|\${CALLERIDNUM}|\${CALLERIDNAME})
 same => n,Set(DB(agitest/cidstatus)=\${AGISTATUS})
 same => n,Set(CALLERID(name)=\${NCIDNAME})
; ... and its group lines: at most 2 incoming calls at once.
 same => n,Set(GROUP(lines)=incoming)
 same => n,Set(DB(agitest/group)=\${GROUP_LIST()}:\${GROUP_COUNT(incoming@lines)})
 same => n,GotoIf($[\${GROUP_COUNT(incoming@lines)} > 2]?busy)
 same => n,Dial(SIP/2001,10)
 same => n,Hangup()
 same => n(busy),Busy(5)
exten => hup,1,Goto(agihup,s,1)
exten => silent,1,Goto(agisilent,s,1)
exten => badarg,1,Answer()
 same => n,AGI(badarg.agi)
 same => n,Set(DB(agitest/badarg)=\${BADARG})
 same => n,Hangup()
exten => missing,1,Answer()
 same => n,AGI(nosuch.agi)
 same => n,Set(DB(agitest/missing)=\${AGISTATUS})
 same => n,AGI(notexec.agi)
 same => n,Set(DB(agitest/notexec)=\${AGISTATUS})
 same => n,AGI(agi://127.0.0.1:${deadPort}/nobody)
 same => n,Set(DB(agitest/unreachable)=\${AGISTATUS})
 same => n,Hangup()
exten => 300,1,Answer()
 same => n,AGI(agi://127.0.0.1:${fastPort}/getdata)
 same => n,Set(DB(agitest/fast)=\${FASTDIGITS})
 same => n,Set(DB(agitest/faststatus)=\${AGISTATUS})
 same => n,Hangup()

[agihup]
exten => s,1,Answer()
 same => n,AGI(hangup.agi)
 same => n,Set(DB(agitest/afterhup)=reached)
exten => h,1,Set(DB(agitest/hstatus)=\${AGISTATUS})
 same => n,AGI(dead.agi)

[agisilent]
exten => s,1,Answer()
 same => n,Set(AGITIMEOUT=2)
 same => n,AGI(silent.agi)
 same => n,Set(DB(agitest/silent)=\${AGISTATUS})
 same => n,Hangup()
`;

/** What a script leaves behind may take a while (Perl start-up, the h extension after the BYE). */
const SCRIPT_MS = 15_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('AGI and FastAGI: real scripts and servers against the bundle', () => {
  let rig: AliceAndBob;
  let pbx: PbxProcess;
  let alice: Phone;
  let bob: Phone;
  let fast: ChildProcess | undefined;
  let agiDir: string;
  let fastLog: string;
  const db = (key: string): string | undefined => dbValue(pbx.rx(`database get agitest ${key}`));

  before(async () => {
    const fastPort = await freePort();
    fastLog = join('/tmp', `fastagi-${process.pid}-${fastPort}.log`);
    fast = spawn('/usr/bin/python3', [join(FIXTURES, 'fastagi-server.py'), String(fastPort), fastLog], { stdio: ['ignore', 'pipe', 'pipe'] });
    let fastOut = '';
    fast.stdout!.on('data', (b) => (fastOut += b));
    fast.stderr!.on('data', (b) => (fastOut += b));
    await until('the FastAGI server', () => (fastOut.includes('ready') ? true : undefined), 10_000).catch((e: unknown) => {
      throw new Error(`${String(e)}: ${fastOut}`);
    });
    rig = await startAliceAndBob({ files: { 'extensions.conf': extensions(fastPort, await freePort()) }, system: { rtp: '36100-36198' } });
    ({ pbx, alice, bob } = rig);
    agiDir = join(pbx.dir, 'data', 'agi-bin');
    mkdirSync(agiDir, { recursive: true });
    for (const f of ['ncid.agi', 'hangup.agi', 'silent.agi', 'badarg.agi', 'dead.agi']) copyFileSync(join(FIXTURES, f), join(agiDir, f));
    writeFileSync(join(agiDir, 'notexec.agi'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(agiDir, 'notexec.agi'), 0o644);
  });

  after(async () => {
    if (process.env.AGI_DEBUG) console.log(pbx?.output());
    if (fast?.pid !== undefined && fast.exitCode === null) {
      const exited = new Promise((r) => fast!.once('exit', r));
      process.kill(fast.pid, 'SIGTERM');
      await exited;
    }
    rmSync(fastLog, { force: true });
    await rig?.close();
  });

  test("the seed's AGI(ncid.agi|${CALLERIDNUM}|${CALLERIDNAME}): the Asterisk::AGI script gets the caller ID, speaks it, and the name it sets reaches the called phone", async () => {
    pbx.rx('database deltree agitest');
    const c = await callAndAnswer(alice, 'cid', 10_000);
    const inv = await bob.request('INVITE', 20_000);
    assert.match(hdr(inv, 'From'), /^"Alice From NCID" <sip:2000@/, 'the name the script set is the caller name Bob sees');
    assert.equal(db('group'), 'incoming@lines:1', "the seed's group lines: the call is in group incoming, counted once");
    assert.match(pbx.rx('group show channels'), /^SIP\/2000-\S+\s+incoming\s+lines\n1 active channel$/m);
    bob.reply(inv, 486, 'Busy Here', { toTag: 'agibob' });
    await bob.request('ACK');
    await c.awaitBye();
    const log = readFileSync(join(agiDir, 'ncid.log'), 'utf8');
    for (const line of ['request=ncid.agi', 'callerid=2000', 'calleridname=Alice', 'arg_1=2000', 'arg_2=Alice', 'argv=2000|Alice', 'context=phones', 'extension=cid', 'priority=1', 'say_digits=0', 'set_variable=1']) {
      assert.match(log, new RegExp(`^${line.replace(/[|.]/g, '\\$&')}$`, 'm'), `the script logged ${line}:\n${log}`);
    }
    assert.match(log, /^channel=SIP\/2000-/m);
    assert.match(log, /^uniqueid=\d+\.\d+$/m);
    assert.equal(db('cidstatus'), 'SUCCESS');
    assert.ok(framesOf('digits/2', c.audio()) >= 5, 'SAY DIGITS 2000 reached the phone (digits/2)');
    assert.ok(framesOf('digits/0', c.audio()) >= 5, 'and digits/0');
  });

  test('hanging up mid-script: the script reads HANGUP and gets SIGHUP, channel commands get 511, AGISTATUS=HANGUP in h, where AGI runs dead', async () => {
    pbx.rx('database deltree agitest');
    const c = await callAndAnswer(alice, 'hup', 10_000);
    await c.firstSound();
    await sleep(500);
    c.hangup();
    await alice.response('BYE', 200);
    const logFile = join(agiDir, 'hangup.log');
    await until('the script to finish', () => (db('hangupscript') === 'done' ? true : undefined), SCRIPT_MS);
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    assert.match(log, /^200 result=0$/m, 'ANSWER was answered');
    assert.match(log, /^HANGUP$/m, 'the HANGUP line reached the script');
    assert.match(log, /^SIGHUP$/m, 'and SIGHUP');
    assert.match(log, /^200 result=-1 endpos=\d+$/m, 'the interrupted STREAM FILE ended with -1');
    assert.match(log, /^after-hangup:511 Command Not Permitted on a dead channel$/m);
    assert.equal(await until('h to run', () => db('hstatus'), SCRIPT_MS), 'HANGUP');
    assert.equal(db('afterhup'), undefined, 'the dialplan after AGI did not run on the hung-up channel');
    assert.equal(await until('AGI in h', () => db('hanswer'), SCRIPT_MS), '511 Command Not Permitted on a dead channel', 'AGI in the h extension runs with the dead-channel rules');
  });

  test('a script that never answers is stopped after AGITIMEOUT and the call goes on (AGISTATUS=FAILURE)', async () => {
    pbx.rx('database deltree agitest');
    const c = await callAndAnswer(alice, 'silent', 10_000);
    await c.awaitBye(20_000);
    assert.equal(db('silent'), 'FAILURE', 'the next priority ran');
    const pid = Number(readFileSync(join(agiDir, 'silent.pid'), 'utf8').trim());
    await until('the script to be gone', () => (alive(pid) ? undefined : true), 5000);
    assert.match(pbx.output(), /silent\.agi sent nothing for 2 s: stopped/);
  });

  test('a command with a bad argument gets the 520 usage reply and the script goes on', async () => {
    pbx.rx('database deltree agitest');
    const c = await callAndAnswer(alice, 'badarg', 10_000);
    await c.awaitBye();
    const lines = readFileSync(join(agiDir, 'badarg.log'), 'utf8').split('\n');
    assert.equal(lines[0], '520-Invalid command syntax.  Proper usage follows:');
    assert.match(lines[1]!, /Usage: SAY NUMBER/);
    const end = lines.indexOf('520 End of proper usage.');
    assert.ok(end > 1, lines.join('\n'));
    assert.equal(lines[end + 1], '510 Invalid or unknown command');
    assert.equal(lines[end + 2], '200 result=1');
    assert.equal(db('badarg'), 'went on');
  });

  test('a missing script is NOTFOUND, one that is not executable or an unreachable FastAGI server FAILURE; the dialplan goes on', async () => {
    pbx.rx('database deltree agitest');
    const c = await callAndAnswer(alice, 'missing', 10_000);
    await c.awaitBye();
    assert.equal(db('missing'), 'NOTFOUND');
    assert.equal(db('notexec'), 'FAILURE');
    assert.equal(db('unreachable'), 'FAILURE', 'a FastAGI server nobody runs');
    assert.match(pbx.output(), /Failed to execute 'nosuch\.agi'/);
  });

  test('FastAGI: a panoramisk server drives GET DATA and gets the four RFC 4733 digits SIPp sends', async () => {
    pbx.rx('database deltree agitest');
    const mediaPort = await freePort();
    const r = await runSipp('dp-dtmf-1234.xml', pbx.port, ['-s', '300', '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'caller', '2000', '-mp', String(mediaPort), '-auth_uri', `300@127.0.0.1:${pbx.port}`], { timeoutS: 30 });
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}\n${pbx.output().slice(-2000)}`);
    const log = readFileSync(fastLog, 'utf8');
    assert.match(log, /^agi_network=yes$/m);
    assert.match(log, /^agi_network_script=getdata$/m);
    assert.match(log, /^agi_callerid=2000$/m);
    assert.match(log, /^getdata=1234$/m, log);
    assert.match(log, /^setvar=1$/m);
    assert.equal(db('fast'), '1234', 'the digits came back to the dialplan');
    assert.equal(db('faststatus'), 'SUCCESS');
  });
});
