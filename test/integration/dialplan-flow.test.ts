/**
 * Dialplan flow control and bad input, over real SIP calls to the bundle: GotoIfTime (a range
 * that always matches, one that never does today, and the seed's office-hours line checked
 * against the clock), GosubIf/Return coming back to the line after the call, a broken
 * extensions.conf refused by `dialplan reload` and `reload` with file:line reasons while the
 * running dialplan keeps serving, a runaway Goto loop stopped by the step limit, and
 * `pbx check` naming an unknown application with a suggestion. Also: time-conditioned
 * `include =>`, `#include`, a reload taking effect for a call already waiting, and AstDB values
 * written by the dialplan surviving kill -9.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE, startPbx, type PbxProcess } from './harness.ts';
import { Phone, statusOf } from './calls-phone.ts';
import { callAndAnswer, callFinal, dbValue } from './dialplan-phone.ts';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** A weekday three days away: not today even if the test runs across midnight. */
const notToday = WEEKDAYS[(new Date().getDay() + 3) % 7];

const GOOD = `
[general]
static=yes
writeprotect=no
; the runaway-loop bound (ours; default 10000)
maxsteps=2500

[phones]
include => pbx-phones
include => tests

[tests]
exten => 501,1,GotoIfTime(00:00-23:59,*,*,*?open,s,1)
 same => n,Goto(closed,s,1)
exten => 502,1,GotoIfTime(*,${notToday},*,*?open,s,1)
 same => n,Goto(closed,s,1)
exten => 503,1,GotoIfTime(09:00-17:59,mon-fri,*,*?open,s,1)
 same => n,Goto(closed,s,1)

exten => 510,1,Set(RESULT=before)
 same => n,GosubIf($[1=1]?sub-result,s,1)
 same => n,Set(DB(test/gosub)=\${RESULT} \${GOSUB_RETVAL})
 same => n,Hangup()
exten => 511,1,GosubIf($[1=2]?sub-result,s,1:sub-other,s,1)
 same => n,Set(DB(test/gosub)=\${RESULT})
 same => n,Hangup()

exten => 790,1,Goto(790,1)
exten => 791,1,While($[1=1])
 same => n,Set(I=$[\${I}+1])
 same => n,EndWhile()

exten => 540,1,Goto(reload-menu,s,1)
exten => 550,1,Set(DB(test/persist)=kept \${EPOCH})
 same => n,Hangup()

include => timed-open,00:00-23:59,*,*,*
include => timed-never,*,${notToday},*,*
include => extra

[timed-open]
exten => 520,1,Set(DB(test/inc)=timed-open)
 same => n,Hangup()

[timed-never]
exten => 521,1,Set(DB(test/inc)=timed-never)
 same => n,Hangup()

[reload-menu]
exten => s,1,Answer()
 same => n,WaitExten(15)
exten => 1,1,Set(DB(test/reload)=old)
 same => n,Hangup()

#include extra.conf

[open]
exten => s,1,Set(DB(test/time)=open)
 same => n,Hangup()

[closed]
exten => s,1,Set(DB(test/time)=closed)
 same => n,Hangup()

[sub-result]
exten => s,1,Set(RESULT=from-sub)
 same => n,Return(ret-value)

[sub-other]
exten => s,1,Set(RESULT=from-other)
 same => n,Return()
`;

/** Pulled in by `#include extra.conf`. */
const EXTRA = `
[extra]
exten => 530,1,Set(DB(test/inc)=from-include-file)
 same => n,Hangup()
`;

/** What the seed's office-hours condition says about `d` (local time, as the PBX evaluates it). */
function officeHours(d: Date): boolean {
  const day = d.getDay();
  const minutes = d.getHours() * 60 + d.getMinutes();
  return day >= 1 && day <= 5 && minutes >= 9 * 60 && minutes <= 17 * 60 + 59;
}

describe('dialplan: time conditions, subroutines and bad input over SIP', () => {
  let pbx: PbxProcess;
  let alice: Phone;
  before(async () => {
    pbx = await startPbx({ files: { 'extensions.conf': GOOD, 'extra.conf': EXTRA }, system: { rtp: '35200-35298' } });
    alice = new Phone('2000', 'Secr3t-2000', pbx.port);
    await alice.open();
  });
  after(async () => {
    if (process.env.DP_DEBUG) console.log(pbx.output().slice(-20_000));
    alice.close();
    await pbx.stop();
  });

  /** Calls `exten`, waits for the dialplan to end the call, returns DB(test/<key>). */
  async function run(exten: string, key: string): Promise<string | undefined> {
    pbx.rx('database deltree test');
    const final = await callFinal(alice, exten, 10_000);
    assert.ok(statusOf(final) >= 300, `the dialplan ended the call (${final.first})`);
    return dbValue(pbx.rx(`database get test ${key}`));
  }

  test('GotoIfTime with a range that always matches goes to the true label', async () => {
    assert.equal(await run('501', 'time'), 'open');
  });

  test(`GotoIfTime with a weekday that is not today (${notToday}) continues at the next priority`, async () => {
    assert.equal(await run('502', 'time'), 'closed');
  });

  test("the seed's GotoIfTime(09:00-17:59,mon-fri,*,*?open,s,1) follows the clock", async (t) => {
    const before = officeHours(new Date());
    const got = await run('503', 'time');
    if (officeHours(new Date()) !== before) return t.skip('office hours began or ended during the call');
    assert.equal(got, before ? 'open' : 'closed');
  });

  test('GosubIf($[1=1]?sub,s,1) runs the subroutine; Return() comes back to the line after it', async () => {
    assert.equal(await run('510', 'gosub'), 'from-sub ret-value', 'the variable set in the subroutine and GOSUB_RETVAL are seen');
  });

  test('GosubIf with a false condition takes the label after the colon', async () => {
    assert.equal(await run('511', 'gosub'), 'from-other');
  });

  test('a runaway Goto loop is stopped by the step limit: the caller gets a final response, the error is logged, the next call works', async () => {
    pbx.rx('database deltree test');
    const final = await callFinal(alice, '790', 30_000);
    assert.ok(statusOf(final) >= 300, `the looping call was ended (${final.first})`);
    // Found through the include, the extension runs in the caller's context (phones), as in Asterisk.
    await pbx.waitFor(/ERROR\[\d+\].*ran 2500 dialplan priorities without waiting \(at 790@phones:1\): runaway loop stopped/, 5000);
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
    assert.equal(await run('501', 'time'), 'open', 'the PBX still serves the next call');
  });

  test('a runaway While loop is stopped the same way', async () => {
    const final = await callFinal(alice, '791', 30_000);
    assert.ok(statusOf(final) >= 300, `the looping call was ended (${final.first})`);
    await pbx.waitFor(/ERROR\[\d+\].*without waiting \(at 791@phones:\d\): runaway loop stopped/, 5000);
    assert.equal(await run('501', 'time'), 'open', 'the PBX still serves the next call');
  });

  test('include => CONTEXT,<time> is active only while the time matches; #include pulls in another file', async () => {
    assert.equal(await run('520', 'inc'), 'timed-open');
    const final = await callFinal(alice, '521', 10_000);
    assert.equal(statusOf(final), 404, 'an extension only in an include that is off now does not exist (chan_sip answers 404)');
    assert.equal(await run('530', 'inc'), 'from-include-file');
  });

  test('dialplan reload during a call: the waiting channel continues with the new dialplan', async () => {
    pbx.rx('database deltree test');
    const mark = pbx.output().length;
    const c = await callAndAnswer(alice, '540');
    for (let i = 0; i < 400 && !/Executing \[s@reload-menu:2\] WaitExten/.test(pbx.output().slice(mark)); i++) await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(pbx.dir, 'extensions.conf'), GOOD.replace('exten => 1,1,Set(DB(test/reload)=old)', 'exten => 1,1,Set(DB(test/reload)=new)'));
    assert.match(pbx.rx('dialplan reload'), /Dialplan reloaded/);
    await c.digit('1');
    await c.awaitBye();
    assert.equal(dbValue(pbx.rx('database get test reload')), 'new');
    writeFileSync(join(pbx.dir, 'extensions.conf'), GOOD);
    assert.match(pbx.rx('dialplan reload'), /Dialplan reloaded/);
  });

  test('dialplan reload and reload refuse a broken extensions.conf with file:line reasons and keep the running dialplan', async () => {
    const shownBefore = pbx.rx('dialplan show tests');
    assert.match(shownBefore, /'501' =>/);
    const broken = GOOD.replace('exten => 790,1,Goto(790,1)', ['exten => 790,1,Goto(790,1)', 'exten => 800,1,Playbak(hello-world)', 'exten => 801,1,Set(X=$[1+(2)'].join('\n'));
    const lineOf = (needle: string): number => broken.split('\n').findIndex((l) => l.includes(needle)) + 1;
    writeFileSync(join(pbx.dir, 'extensions.conf'), broken);

    const out = pbx.rx('dialplan reload');
    assert.match(out, new RegExp(`extensions\\.conf:${lineOf('Playbak')}: unknown application 'Playbak' \\(did you mean 'Playback'\\?\\)`));
    assert.match(out, new RegExp(`extensions\\.conf:${lineOf('801,1')}: .*(never closed|unbalanced|missing)`, 'i'));
    assert.match(out, /running dialplan is kept/);
    assert.equal(pbx.rx('dialplan show tests'), shownBefore, 'dialplan show is unchanged');
    assert.doesNotMatch(pbx.rx('dialplan show tests'), /'800'/);

    const all = pbx.rx('reload');
    assert.match(all, new RegExp(`extensions\\.conf:${lineOf('Playbak')}: unknown application 'Playbak'`));
    assert.equal(pbx.rx('dialplan show tests'), shownBefore, 'reload kept it as well');
    assert.equal(await run('510', 'gosub'), 'from-sub ret-value', 'calls still run the old dialplan');

    // The same file, fixed, is taken: the refusal above was about the errors, not any reload.
    writeFileSync(join(pbx.dir, 'extensions.conf'), broken.replace('Playbak(hello-world)', 'Set(DB(test/new)=yes)').replace('Set(X=$[1+(2)', 'Set(X=$[1+(2)])'));
    assert.match(pbx.rx('dialplan reload'), /Dialplan reloaded/);
    assert.match(pbx.rx('dialplan show tests'), /'800' =>/);
    assert.equal(await run('800', 'new'), 'yes');
  });

  test('a value the dialplan stored survives kill -9 of the PBX', async () => {
    pbx.rx('database deltree test');
    await callFinal(alice, '550', 10_000);
    const stored = dbValue(pbx.rx('database get test persist'));
    assert.match(stored ?? '', /^kept \d+$/);
    await pbx.kill9();
    await pbx.restart();
    assert.equal(dbValue(pbx.rx('database get test persist')), stored);
  });
});

test('pbx check reports an unknown application at file:line with a did-you-mean, and fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-dp-check-'));
  try {
    writeFileSync(join(dir, 'pbx.conf'), '[system]\nsip = 127.0.0.1:5999\n\n[phones]\n2000 = amber-kettle-42, Alice\n');
    writeFileSync(join(dir, 'extensions.conf'), '[phones]\ninclude => pbx-phones\nexten => 100,1,Answer()\n same => n,Playbak(hello-world)\n same => n,Hangup()\n');
    const r = spawnSync(process.execPath, [BUNDLE, 'check', '--config', dir], { encoding: 'utf8' });
    const out = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, 'check fails');
    assert.match(out, /extensions\.conf:4: unknown application 'Playbak' \(did you mean 'Playback'\?\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
