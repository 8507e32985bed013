/**
 * The non-media applications through the executor: Exec/TryExec/ExecIf, Random, GotoIfTime,
 * Set (1.6 and 1.4 forms, functions, inheritance prefixes), SetGlobalVar, SetCallerID,
 * SetCallerPres, the AstDB applications, System/TrySystem, ReadFile, Verbose and the call
 * control applications (Answer, Ringing, Progress, Busy, Congestion, Hangup, Wait).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HANGUP_CAUSES } from '../../../src/core/hangup-causes.ts';
import { runDialplan } from '../../../src/dialplan/exec/index.ts';
import { channelAt, harness, settle } from './exec-fixtures.ts';

test('Exec runs an application from data (a Goto through it jumps); an unknown one hangs up', async () => {
  const h = harness(`[default]
exten => s,1,Set(APP=Goto)
 same => n,Exec(\${APP}(there))
 same => n,Set(SKIPPED=1)
 same => n(there),Exec(Set(X=a,b))
 same => n,Exec(Nothing(1))
 same => n,Set(AFTER=1)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('SKIPPED'), undefined);
  assert.equal(ch.variables.get('X'), 'a,b');
  assert.equal(ch.variables.get('AFTER'), undefined);
  assert.equal(h.find('Could not find application (Nothing)').length, 1);
});

test('TryExec always returns, with TRYSTATUS SUCCESS, FAILED or NOAPP', async () => {
  const h = harness(`[default]
exten => s,1,TryExec(Set(A=1))
 same => n,Set(S1=\${TRYSTATUS})
 same => n,TryExec(Hangup())
 same => n,Set(S2=\${TRYSTATUS})
 same => n,TryExec(Nothing())
 same => n,Set(S3=\${TRYSTATUS})
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.deepEqual([ch.variables.get('S1'), ch.variables.get('S2'), ch.variables.get('S3')], ['SUCCESS', 'FAILED', 'NOAPP']);
});

test('ExecIf runs the true or the false application, and keeps the 1.4 form ExecIf(expr,app,data)', async () => {
  const h = harness(`[default]
exten => s,1,ExecIf($[1 = 1]?Set(A=yes):Set(A=no))
 same => n,ExecIf($[1 = 2]?Set(B=yes):Set(B=no))
 same => n,ExecIf($[1 = 2]?Set(C=yes))
 same => n,ExecIf(1,Set,D=old)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('A'), 'yes');
  assert.equal(ch.variables.get('B'), 'no');
  assert.equal(ch.variables.get('C'), undefined);
  assert.equal(ch.variables.get('D'), 'old');
});

test('Random jumps with the given probability (the roll is injected)', async () => {
  const plan = `[default]
exten => s,1,Random(30:hit)
 same => n,Set(R=miss)
 same => n,Hangup()
 same => n(hit),Set(R=hit)
`;
  for (const [roll, expected] of [
    [0.69, 'miss'],
    [0.7, 'hit'],
  ] as const) {
    const h = harness(plan, { app: { random: () => roll } });
    const ch = channelAt('s');
    await h.run(ch);
    assert.equal(ch.variables.get('R'), expected, `roll ${roll}`);
  }
});

test('GotoIfTime(09:00-17:59,mon-fri,*,*?open,s,1) goes to open in office hours and on otherwise', async () => {
  const plan = `[default]
exten => s,1,GotoIfTime(09:00-17:59,mon-fri,*,*,UTC?open,s,1)
 same => n,Set(WHERE=closed)
[open]
exten => s,1,Set(WHERE=open)
`;
  // FakeClock's wall origin is 2023-11-14 22:13:20 UTC (a Tuesday evening).
  const h = harness(plan);
  const night = channelAt('s');
  await h.run(night);
  assert.equal(night.variables.get('WHERE'), 'closed');

  const h2 = harness(plan);
  h2.clock.advance(12 * 3600_000); // Wednesday 10:13 UTC
  const day = channelAt('s');
  await h2.run(day);
  assert.equal(day.variables.get('WHERE'), 'open');
});

test('Set: value after the first =, commas kept; functions written; _/__ prefixes kept; the 1.4 form sets several (g: globals)', async () => {
  const h = harness(`[default]
exten => s,1,Set(A=x,y=z)
 same => n,Set(CALLERID(name)=Bob)
 same => n,Set(__INHERIT=deep)
 same => n,Set(READ=\${INHERIT})
 same => n,Set(B=1|C=2)
 same => n,Set(G1=glob|g)
 same => n,SetGlobalVar(G2=also)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('A'), 'x,y=z');
  assert.equal(ch.callerId.name, 'Bob');
  assert.equal(ch.variables.get('__INHERIT'), 'deep');
  assert.equal(ch.variables.get('READ'), 'deep');
  assert.equal(ch.variables.get('B'), '1');
  assert.equal(ch.variables.get('C'), '2');
  assert.equal(h.globals.get('G1'), 'glob');
  assert.equal(h.globals.get('G2'), 'also');
});

test('SetCallerID parses "Name" <number>; SetCallerPres accepts Asterisk names only', async () => {
  const h = harness(`[default]
exten => s,1,SetCallerID("Front Desk" <100>)
 same => n,SetCallerPres(prohib)
 same => n,SetCallerPres(bogus)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.deepEqual(ch.callerId, { name: 'Front Desk', number: '100', presentation: 'prohib' });
  assert.equal(h.find("'bogus' is not a valid presentation").length, 1);
});

test('LookupCIDName sets the caller name from cidname/<number>', async () => {
  const h = harness(`[default]
exten => s,1,LookupCIDName()
 same => n,Set(SHOWN=\${CALLERID(name)})
`);
  h.db.put('cidname', '2000', 'My cellphone');
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.callerId.name, 'My cellphone');
  assert.equal(ch.variables.get('SHOWN'), 'My cellphone');
});

test('LookupBlacklist sets LOOKUPBLSTATUS and jumps to n+101 when found and it exists', async () => {
  const plan = `[default]
exten => s,1,LookupBlacklist()
 same => n,Set(R=\${LOOKUPBLSTATUS})
 same => n,Hangup()
 same => 102,Set(R=jumped-\${LOOKUPBLSTATUS})
`;
  const h = harness(plan);
  const clean = channelAt('s');
  await h.run(clean);
  assert.equal(clean.variables.get('R'), 'NOTFOUND');

  const h2 = harness(plan);
  h2.db.put('blacklist', '2000', '1');
  const listed = channelAt('s');
  await h2.run(listed);
  assert.equal(listed.variables.get('R'), 'jumped-FOUND');
});

test('DBdel and DBdeltree delete keys and families', async () => {
  const h = harness(`[default]
exten => s,1,DBdel(cfwd/2000)
 same => n,DBdeltree(dnd)
 same => n,DBdel(nokey)
`);
  h.db.put('cfwd', '2000', '5551234');
  h.db.put('cfwd', '2001', '5559999');
  h.db.put('dnd', '2000', 'YES');
  h.db.put('dnd', '2001', 'YES');
  const ch = channelAt('s');
  await h.run(ch);
  assert.deepEqual([...h.db.data.keys()], ['/cfwd/2001']);
  assert.equal(h.find('Ignoring; Syntax error in argument').length, 1);
});

test('System sets SYSTEMSTATUS; a command that cannot run ends the dialplan, TrySystem continues', async () => {
  const ran: string[] = [];
  const h = harness(`[default]
exten => s,1,System(true \${EXTEN})
 same => n,Set(S1=\${SYSTEMSTATUS})
 same => n,System(exit 3)
 same => n,Set(S2=\${SYSTEMSTATUS})
 same => n,TrySystem(missing-command)
 same => n,Set(S3=\${SYSTEMSTATUS})
 same => n,System(missing-command)
 same => n,Set(NOT=reached)
`, {
    app: {
      runShell: async (cmd) => {
        ran.push(cmd);
        return cmd.startsWith('true') ? 0 : cmd.startsWith('exit 3') ? 3 : 127;
      },
    },
  });
  const ch = channelAt('s');
  await h.run(ch);
  assert.deepEqual(ran, ['true s', 'exit 3', 'missing-command', 'missing-command']);
  assert.deepEqual([ch.variables.get('S1'), ch.variables.get('S2'), ch.variables.get('S3')], ['SUCCESS', 'APPERROR', 'FAILURE']);
  assert.equal(ch.variables.get('NOT'), undefined);
});

test('System runs a real shell command line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-system-'));
  const h = harness(`[default]
exten => s,1,System(echo hello > ${dir}/out.txt)
 same => n,ReadFile(TEXT=${dir}/out.txt,3)
 same => n,ReadFile(ALL=${dir}/out.txt)
 same => n,ReadFile(NONE=${dir}/missing.txt)
`);
  const ch = channelAt('s');
  let done = false;
  const p = runDialplan(ch, h.deps).then(() => (done = true));
  while (!done) await new Promise((r) => setTimeout(r, 10));
  await p;
  assert.equal(ch.variables.get('SYSTEMSTATUS'), 'SUCCESS');
  assert.equal(ch.variables.get('TEXT'), 'hel');
  assert.equal(ch.variables.get('ALL'), 'hello\n');
  assert.equal(ch.variables.has('NONE'), false);
});

test('ReadFile reads at most length characters of a file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-readfile-'));
  writeFileSync(join(dir, 'motd.txt'), 'Welcome to the PBX');
  const h = harness(`[default]
exten => s,1,ReadFile(MOTD=${dir}/motd.txt,7)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('MOTD'), 'Welcome');
});

test('Verbose logs at the given level; the message keeps its commas', async () => {
  const h = harness(`[default]
exten => s,1,Verbose(2,Call from \${CALLERID(num)}, all fine)
 same => n,Verbose(just text)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.deepEqual(h.find('V2 Call from'), ['V2 Call from 2000, all fine']);
  assert.equal(h.find('V0 just text').length, 1);
});

test('Answer, Ringing and Progress signal the call; Wait accepts fractions', async () => {
  const h = harness(`[default]
exten => s,1,Ringing()
 same => n,Progress()
 same => n,Answer()
 same => n,Wait(1.5)
 same => n,Set(T=\${EPOCH})
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.deepEqual(ch.events.slice(0, 3), ['ringing', 'progress', 'answer']);
  assert.equal(h.clock.now(), 1_500);
});

test('Busy and Congestion on an unanswered call hang up at once with USER_BUSY (486) and CONGESTION (503)', async () => {
  for (const [app, cause] of [
    ['Busy(10)', HANGUP_CAUSES.USER_BUSY],
    ['Congestion()', HANGUP_CAUSES.CONGESTION],
  ] as const) {
    const h = harness(`[default]
exten => s,1,${app}
 same => n,Set(NOT=reached)
`);
    const ch = channelAt('s');
    await h.run(ch);
    assert.equal(ch.cause, cause);
    assert.equal(h.clock.now(), 0, 'no waiting');
  }
});

test('Busy(5) on an answered call plays the tone for 5 s, then hangs up', async () => {
  const tones: string[] = [];
  const h = harness(`[default]
exten => s,1,Answer()
 same => n,Busy(5)
`, {
    app: {
      playTone: (_ch, tone) => {
        tones.push(`start ${tone}`);
        return () => tones.push('stop');
      },
    },
  });
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(h.clock.now(), 5_000);
  assert.deepEqual(tones, ['start busy', 'stop']);
  assert.equal(ch.cause, HANGUP_CAUSES.USER_BUSY);
});

test('Busy(5) on an analog phone still dialing (in-band progress, not answered) plays busy tone, then hangs up', async () => {
  const tones: string[] = [];
  const h = harness(`[default]
exten => s,1,Busy(5)
`, {
    app: {
      playTone: (_ch, tone) => {
        tones.push(`start ${tone}`);
        return () => tones.push('stop');
      },
    },
  });
  const ch = Object.assign(channelAt('s'), { inbandProgress: true });
  await h.run(ch);
  assert.equal(ch.state, 'Ring', 'Busy() does not answer');
  assert.equal(h.clock.now(), 5_000);
  assert.deepEqual(tones, ['start busy', 'stop']);
  assert.equal(ch.cause, HANGUP_CAUSES.USER_BUSY);
});

test('Busy() without a timeout waits for the caller to hang up', async () => {
  const h = harness(`[default]
exten => s,1,Answer()
 same => n,Busy()
`);
  const ch = channelAt('s');
  const p = runDialplan(ch, h.deps);
  await settle();
  h.clock.advance(60_000);
  await settle();
  assert.equal(ch.cause, undefined);
  ch.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  await p;
  assert.equal(ch.cause, HANGUP_CAUSES.NORMAL_CLEARING);
});

test('Hangup takes a cause number or name; an unknown one is warned about', async () => {
  for (const [arg, cause] of [
    ['USER_BUSY', HANGUP_CAUSES.USER_BUSY],
    ['34', HANGUP_CAUSES.CONGESTION],
    ['nonsense', HANGUP_CAUSES.NORMAL_CLEARING],
  ] as const) {
    const h = harness(`[default]
exten => s,1,Hangup(${arg})
`);
    const ch = channelAt('s');
    await h.run(ch);
    assert.equal(ch.cause, cause, arg);
  }
});

test('MacroIf runs the first macro when true, the second when false', async () => {
  const h = harness(`[default]
exten => s,1,MacroIf($[1 = 1]?mark,a:mark,b)
 same => n,MacroIf($[1 = 2]?mark,c:mark,d)
 same => n,MacroIf(0?mark,e)
[macro-mark]
exten => s,1,Set(M=\${M}\${ARG1})
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('M'), 'ad');
});
