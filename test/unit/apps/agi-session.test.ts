/**
 * An AGI conversation with a fake script (a transport the test writes command lines into) and a
 * fake channel: the environment block first, each command answered in order as res_agi does
 * (200/510/511/520), media commands over the manual media clock, the hangup told to the script
 * once with the dead-channel rule afterwards, and the bounds: silence stops the script, an
 * overlong line gets 510.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAgiSession, type AgiOutcome, type AgiTransport } from '../../../src/apps/agi/session.ts';
import { dispatchAgiCommand, type AgiCommandState } from '../../../src/dialplan/apps/agi-commands.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { EventBus, type PbxEvent } from '../../../src/core/events.ts';
import { substitute, withFunctions } from '../../../src/dialplan/expr/index.ts';
import { createFunctionRegistry } from '../../../src/dialplan/functions/index.ts';
import type { AppContext, AstDb, FunctionEnv } from '../../../src/dialplan/types.ts';
import { FakeChannel, FakeSounds, fakeLookup, settle } from '../dialplan/apps-media-fixtures.ts';
import { ManualMediaClock } from '../../../src/media/manual-clock.ts';

class FakeScript implements AgiTransport {
  written = '';
  private dataCb: ((c: string) => void) | undefined;
  private endCb: (() => void) | undefined;
  hangups = 0;
  stopped = 0;
  write(text: string): void {
    this.written += text;
  }
  onData(cb: (c: string) => void): void {
    this.dataCb = cb;
  }
  onEnd(cb: () => void): void {
    this.endCb = cb;
  }
  notifyHangup(): void {
    this.hangups++;
    this.written += 'HANGUP\n';
  }
  stop(): void {
    this.stopped++;
  }
  send(text: string): void {
    this.dataCb?.(text);
  }
  exit(): void {
    this.endCb?.();
  }
  /** Everything after the environment block's empty line. */
  replies(): string {
    return this.written.slice(this.written.indexOf('\n\n') + 2);
  }
}

function memoryDb(): AstDb {
  const m = new Map<string, string>();
  return {
    get: (f, k) => m.get(`${f}/${k}`),
    put: (f, k, v) => void m.set(`${f}/${k}`, v),
    del: (f, k) => m.delete(`${f}/${k}`),
    delTree: (f) => {
      let n = 0;
      for (const k of [...m.keys()]) if (k.startsWith(`${f}/`)) n += m.delete(k) ? 1 : 0;
      return n;
    },
    entries: () => [],
  };
}

function setup(opts: { dead?: boolean; timeoutMs?: number } = {}) {
  const channel = new FakeChannel();
  channel.state = 'Up';
  const events: PbxEvent[] = [];
  const bus = new EventBus();
  bus.on((e) => events.push(e));
  Object.assign(channel, { eventBus: bus });
  const media = channel.media!;
  const mediaClock = new ManualMediaClock();
  const clock = new FakeClock();
  const base: FunctionEnv = {
    channel,
    globals: new Map(),
    db: memoryDb(),
    lookup: fakeLookup({}),
    now: () => 0,
    env: () => undefined,
    setEnv: () => {},
    log: () => {},
  };
  const functions = withFunctions(base, createFunctionRegistry());
  const sounds = new FakeSounds({ 'hello-world': 50, beep: 5, 'digits/1': 5, 'digits/2': 5, 'digits/3': 5 });
  const ctx: AppContext = {
    channel,
    args: [],
    rawArgs: '',
    lookup: fakeLookup({}),
    functions,
    substitute: (t) => substitute(t, functions),
    runApp: async () => ({ kind: 'next' }),
    runSubroutine: async () => ({ kind: 'next' }),
    sounds,
    now: () => 0,
    sleep: async () => {},
    log: () => {},
  };
  const state: AgiCommandState = { ctx, media: { clock: mediaClock }, log: () => {} };
  const script = new FakeScript();
  let outcome: AgiOutcome | undefined;
  const done = runAgiSession({
    transport: script,
    dispatch: (w, dead) => dispatchAgiCommand(state, w, dead),
    env: { request: 'test.agi', channel: channel.name, language: 'en', type: 'SIP', uniqueId: channel.uniqueId, version: 't', callingPres: 0, context: 'ivr', extension: 's', priority: 1, enhanced: false, threadId: '1', args: [] },
    hangupSignal: channel.hangupSignal,
    dead: opts.dead ?? false,
    clock,
    silenceTimeoutMs: opts.timeoutMs ?? 60_000,
    sighup: true,
    log: () => {},
    onHangup: () => channel.variables.set('AGISTATUS', 'HANGUP'),
  }).then((r) => (outcome = r.outcome));
  return { channel, media, mediaClock, clock, script, events, sounds, done, outcome: () => outcome, state };
}

test('the script gets the environment block, then one reply per command in order', async () => {
  const t = setup();
  assert.match(t.script.written, /^agi_request: test\.agi\n[\s\S]*\n\n$/);
  t.script.send('SET VARIABLE NCIDNAME "Joe Bloggs"\nGET VARIABLE NCIDNAME\nGET VARIABLE NOPE\nNOOP\n');
  await settle();
  assert.equal(t.script.replies(), '200 result=1\n200 result=1 (Joe Bloggs)\n200 result=0\n200 result=0\n');
  assert.equal(t.channel.variables.get('NCIDNAME'), 'Joe Bloggs');
  assert.ok(t.events.some((e) => e.type === 'VarSet' && e.variable === 'NCIDNAME' && e.value === 'Joe Bloggs'), 'VarSet emitted');
  t.script.exit();
  await t.done;
  assert.equal(t.outcome(), 'SUCCESS');
});

test('unknown commands get 510, bad arguments 520 with the usage, and the script goes on', async () => {
  const t = setup();
  t.script.send('FROB THE WIDGET\nSAY NUMBER abc\nDATABASE PUT fam key val\nDATABASE GET fam key\n');
  await settle();
  const r = t.script.replies();
  assert.ok(r.startsWith('510 Invalid or unknown command\n520-Invalid command syntax.  Proper usage follows:\n Usage: SAY NUMBER'), r);
  assert.ok(r.endsWith('520 End of proper usage.\n200 result=1\n200 result=1 (val)\n'), r);
  t.script.exit();
  await t.done;
});

test('SET CALLERID changes the caller ID and emits NewCallerid; CHANNEL STATUS says up (6)', async () => {
  const t = setup();
  t.script.send('SET CALLERID "\\"Bob\\" <2001>"\nCHANNEL STATUS\n');
  await settle();
  assert.equal(t.script.replies(), '200 result=1\n200 result=6\n');
  assert.deepEqual({ name: t.channel.callerId.name, number: t.channel.callerId.number }, { name: 'Bob', number: '2001' });
  assert.ok(t.events.some((e) => e.type === 'NewCallerid'));
  t.script.exit();
  await t.done;
});

test('STREAM FILE stops at an escape digit: result is its ASCII code, endpos the samples sent', async () => {
  const t = setup();
  t.script.send('STREAM FILE hello-world 12\n');
  await settle();
  t.mediaClock.tick(10);
  await settle();
  t.media.press('1');
  await settle();
  const m = /^200 result=49 endpos=(\d+)\n$/.exec(t.script.replies());
  assert.ok(m, t.script.replies());
  assert.ok(Number(m![1]) > 0 && Number(m![1]) < 50 * 160, 'stopped partway');
  t.script.exit();
  await t.done;
});

test('GET DATA collects digits until maxdigits; without digits it says (timeout)', async () => {
  const t = setup();
  t.script.send('GET DATA beep 3000 4\n');
  await settle();
  t.mediaClock.tick(10);
  await settle();
  t.media.press('1234');
  await settle(200);
  assert.equal(t.script.replies(), '200 result=1234\n');
  t.script.send('GET DATA beep 1000 4\n');
  await t.mediaClock.runUntil(() => t.script.replies().split('\n').length > 2, 500);
  await settle();
  assert.equal(t.script.replies(), '200 result=1234\n200 result= (timeout)\n');
  t.script.exit();
  await t.done;
});

test('a hangup mid-script: HANGUP told once (after the running command\'s reply), AGISTATUS=HANGUP at once, then 511 for channel commands', async () => {
  const t = setup();
  t.script.send('WAIT FOR DIGIT -1\n');
  await settle();
  t.channel.farHangup();
  assert.equal(t.channel.variables.get('AGISTATUS'), 'HANGUP', 'set synchronously, before the h extension would run');
  await settle();
  t.script.send('STREAM FILE hello-world ""\nSET VARIABLE X 1\n');
  await settle();
  assert.equal(t.script.hangups, 1);
  assert.equal(t.script.replies(), '200 result=-1\nHANGUP\n511 Command Not Permitted on a dead channel\n200 result=1\n', 'the running command answers first, then HANGUP');
  t.script.exit();
  await t.done;
  assert.equal(t.outcome(), 'HANGUP');
});

test('DeadAGI: channel commands answer 511 from the start, database commands work', async () => {
  const t = setup({ dead: true });
  t.script.send('ANSWER\nDATABASE PUT a b c\n');
  await settle();
  assert.equal(t.script.replies(), '511 Command Not Permitted on a dead channel\n200 result=1\n');
  t.script.exit();
  await t.done;
  assert.equal(t.outcome(), 'SUCCESS');
});

test('a silent script is stopped after the timeout (FAILURE); the timer waits for running commands', async () => {
  const t = setup({ timeoutMs: 5000 });
  t.clock.advance(4000);
  t.script.send('NOOP\n');
  await settle();
  t.clock.advance(4000);
  assert.equal(t.script.stopped, 0, 'the timeout counts from the last reply');
  t.clock.advance(1001);
  await t.done;
  assert.equal(t.script.stopped, 1);
  assert.equal(t.outcome(), 'FAILURE');
});

test('an overlong line gets 510 and the conversation goes on', async () => {
  const t = setup();
  t.script.send(`VERBOSE ${'x'.repeat(9000)} 1\nNOOP\n`);
  await settle();
  assert.equal(t.script.replies(), '510 Invalid or unknown command\n200 result=0\n');
  t.script.exit();
  await t.done;
});

test('HANGUP from the script: its reply first, then the HANGUP line; AGISTATUS HANGUP', async () => {
  const t = setup();
  t.script.send('HANGUP\nNOOP\n');
  await settle();
  assert.ok(t.channel.cause !== undefined, 'the channel was hung up');
  assert.equal(t.script.replies(), '200 result=1\nHANGUP\n200 result=0\n');
  t.script.exit();
  await t.done;
  assert.equal(t.outcome(), 'HANGUP');
});

test('a flood of command lines without waiting for replies is bounded: a transport that cannot pause stops the script', async () => {
  const t = setup();
  t.script.send('WAIT FOR DIGIT -1\n' + 'NOOP\n'.repeat(300));
  await t.done;
  assert.equal(t.outcome(), 'FAILURE');
  assert.equal(t.script.stopped, 1);
});
