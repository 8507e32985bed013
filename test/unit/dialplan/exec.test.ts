/**
 * The dialplan executor over real extensions.conf text: stepping through priorities (n, labels),
 * Goto variants, GotoIf, Gosub/Return, Macro (ARGn, MACRO_EXTEN, `s-${DIALSTATUS}` with `_s-.`),
 * While loops, the runaway-loop step limit, autofallthrough causes, the `i`, `t` and `h`
 * extensions, and a hangup aborting a Wait.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HANGUP_CAUSES } from '../../../src/core/hangup-causes.ts';
import { runDialplan } from '../../../src/dialplan/exec/index.ts';
import { channelAt, FakeMedia, harness, settle } from './exec-fixtures.ts';

test('priorities run in order with n and labels; each is logged like Asterisk at verbose 3', async () => {
  const h = harness(`[default]
exten => 100,1,Set(A=1)
 same => n(again),Set(B=\${A}x)
 same => n,Hangup(17)
`);
  const ch = channelAt('100');
  await h.run(ch);
  assert.equal(ch.variables.get('B'), '1x');
  assert.equal(ch.cause, HANGUP_CAUSES.USER_BUSY);
  assert.deepEqual(h.find('Executing'), [
    'V3 Executing [100@default:1] Set("SIP/2000-00000001", "A=1") in new stack',
    'V3 Executing [100@default:2] Set("SIP/2000-00000001", "B=1x") in new stack',
    'V3 Executing [100@default:3] Hangup("SIP/2000-00000001", "17") in new stack',
  ]);
  assert.equal(ch.application, 'Hangup', 'core show channels shows the last application');
  assert.equal(ch.priority, 3);
});

test('Goto(label), Goto(exten,prio), Goto(ctx,exten,label) and a relative +N', async () => {
  const h = harness(`[default]
exten => s,1,Goto(go)
 same => n,Set(SKIPPED=1)
 same => n(go),Goto(200,1)
exten => 200,1,Goto(+2)
 same => n,Set(SKIPPED=2)
 same => n,Goto(other,300,second)
[other]
exten => 300,1,Set(SKIPPED=3)
 same => n(second),Set(REACHED=\${CONTEXT}/\${EXTEN}/\${PRIORITY})
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('SKIPPED'), undefined);
  assert.equal(ch.variables.get('REACHED'), 'other/300/2');
  assert.ok(h.find('Goto (other,300,2)').length === 1);
});

test('GotoIf takes the true branch, the false branch, or no jump when the branch is empty', async () => {
  const h = harness(`[default]
exten => s,1,GotoIf($[1 = 1]?yes:no)
 same => n(no),Set(R=\${R}no)
 same => n(yes),Set(R=\${R}yes)
 same => n,GotoIf(0?yes)
 same => n,GotoIf($["abc" = "abd"]?yes:end)
 same => n,Set(R=\${R}-unreached)
 same => n(end),Set(R=\${R}-end)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('R'), 'yes-end');
});

test('a label that does not exist hangs the channel up with a warning', async () => {
  const h = harness(`[default]
exten => s,1,Goto(nowhere)
 same => n,Set(X=1)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('X'), undefined);
  assert.equal(h.find("Priority 'nowhere' must be a number > 0, or valid label").length, 1);
  assert.equal(ch.cause, HANGUP_CAUSES.NORMAL_CLEARING);
});

test('Gosub passes ARGn, Return(value) continues at the line after with GOSUB_RETVAL and the caller ARGs restored', async () => {
  const h = harness(`[default]
exten => s,1,Set(ARG1=outer)
 same => n,Gosub(sub,s,1(hello,world))
 same => n,Set(AFTER=\${GOSUB_RETVAL}/\${ARG1}/\${ARG2})
 same => n,GosubIf($[1 = 0]?sub,s,1(no):sub,s,1(yes))
 same => n,Set(AFTER2=\${GOSUB_RETVAL}/\${EXTEN}@\${CONTEXT})
[sub]
exten => s,1,Set(SEEN=\${SEEN}\${ARG1}-\${ARG2}.)
 same => n,Gosub(deeper)
 same => n,Return(done-\${ARG1})
 same => n(deeper),Set(DEPTH=\${ARG1})
 same => n,Return
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('SEEN'), 'hello-world.yes-.');
  assert.equal(ch.variables.get('DEPTH'), '', 'a Gosub without arguments hides the caller ARGs');
  assert.equal(ch.variables.get('AFTER'), 'done-hello/outer/');
  assert.equal(ch.variables.get('AFTER2'), 'done-yes/s@default');
});

test('Return without Gosub hangs up with a warning', async () => {
  const h = harness(`[default]
exten => s,1,Return()
 same => n,Set(X=1)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('X'), undefined);
  assert.equal(h.find('Return without Gosub: stack is empty').length, 1);
});

const MACRO_PLAN = `[default]
exten => 2000,1,Set(DIALSTATUS=\${STATUS})
 same => n,Macro(voicemail,SIP/2000)
 same => n,Set(BACK=\${MACRO_EXTEN}/\${ARG1}/\${WHICH})
 same => n,Hangup()
[macro-voicemail]
exten => s,1,Set(IN=\${ARG1}@\${MACRO_EXTEN}@\${MACRO_CONTEXT}@\${MACRO_PRIORITY})
 same => n,Goto(s-\${DIALSTATUS},1)
exten => s-NOANSWER,1,Set(WHICH=noanswer)
exten => s-BUSY,1,Set(WHICH=busy)
 same => n,MacroExit()
 same => n,Set(WHICH=after-exit)
exten => _s-.,1,Set(WHICH=other-\${EXTEN})
`;

for (const [status, which] of [
  ['NOANSWER', 'noanswer'],
  ['BUSY', 'busy'],
  ['CHANUNAVAIL', 'other-s-CHANUNAVAIL'],
] as const) {
  test(`Macro with ARG1 and MACRO_EXTEN: s-\${DIALSTATUS} for ${status} runs ${which}, then the caller continues`, async () => {
    const h = harness(MACRO_PLAN);
    const ch = channelAt('2000');
    ch.variables.set('STATUS', status);
    await h.run(ch);
    assert.equal(ch.variables.get('IN'), 'SIP/2000@2000@default@2');
    assert.equal(ch.variables.get('BACK'), `//${which}`, 'MACRO_* and ARG1 are restored after the macro');
    assert.equal(ch.variables.get('MACRO_DEPTH'), undefined);
  });
}

test('MACRO_RESULT=GOTO:ctx^exten^prio sends the caller there when the macro ends', async () => {
  const h = harness(`[default]
exten => s,1,Macro(route)
 same => n,Set(NOT=reached)
exten => 7,1,Set(GOT=\${EXTEN})
[macro-route]
exten => s,1,Set(MACRO_RESULT=GOTO:default^7^1)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('GOT'), '7');
  assert.equal(ch.variables.get('NOT'), undefined);
});

test('a Goto out of the macro context ends the macro there', async () => {
  const h = harness(`[default]
exten => s,1,Macro(out)
 same => n,Set(NOT=reached)
exten => 9,1,Set(LANDED=\${CONTEXT})
[macro-out]
exten => s,1,Goto(default,9,1)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('LANDED'), 'default');
  assert.equal(ch.variables.get('NOT'), undefined);
});

test('macros nest at most 7 deep, as Asterisk: the 8th logs an error and returns', async () => {
  const h = harness(`[default]
exten => s,1,Macro(r)
 same => n,Set(DONE=yes)
[macro-r]
exten => s,1,Set(MAXD=\${MACRO_DEPTH})
 same => n,Macro(r)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('MAXD'), '7');
  assert.equal(ch.variables.get('DONE'), 'yes');
  assert.equal(h.find('possible infinite loop detected').length, 1);
});

test('While/EndWhile loops, ContinueWhile skips, ExitWhile leaves; helper variables are cleaned up', async () => {
  const h = harness(`[default]
exten => s,1,Set(I=0)
 same => n,While($[\${I} < 10])
 same => n,Set(I=$[\${I} + 1])
 same => n,ExecIf($[\${I} = 2]?ContinueWhile())
 same => n,ExecIf($[\${I} = 5]?ExitWhile())
 same => n,Set(J=0)
 same => n,While($[\${J} < 2])
 same => n,Set(J=$[\${J} + 1])
 same => n,Set(LOG=\${LOG}\${I}.\${J} )
 same => n,EndWhile()
 same => n,EndWhile()
 same => n,Set(DONE=\${I})
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('LOG'), '1.1 1.2 3.1 3.2 4.1 4.2 ');
  assert.equal(ch.variables.get('DONE'), '5');
  assert.deepEqual(
    [...ch.variables.keys()].filter((k) => k.includes('WHILE')),
    [],
  );
});

test('a While whose condition is false at once jumps past its matching EndWhile (nested pairs counted)', async () => {
  const h = harness(`[default]
exten => s,1,While(0)
 same => n,While(1)
 same => n,Set(NEVER=1)
 same => n,EndWhile()
 same => n,EndWhile()
 same => n,Set(AFTER=yes)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('NEVER'), undefined);
  assert.equal(ch.variables.get('AFTER'), 'yes');
});

test('a runaway Goto loop is stopped by the step limit with an error, without starving the event loop', async () => {
  const h = harness(`[default]
exten => s,1,Goto(s,1)
exten => h,1,Set(H=ran)
`, { maxSteps: 1000 });
  const ch = channelAt('s');
  let ticked = false;
  setImmediate(() => (ticked = true));
  let tickedBeforeDone = false;
  await runDialplan(ch, h.deps).then(() => (tickedBeforeDone = ticked));
  assert.equal(tickedBeforeDone, true, 'other work ran while the loop spun');
  const errors = h.find('ERROR');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /ran 1000 dialplan priorities without waiting \(at s@default:1\).*\[DIALPLAN_STEP_LIMIT\]/);
  assert.equal(ch.cause, HANGUP_CAUSES.NORMAL_CLEARING);
  assert.equal(ch.variables.get('H'), 'ran', 'the h extension still runs');
});

test('a runaway While loop is stopped the same way', async () => {
  const h = harness(`[default]
exten => s,1,While(1)
 same => n,Set(N=$[0\${N} + 1])
 same => n,EndWhile()
`, { maxSteps: 500 });
  const ch = channelAt('s');
  await runDialplan(ch, h.deps);
  assert.equal(h.find('DIALPLAN_STEP_LIMIT').length, 1);
  assert.ok(Number(ch.variables.get('N')) < 500);
});

test('a loop that waits is a long call, not a runaway: the limit counts steps without waiting', async () => {
  const h = harness(`[default]
exten => s,1,Set(N=$[0\${N} + 1])
 same => n,Wait(1)
 same => n,Goto(1)
`, { maxSteps: 10 });
  const ch = channelAt('s');
  await h.run(ch, {
    during: (ms) => {
      if (ms >= 100_000) ch.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    },
  });
  assert.equal(h.find('DIALPLAN_STEP_LIMIT').length, 0);
  assert.ok(Number(ch.variables.get('N')) >= 100);
});

for (const [status, cause] of [
  ['BUSY', HANGUP_CAUSES.USER_BUSY],
  ['CONGESTION', HANGUP_CAUSES.CONGESTION],
  ['CHANUNAVAIL', HANGUP_CAUSES.CONGESTION],
  ['NOANSWER', HANGUP_CAUSES.NORMAL_CLEARING],
  ['', HANGUP_CAUSES.NORMAL_CLEARING],
] as const) {
  test(`autofallthrough with DIALSTATUS '${status}' hangs up with cause ${cause}`, async () => {
    const h = harness(`[default]
exten => s,1,Set(DIALSTATUS=${status})
`);
    const ch = channelAt('s');
    await h.run(ch);
    assert.equal(ch.cause, cause);
    assert.equal(h.find(`Auto fallthrough, channel 'SIP/2000-00000001' status is '${status || 'UNKNOWN'}'`).length, 1);
  });
}

test('an extension that does not exist goes to i with INVALID_EXTEN, or hangs up when there is no i', async () => {
  const withI = harness(`[default]
exten => s,1,Goto(999,1)
exten => i,1,Set(BAD=\${INVALID_EXTEN})
`);
  const a = channelAt('s');
  await withI.run(a);
  assert.equal(a.variables.get('BAD'), '999');

  const withoutI = harness(`[default]
exten => s,1,Goto(999,1)
`);
  const b = channelAt('s');
  await withoutI.run(b);
  assert.equal(b.cause, HANGUP_CAUSES.NORMAL_CLEARING);
  assert.equal(withoutI.find("sent into invalid extension '999' in context 'default', but no invalid handler").length, 1);
});

test('a start position that does not exist falls back to s, as Asterisk does', async () => {
  const h = harness(`[default]
exten => s,1,Set(STARTED=\${EXTEN})
`);
  const ch = channelAt('123');
  await h.run(ch);
  assert.equal(ch.variables.get('STARTED'), 's');
});

test('after the hangup the h extension runs with the channel gone; an application needing the channel ends it', async () => {
  const h = harness(`[default]
exten => s,1,Hangup(17)
exten => h,1,Set(H=\${EXTEN}:\${HANGUPCAUSE})
 same => n,Wait(5)
 same => n,Set(AFTER_WAIT=1)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.cause, HANGUP_CAUSES.USER_BUSY);
  assert.match(ch.variables.get('H') ?? '', /^h:/);
  assert.equal(ch.variables.get('AFTER_WAIT'), undefined);
  assert.equal(h.clock.pending(), 0);
});

test('the h extension may call a Gosub (cleanup subroutines run after the hangup)', async () => {
  const h = harness(`[default]
exten => s,1,Hangup()
exten => h,1,Gosub(cleanup,s,1(\${EXTEN}))
 same => n,Set(BACK=\${GOSUB_RETVAL})
[cleanup]
exten => s,1,Set(CLEANED=\${ARG1})
 same => n,Return(ok)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('CLEANED'), 'h');
  assert.equal(ch.variables.get('BACK'), 'ok');
});

test('a hangup during Wait aborts it at once: nothing after it runs and no timer is left', async () => {
  const h = harness(`[default]
exten => s,1,Wait(30)
 same => n,Set(X=1)
exten => h,1,Set(H=1)
`);
  const ch = channelAt('s');
  let done = false;
  const p = runDialplan(ch, h.deps).then(() => (done = true));
  await settle();
  h.clock.advance(1_000);
  await settle();
  assert.equal(done, false);
  ch.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  await p;
  assert.equal(ch.variables.get('X'), undefined);
  assert.equal(ch.variables.get('H'), '1');
  assert.equal(h.clock.pending(), 0);
  assert.ok(h.clock.now() < 30_000);
});

test('autofallthrough=no: the caller may dial an extension; silence goes to t', async () => {
  const text = `[general]
autofallthrough=no
[default]
exten => s,1,Answer()
exten => 5,1,Set(PICKED=\${EXTEN})
 same => n,Hangup()
exten => t,1,Set(TIMEDOUT=yes)
 same => n,Hangup()
`;
  const h = harness(text);
  const a = channelAt('s');
  const media = new FakeMedia();
  a.media = media;
  const p = runDialplan(a, h.deps);
  await settle();
  media.press('5');
  await p;
  assert.equal(a.variables.get('PICKED'), '5');

  const h2 = harness(text);
  const b = channelAt('s');
  b.media = new FakeMedia();
  await h2.run(b);
  assert.equal(b.variables.get('TIMEDOUT'), 'yes');
  assert.equal(h2.clock.now(), 10_000, 'the 10 s response timeout');
});

test('an unknown application hangs up with a warning naming it', async () => {
  const h = harness(`[default]
exten => s,1,Dail(SIP/2000)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(h.find("No application 'Dail' for extension (default, s, 1)").length, 1);
  assert.equal(ch.cause, HANGUP_CAUSES.NORMAL_CLEARING);
});

test('an application that needs a later feature is never a silent success', async () => {
  const h = harness(`[default]
exten => s,1,Queue(support)
 same => n,Set(X=1)
`);
  const ch = channelAt('s');
  await h.run(ch);
  assert.equal(ch.variables.get('X'), undefined);
  assert.equal(h.find('Queue: not available: needs call queues (not available yet)').length, 1);
});

test('a reload takes effect at the next priority', async () => {
  const h = harness(`[default]
exten => s,1,Wait(1)
 same => n,Set(V=old)
`);
  const next = harness(`[default]
exten => s,1,NoOp()
 same => n,Set(V=new)
`);
  const ch = channelAt('s');
  const deps = { ...h.deps, dialplan: h.deps.dialplan };
  let current = h.deps.dialplan;
  deps.dialplan = () => current();
  const p = runDialplan(ch, deps);
  await settle();
  current = next.deps.dialplan;
  h.clock.advance(1_000);
  await p;
  assert.equal(ch.variables.get('V'), 'new');
});
