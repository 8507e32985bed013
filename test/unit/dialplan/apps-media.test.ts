import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mediaApplications, playTone, releaseChannelDigits, startChannelDigits } from '../../../src/dialplan/apps/media-index.ts';
import type { MediaAppDeps, SayPrompts } from '../../../src/dialplan/apps/media-index.ts';
import type { DialplanApplication } from '../../../src/dialplan/types.ts';
import { toSlin } from '../../../src/media/frame.ts';
import { toneRatio } from '../../../src/media/goertzel.ts';
import { fakeLookup, FakeSounds, find, finish, harness, settle } from './apps-media-fixtures.ts';
import type { Harness } from './apps-media-fixtures.ts';

const fakeSay: SayPrompts = {
  digits: (t) => [...t].map((c) => `digits/${c}`),
  number: (n) => (n === 21 ? ['digits/20', 'digits/1'] : [`digits/${n}`]),
  alpha: (t) => [...t.toLowerCase()].map((c) => `letters/${c}`),
};

function apps(h: Harness, extra: Partial<MediaAppDeps> = {}): DialplanApplication[] {
  return mediaApplications({ clock: h.clock, say: fakeSay, ...extra });
}

/** Nothing left listening once an application returned (the digit queue's one listener stays until hangup). */
function assertNoLeaks(h: Harness): void {
  assert.equal(h.clock.listenerCount, 0, 'media clock listeners');
  assert.equal(h.media.frameListeners.size, 0, 'frame listeners');
  assert.ok(h.media.digitListeners.size <= 1, 'digit listeners');
}

const IVR = fakeLookup({ ivr: { s: 5, '1': 2, '12': 1, '123': 1, '2': 3, i: 1, t: 1 } });

describe('Playback', () => {
  test('answers, sends every frame of each file in order, one per tick, and sets SUCCESS', async () => {
    const sounds = new FakeSounds({ hello: 10, world: 5 });
    const h = harness({ sounds });
    const run = h.start(find(apps(h), 'Playback'), 'hello&world');
    await settle();
    assert.equal(h.channel.state, 'Up');
    assert.equal(h.media.sent.length, 1, 'the first frame goes out at once');
    h.clock.tick(3);
    assert.equal(h.media.sent.length, 4, 'then one frame per 20 ms tick');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(h.media.sent.length, 15);
    const expected = [...Array(10).keys()].map((k) => FakeSounds.frameByte('hello', k)).concat([...Array(5).keys()].map((k) => FakeSounds.frameByte('world', k)));
    assert.deepEqual(h.media.sent.map((f) => f.data[0]), expected);
    assert.equal(h.channel.variables.get('PLAYBACKSTATUS'), 'SUCCESS');
    assertNoLeaks(h);
  });

  test('takes 20 ms per frame: a 10-frame prompt ends on the 10th tick', async () => {
    const h = harness({ sounds: new FakeSounds({ hello: 10 }) });
    const run = h.start(find(apps(h), 'Playback'), 'hello');
    const ticks = await finish(h, run);
    assert.equal(ticks, 10);
  });

  test('a missing file warns, sets FAILED and the next file still plays', async () => {
    const h = harness({ sounds: new FakeSounds({ world: 3 }) });
    const run = h.start(find(apps(h), 'Playback'), 'nosuch&world');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(h.media.sent.length, 3);
    assert.equal(h.channel.variables.get('PLAYBACKSTATUS'), 'FAILED');
    assert.ok(h.logs.some((l) => l.level === 'warning' && l.message.includes('nosuch')));
  });

  test('noanswer plays without answering; skip does nothing on a channel that is not up', async () => {
    const h = harness({ sounds: new FakeSounds({ hello: 2 }) });
    const run = h.start(find(apps(h), 'Playback'), 'hello,noanswer');
    await finish(h, run);
    assert.equal(h.channel.answers, 0);
    assert.equal(h.media.sent.length, 2);
    const run2 = h.start(find(apps(h), 'Playback'), 'hello,skip');
    await finish(h, run2);
    assert.equal(h.media.sent.length, 2);
    assert.equal(h.channel.answers, 0);
  });

  test('digits pressed during Playback are ignored and do not reach a later WaitExten', async () => {
    const h = harness({ sounds: new FakeSounds({ hello: 5 }), lookup: fakeLookup({ ivr: { s: 1, '1': 1, t: 1 } }) });
    h.channel.variables.set('TIMEOUT(response)', '1000');
    const run = h.start(find(apps(h), 'Playback'), 'hello');
    await settle();
    h.media.press('1');
    await finish(h, run);
    assert.equal(h.media.sent.length, 5, 'the digit did not cut the prompt');
    const wait = h.start(find(apps(h), 'WaitExten'), '');
    await finish(h, wait);
    assert.deepEqual(wait.result, { kind: 'goto', exten: 't', priority: 1 });
  });

  test('hangup during Playback stops sending at once and returns hangup, leaving no listener', async () => {
    const h = harness({ sounds: new FakeSounds({ long: 500 }) });
    const run = h.start(find(apps(h), 'Playback'), 'long');
    await settle();
    h.clock.tick(5);
    h.channel.farHangup();
    await settle();
    assert.deepEqual(run.result, { kind: 'hangup' });
    const sent = h.media.sent.length;
    h.clock.tick(10);
    assert.equal(h.media.sent.length, sent);
    assert.equal(sent, 6);
    assert.equal(h.clock.listenerCount, 0);
    assert.equal(h.media.digitListeners.size, 0, 'the digit queue let go on hangup');
  });

  test('old j option jumps to n+101 when a file is missing', async () => {
    const h = harness({ sounds: new FakeSounds({}), lookup: fakeLookup({ ivr: { s: 102 } }) });
    const run = h.start(find(apps(h), 'Playback'), 'nosuch,j');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'goto', priority: 102 });
  });
});

describe('Background', () => {
  test('digit 1 stops the prompt and goes to 1,1 (one-digit extension that cannot grow)', async () => {
    const h = harness({ sounds: new FakeSounds({ menu: 100 }), lookup: fakeLookup({ ivr: { s: 3, '1': 2, '2': 1, i: 1 } }) });
    const run = h.start(find(apps(h), 'Background'), 'menu');
    await settle();
    h.clock.tick(9);
    h.media.press('1');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'ivr', exten: '1', priority: 1 });
    assert.equal(h.media.sent.length, 10, 'playback stopped at the digit');
    assert.equal(h.channel.variables.get('BACKGROUNDSTATUS'), 'SUCCESS');
    assertNoLeaks(h);
  });

  test('1 then 2 while 12 and 123 exist: dial-as-you-go waits TIMEOUT(digit), then goes to 12', async () => {
    const h = harness({ sounds: new FakeSounds({ menu: 100 }), lookup: IVR });
    h.channel.variables.set('TIMEOUT(digit)', '2000');
    const run = h.start(find(apps(h), 'Background'), 'menu');
    await settle();
    h.media.press('1');
    await settle();
    h.clock.tick(10);
    h.media.press('2');
    await settle();
    h.clock.tick(99);
    await settle();
    assert.equal(run.result, undefined, 'still waiting: 123 could follow');
    h.clock.tick(1);
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'ivr', exten: '12', priority: 1 });
    assertNoLeaks(h);
  });

  test('digits typed quickly all count: 1 2 3 goes to 123 at once', async () => {
    const h = harness({ sounds: new FakeSounds({ menu: 100 }), lookup: IVR });
    const run = h.start(find(apps(h), 'Background'), 'menu');
    await settle();
    h.media.press('123');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'ivr', exten: '123', priority: 1 });
  });

  test('an invalid digit goes to i with INVALID_EXTEN', async () => {
    const h = harness({ sounds: new FakeSounds({ menu: 100 }), lookup: IVR });
    const run = h.start(find(apps(h), 'Background'), 'menu');
    await settle();
    h.media.press('9');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'ivr', exten: 'i', priority: 1 });
    assert.equal(h.channel.variables.get('INVALID_EXTEN'), '9');
  });

  test('an invalid digit without i hangs up with a warning', async () => {
    const h = harness({ sounds: new FakeSounds({ menu: 100 }), lookup: fakeLookup({ ivr: { s: 1, '1': 1 } }) });
    const run = h.start(find(apps(h), 'Background'), 'menu');
    await settle();
    h.media.press('7');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'hangup' });
    assert.ok(h.logs.some((l) => l.level === 'warning' && l.message.includes("no rule 'i'")));
  });

  test('the prompt playing out without a digit continues at the next priority', async () => {
    const h = harness({ sounds: new FakeSounds({ menu: 4 }), lookup: IVR });
    const run = h.start(find(apps(h), 'Background'), 'menu');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(h.media.sent.length, 4);
  });

  test('option m: only a digit that is a one-digit extension stops the prompt', async () => {
    const h = harness({ sounds: new FakeSounds({ menu: 50 }), lookup: fakeLookup({ ivr: { s: 1, '2': 1 } }) });
    const run = h.start(find(apps(h), 'Background'), 'menu,m');
    await settle();
    h.media.press('5');
    await settle();
    h.clock.tick(5);
    assert.equal(run.result, undefined);
    h.media.press('2');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'ivr', exten: '2', priority: 1 });
  });

  test('context argument: a single digit of that context goes there', async () => {
    const h = harness({ sounds: new FakeSounds({ menu: 50 }), lookup: fakeLookup({ ivr: { s: 1 }, sales: { '3': 1 } }) });
    const run = h.start(find(apps(h), 'Background'), 'menu,,,sales');
    await settle();
    h.media.press('3');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'sales', exten: '3', priority: 1 });
  });

  test('a missing prompt sets BACKGROUNDSTATUS=FAILED and continues', async () => {
    const h = harness({ sounds: new FakeSounds({}), lookup: IVR });
    const run = h.start(find(apps(h), 'Background'), 'nosuch');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(h.channel.variables.get('BACKGROUNDSTATUS'), 'FAILED');
  });
});

describe('WaitExten', () => {
  test('times out after TIMEOUT(response) and goes to t when the next priority does not exist', async () => {
    const h = harness({ lookup: fakeLookup({ ivr: { s: 1, t: 1 } }) });
    h.channel.variables.set('TIMEOUT(response)', '2000');
    const run = h.start(find(apps(h), 'WaitExten'), '');
    await settle();
    h.clock.tick(99);
    await settle();
    assert.equal(run.result, undefined);
    h.clock.tick(1);
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'goto', exten: 't', priority: 1 });
    assertNoLeaks(h);
  });

  test('its seconds argument overrides TIMEOUT(response); a next priority is preferred to t', async () => {
    const h = harness({ lookup: fakeLookup({ ivr: { s: 2, t: 1 } }) });
    const run = h.start(find(apps(h), 'WaitExten'), '0.5');
    const ticks = await finish(h, run);
    assert.equal(ticks, 25);
    assert.deepEqual(run.result, { kind: 'next' });
  });

  test('no t and no e: hangs up with a warning', async () => {
    const h = harness({ lookup: fakeLookup({ ivr: { s: 1 } }) });
    const run = h.start(find(apps(h), 'WaitExten'), '1');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'hangup' });
    assert.ok(h.logs.some((l) => l.message.includes("no rule 't' or 'e'")));
  });

  test('picks up a digit typed after Background ended and before WaitExten started', async () => {
    const h = harness({ sounds: new FakeSounds({ menu: 3 }), lookup: IVR });
    startChannelDigits(h.channel);
    const bg = h.start(find(apps(h), 'Background'), 'menu');
    await finish(h, bg);
    assert.deepEqual(bg.result, { kind: 'next' });
    h.media.press('2'); // between the applications
    const run = h.start(find(apps(h), 'WaitExten'), '5');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'ivr', exten: '2', priority: 1 });
  });

  test('a digit typed before any media application is kept once the executor started the queue', async () => {
    const h = harness({ lookup: IVR });
    startChannelDigits(h.channel);
    h.media.press('2');
    const run = h.start(find(apps(h), 'WaitExten'), '5');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'ivr', exten: '2', priority: 1 });
    releaseChannelDigits(h.channel);
    assert.equal(h.media.digitListeners.size, 0);
  });

  test('option d plays the dial tone of the zone until the first digit', async () => {
    const h = harness({ lookup: IVR });
    const run = h.start(find(apps(h, { toneZone: () => 'de' }), 'WaitExten'), '5,d');
    await settle();
    h.clock.tick(4);
    h.media.press('2');
    await finish(h, run);
    assert.equal(h.media.sent.length, 5);
    assert.ok(toneRatio(toSlin(h.media.sent[2]!), 425) > 0.8, 'German dial tone: 425 Hz');
    assert.deepEqual(run.result, { kind: 'goto', context: 'ivr', exten: '2', priority: 1 });
    assertNoLeaks(h);
  });

  test('hangup while waiting returns hangup at once', async () => {
    const h = harness({ lookup: IVR });
    const run = h.start(find(apps(h), 'WaitExten'), '10');
    await settle();
    h.channel.farHangup();
    await settle();
    assert.deepEqual(run.result, { kind: 'hangup' });
    assert.equal(h.clock.listenerCount, 0);
  });
});

describe('Read', () => {
  test('plays the prompt, collects 3 digits ended by #, sets the variable and READSTATUS=OK', async () => {
    const h = harness({ sounds: new FakeSounds({ 'enter-pin': 50 }) });
    const run = h.start(find(apps(h), 'Read'), 'PIN,enter-pin');
    await settle();
    h.clock.tick(5);
    h.media.press('1');
    await settle();
    assert.equal(h.media.sent.length, 6, 'the first digit stopped the prompt');
    h.clock.tick(10);
    h.media.press('2');
    await settle();
    h.media.press('3');
    await settle();
    h.media.press('#');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(h.channel.variables.get('PIN'), '123');
    assert.equal(h.channel.variables.get('READSTATUS'), 'OK');
    assertNoLeaks(h);
  });

  test('maxdigits ends without #', async () => {
    const h = harness({ sounds: new FakeSounds({ p: 5 }) });
    const run = h.start(find(apps(h), 'Read'), 'X,p,2');
    await settle();
    h.media.press('4');
    await settle();
    h.media.press('5');
    await finish(h, run);
    assert.equal(h.channel.variables.get('X'), '45');
    assert.equal(h.channel.variables.get('READSTATUS'), 'OK');
  });

  test('nothing entered: TIMEOUT after the timeout argument, once per attempt', async () => {
    const h = harness({ sounds: new FakeSounds({ p: 5 }) });
    const run = h.start(find(apps(h), 'Read'), 'X,p,,,2,1');
    const ticks = await finish(h, run);
    assert.equal(ticks, 2 * (5 + 50));
    assert.equal(h.channel.variables.get('X'), '');
    assert.equal(h.channel.variables.get('READSTATUS'), 'TIMEOUT');
    assert.deepEqual(h.media.sent.length, 10, 'the prompt played once per attempt');
  });

  test('digits then silence: TIMEOUT(digit) ends it with what was typed', async () => {
    const h = harness({ sounds: new FakeSounds({ p: 1 }) });
    h.channel.variables.set('TIMEOUT(digit)', '1000');
    const run = h.start(find(apps(h), 'Read'), 'X,p');
    await settle();
    h.media.press('7');
    await settle();
    const ticks = await finish(h, run);
    assert.equal(ticks, 50);
    assert.equal(h.channel.variables.get('X'), '7');
    assert.equal(h.channel.variables.get('READSTATUS'), 'TIMEOUT');
  });

  test('option s on a channel that is not up: SKIPPED; hangup: HANGUP', async () => {
    const h = harness({ sounds: new FakeSounds({ p: 100 }) });
    const skip = h.start(find(apps(h), 'Read'), 'X,p,,s');
    await finish(h, skip);
    assert.equal(h.channel.variables.get('READSTATUS'), 'SKIPPED');
    const run = h.start(find(apps(h), 'Read'), 'X,p');
    await settle();
    h.clock.tick(3);
    h.channel.farHangup();
    await settle();
    assert.deepEqual(run.result, { kind: 'hangup' });
    assert.equal(h.channel.variables.get('READSTATUS'), 'HANGUP');
  });

  test('option i plays an indication tone instead of a file', async () => {
    const h = harness();
    const run = h.start(find(apps(h, { toneZone: () => 'us' }), 'Read'), 'X,dial,1,i');
    await settle();
    h.clock.tick(3);
    h.media.press('5');
    await finish(h, run);
    assert.equal(h.channel.variables.get('X'), '5');
    assert.equal(h.media.sent.length, 4);
    const samples = toSlin(h.media.sent[1]!);
    assert.ok(toneRatio(samples, 350) > 0.3 && toneRatio(samples, 440) > 0.3, 'US dial tone: 350 + 440 Hz');
  });
});

describe('Say applications', () => {
  test('SayDigits plays digits/N for each digit; SayNumber uses the number prompts', async () => {
    const sounds = new FakeSounds({ 'digits/4': 2, 'digits/2': 2, 'digits/20': 3, 'digits/1': 1 });
    const h = harness({ sounds });
    const run = h.start(find(apps(h), 'SayDigits'), '42');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'next' });
    assert.deepEqual(sounds.played, ['digits/4', 'digits/2']);
    assert.equal(h.media.sent.length, 4);
    const num = h.start(find(apps(h), 'SayNumber'), '21');
    await finish(h, num);
    assert.deepEqual(sounds.played.slice(2), ['digits/20', 'digits/1']);
    assertNoLeaks(h);
  });

  test('SAY_DTMF_INTERRUPT=true lets a digit interrupt and goes to the extension', async () => {
    const h = harness({ sounds: new FakeSounds({ 'letters/a': 50, 'letters/b': 50 }), lookup: IVR });
    h.channel.variables.set('SAY_DTMF_INTERRUPT', 'true');
    const run = h.start(find(apps(h), 'SayAlpha'), 'ab');
    await settle();
    h.media.press('2');
    await finish(h, run);
    assert.deepEqual(run.result, { kind: 'goto', context: 'ivr', exten: '2', priority: 1 });
    assert.equal(h.media.sent.length, 1);
  });

  test('by default the prompt lists of src/media/say.ts are used; a missing prompt is skipped', async () => {
    const sounds = new FakeSounds({ 'digits/1': 1, 'digits/thousand': 2, 'digits/2': 1, 'letters/x': 1, 'phonetic/b_p': 3 });
    const h = harness({ sounds });
    const list = mediaApplications({ clock: h.clock });
    const num = h.start(find(list, 'SayNumber'), '1002');
    await finish(h, num);
    assert.deepEqual(sounds.played, ['digits/1', 'digits/thousand', 'digits/2']);
    const alpha = h.start(find(list, 'SayAlpha'), 'x?');
    await finish(h, alpha);
    assert.deepEqual(alpha.result, { kind: 'next' });
    assert.deepEqual(sounds.played.slice(3), ['letters/x']);
    const phon = h.start(find(list, 'SayPhonetic'), 'b');
    await finish(h, phon);
    assert.deepEqual(sounds.played.slice(4), ['phonetic/b_p']);
    const big = h.start(find(list, 'SayNumber'), '99999999999');
    await finish(h, big);
    assert.deepEqual(big.result, { kind: 'next' });
    assert.ok(h.logs.some((l) => l.message.includes('is it too large')));
  });

  test('SayNumber with a bad gender hangs up like Asterisk; with a non-number only warns', async () => {
    const h = harness({ sounds: new FakeSounds({}) });
    const bad = h.start(find(apps(h), 'SayNumber'), '5,x');
    await finish(h, bad);
    assert.deepEqual(bad.result, { kind: 'hangup' });
    const nan = h.start(find(apps(h), 'SayNumber'), 'abc');
    await finish(h, nan);
    assert.deepEqual(nan.result, { kind: 'next' });
  });
});

describe('WaitForSilence and WaitForNoise', () => {
  const loud = { format: 'slin' as const, timestamp: 0, data: new Int16Array(160).fill(3000) };
  const quiet = { format: 'slin' as const, timestamp: 0, data: new Int16Array(160).fill(20) };

  test('ends after the required ms of silent frames: WAITSTATUS=SILENCE', async () => {
    const h = harness();
    const run = h.start(find(apps(h), 'WaitForSilence'), '200');
    await settle();
    for (let i = 0; i < 20; i++) h.media.receive(loud);
    for (let i = 0; i < 9; i++) h.media.receive(quiet);
    await settle();
    assert.equal(run.result, undefined);
    h.media.receive(quiet);
    await settle();
    assert.deepEqual(run.result, { kind: 'next' });
    assert.equal(h.channel.variables.get('WAITSTATUS'), 'SILENCE');
    assertNoLeaks(h);
  });

  test('no audio at all for the required time counts as silence; iterations repeat it', async () => {
    const h = harness();
    const run = h.start(find(apps(h), 'WaitForSilence'), '100,3');
    const ticks = await finish(h, run);
    assert.equal(ticks, 15);
    assert.equal(h.channel.variables.get('WAITSTATUS'), 'SILENCE');
  });

  test('timeout seconds end it with TIMEOUT when the caller keeps talking', async () => {
    const h = harness();
    const run = h.start(find(apps(h), 'WaitForSilence'), '500,1,1');
    await settle();
    for (let i = 0; i < 60 && run.result === undefined; i++) {
      h.media.receive(loud);
      h.clock.tick();
      await settle();
    }
    assert.equal(h.channel.variables.get('WAITSTATUS'), 'TIMEOUT');
  });

  test('WaitForNoise ends on noise', async () => {
    const h = harness();
    const run = h.start(find(apps(h), 'WaitForNoise'), '100');
    await settle();
    for (let i = 0; i < 5; i++) h.media.receive(loud);
    await settle();
    assert.equal(h.channel.variables.get('WAITSTATUS'), 'NOISE');
    assert.deepEqual(run.result, { kind: 'next' });
  });
});

describe('Echo', () => {
  test('answers, sends back every frame and digit, and # ends it after echoing', async () => {
    const h = harness();
    const run = h.start(find(apps(h), 'Echo'), '');
    await settle();
    assert.equal(h.channel.state, 'Up');
    const f = { format: 'ulaw' as const, timestamp: 0, data: new Uint8Array(160).fill(0x42) };
    h.media.receive(f);
    h.media.receive(f);
    h.media.press('5');
    assert.equal(h.media.sent.length, 2);
    assert.equal(h.media.sent[0], f);
    h.media.press('#');
    await settle();
    assert.deepEqual(h.media.sentDigits, ['5', '#']);
    assert.deepEqual(run.result, { kind: 'next' });
    assertNoLeaks(h);
  });

  test('hangup ends it', async () => {
    const h = harness();
    const run = h.start(find(apps(h), 'Echo'), '');
    await settle();
    h.channel.farHangup();
    await settle();
    assert.deepEqual(run.result, { kind: 'hangup' });
    assert.equal(h.media.frameListeners.size, 0);
  });
});

describe('playTone', () => {
  test('plays the country busy tone paced by the clock until stopped', async () => {
    const h = harness();
    const stop = new AbortController();
    const ending = playTone(h.channel, 'busy', 'uk', stop.signal, { clock: h.clock });
    h.clock.tick(4);
    assert.equal(h.media.sent.length, 5);
    assert.ok(toneRatio(toSlin(h.media.sent[2]!), 400) > 0.8, 'UK busy tone: 400 Hz');
    stop.abort();
    assert.equal(await ending, 'stopped');
    h.clock.tick(3);
    assert.equal(h.media.sent.length, 5);
    assert.equal(h.clock.listenerCount, 0);
  });

  test('ends with hangup when the channel goes', async () => {
    const h = harness();
    const ending = playTone(h.channel, 'ringback', 'de', undefined, { clock: h.clock });
    h.clock.tick(2);
    h.channel.farHangup();
    assert.equal(await ending, 'hangup');
    assert.equal(h.clock.listenerCount, 0);
  });
});

describe('hangup during any media application', () => {
  const cases: [string, string][] = [
    ['Playback', 'long'],
    ['Background', 'long'],
    ['WaitExten', '30'],
    ['Read', 'X,long'],
    ['Read', 'X,dial,,i'],
    ['Record', '/nonexistent-dir-never-created/x.wav,,,q'],
    ['WaitForSilence', '100000'],
    ['Echo', ''],
    ['SayDigits', '1234'],
  ];
  for (const [name, args] of cases) {
    test(`${name}(${args}) returns hangup and leaves no clock, frame or digit listener`, async () => {
      const h = harness({ sounds: new FakeSounds({ long: 1000, 'digits/1': 1000 }), lookup: IVR });
      const list = apps(h, {
        files: {
          exists: () => false,
          read: () => undefined,
          create: (path) => {
            let size = 0;
            return {
              path,
              get size() {
                return size;
              },
              append: (b: Uint8Array) => void (size += b.length),
              writeAt: () => {},
              truncate: (n: number) => void (size = n),
              commit: () => {},
              discard: () => {},
            };
          },
        },
      });
      const run = h.start(find(list, name), args);
      await settle();
      h.clock.tick(3);
      await settle();
      assert.equal(run.result, undefined, 'still running');
      h.channel.farHangup();
      await settle();
      assert.deepEqual(run.result, { kind: 'hangup' });
      assert.equal(h.clock.listenerCount, 0);
      assert.equal(h.media.frameListeners.size, 0);
      assert.equal(h.media.digitListeners.size, 0);
    });
  }
});
