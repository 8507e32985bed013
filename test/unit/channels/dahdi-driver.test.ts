/**
 * The DAHDI channel driver on a fake line engine: a phone off hook dials as it goes and enters the
 * dialplan with the matched number; Dial(DAHDI/1) rings the phone with caller ID and is answered
 * by going off hook; hang-ups either way end the channel once (congestion to a phone left off
 * hook); a line ringing enters its context at `s` and answer() seizes it; DAHDI/g1/NUMBER dials
 * out on the group's first free line; the port's audio becomes 20 ms frames on the media clock.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DahdiDriver, parseDahdiResource, type DahdiEngine } from '../../../src/channels/dahdi-driver.ts';
import type { DahdiChannel } from '../../../src/channels/dahdi-channel.ts';
import type { AnalogListener } from '../../../src/analog/engine.ts';
import type { AnalogEvent } from '../../../src/analog/engine.ts';
import type { AnalogPortConfig } from '../../../src/config/model.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { ManualMediaClock } from '../../../src/media/manual-clock.ts';
import { silentLogger } from '../../../src/log/index.ts';
import { HANGUP_CAUSES } from '../../../src/core/hangup-causes.ts';
import type { AudioFrame } from '../../../src/media/frame.ts';

function fakeEngine() {
  const calls: string[] = [];
  const written: Int16Array[] = [];
  let rx: Int16Array = new Int16Array(0);
  let listener: AnalogListener | undefined;
  const engine: DahdiEngine = {
    onEvent: (l) => {
      listener = l;
      return () => (listener = undefined);
    },
    readAudio: (_port, into) => {
      const n = Math.min(into.length, rx.length);
      into.set(rx.subarray(0, n));
      rx = rx.slice(n);
      return n;
    },
    writeAudio: (_port, s) => {
      written.push(s.slice());
      return s.length;
    },
    ring: (p, on, n = '', name = '', absence?: string) =>
      calls.push(`ring ${p} ${on}${on ? ` ${n} ${name}` : ''}${absence ? ` (${absence})` : ''}`),
    setHook: (p, off) => calls.push(`hook ${p} ${off ? 'off' : 'on'}`),
    dial: (p, d) => calls.push(`dial ${p} ${d}`),
    playTone: (p, t) => calls.push(`tone ${p} ${t}`),
  };
  return {
    engine,
    calls,
    written,
    emit: (ev: AnalogEvent) => listener?.(ev),
    feed: (samples: Int16Array) => {
      const all = new Int16Array(rx.length + samples.length);
      all.set(rx);
      all.set(samples, rx.length);
      rx = all;
    },
  };
}

const PORTS: AnalogPortConfig[] = [
  { port: 1, kind: 'fxs', context: 'phones', extension: '2100' },
  { port: 2, kind: 'fxo', context: 'from-pstn', group: 1 },
  { port: 3, kind: 'fxo', context: 'from-pstn', group: 1 },
];

function setup(dialplan: string[] = ['2000', '600']) {
  const e = fakeEngine();
  const clock = new FakeClock();
  const media = new ManualMediaClock();
  const routed: DahdiChannel[] = [];
  const driver = new DahdiDriver({
    engine: e.engine,
    ports: PORTS,
    clock,
    mediaClock: media,
    log: silentLogger('dahdi'),
    match: (_ctx, digits) => ({
      exists: dialplan.includes(digits),
      canMatchMore: dialplan.some((x) => x.startsWith(digits) && x !== digits),
    }),
    exists: (ctx, exten) => ctx === 'from-pstn' && exten === 's',
    route: (ch) => routed.push(ch),
    dialDelayMs: 500,
  });
  return { ...e, clock, media, driver, routed };
}

describe('DAHDI driver', () => {
  test('resources: port, port/number, group/number', () => {
    assert.deepEqual(parseDahdiResource('1'), { port: 1 });
    assert.deepEqual(parseDahdiResource('g1/5551212'), { group: 1, number: '5551212' });
    assert.deepEqual(parseDahdiResource('3/555'), { port: 3, number: '555' });
    assert.equal(parseDahdiResource('x'), undefined);
  });

  test('a phone off hook dials 2000: dial tone, then DAHDI/1-1 enters phones at 2000 with the port extension as caller ID', () => {
    const t = setup();
    t.emit({ type: 'offhook', port: 1 });
    assert.deepEqual(t.calls, ['tone 1 dial']);
    for (const d of '2000') t.emit({ type: 'digit', port: 1, digit: d });
    assert.equal(t.routed.length, 1);
    const ch = t.routed[0]!;
    assert.equal(ch.name, 'DAHDI/1-1');
    assert.deepEqual([ch.context, ch.exten, ch.state, ch.callerId.number], ['phones', '2000', 'Ring', '2100']);
    assert.equal(t.driver.channels.get('DAHDI/1-1'), ch);
    ch.ringing();
    assert.equal(t.calls.at(-1), 'tone 1 ringback');
    ch.answer();
    assert.equal(t.calls.at(-1), 'tone 1 null', 'the ringback stops when the call is answered');
    assert.equal(ch.state, 'Up');
    // Digits during the call are the channel's, not a new number.
    const heard: string[] = [];
    ch.media.onDigit((d) => heard.push(d));
    t.emit({ type: 'digit', port: 1, digit: '5' });
    assert.deepEqual(heard, ['5']);
    t.emit({ type: 'onhook', port: 1 });
    assert.equal(ch.cause, HANGUP_CAUSES.NORMAL_CLEARING);
    assert.equal(ch.hangupSignal.aborted, true);
    assert.equal(t.driver.channels.size, 0);
  });

  test('the far end hanging up leaves a phone still off hook on congestion', () => {
    const t = setup();
    t.emit({ type: 'offhook', port: 1 });
    for (const d of '600') t.emit({ type: 'digit', port: 1, digit: d });
    t.routed[0]!.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    assert.equal(t.calls.at(-1), 'tone 1 congestion');
    assert.equal(t.driver.ports()[0]!.call, undefined);
  });

  test("a withheld caller rings the phone as private ('P', no name); a caller without a number as unavailable ('O')", () => {
    const t = setup();
    const leg = t.driver.request('1', { callerId: { number: '2000', name: 'Alice', presentation: 'prohib' } }, {});
    assert.deepEqual(t.calls, ['ring 1 true   (withheld)']);
    (leg as DahdiChannel).hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    t.calls.length = 0;
    t.driver.request('1', { callerId: { name: 'Front door' } }, {});
    assert.deepEqual(t.calls, ['ring 1 true  Front door (unavailable)']);
  });

  test('Dial(DAHDI/1) rings the phone with caller ID; off hook answers; the caller hanging up ends it', () => {
    const t = setup();
    const events: string[] = [];
    const leg = t.driver.request('1', { callerId: { number: '2000', name: 'Alice' } }, {
      onRinging: (l) => events.push(`ringing ${l.name}`),
      onAnswered: (l) => events.push(`answered ${l.name}`),
      onEnded: (l, c) => events.push(`ended ${l.name} ${c}`),
    });
    assert.equal(typeof leg, 'object');
    const ch = leg as DahdiChannel;
    assert.deepEqual(t.calls, ['ring 1 true 2000 Alice']);
    assert.equal(t.driver.request('1', { callerId: {} }, {}), HANGUP_CAUSES.USER_BUSY, 'one call per port');
    t.clock.advance(0);
    assert.deepEqual(events, ['ringing DAHDI/1-1']);
    t.emit({ type: 'offhook', port: 1 });
    assert.equal(ch.state, 'Up');
    assert.deepEqual(events, ['ringing DAHDI/1-1', 'answered DAHDI/1-1']);
    ch.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    assert.equal(events.at(-1), 'ended DAHDI/1-1 16');
    t.emit({ type: 'onhook', port: 1 });
    assert.equal(events.length, 3, 'ends once');
  });

  test('a caller giving up stops the ringing', () => {
    const t = setup();
    const ch = t.driver.request('1', { callerId: {} }, {}) as DahdiChannel;
    ch.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    assert.deepEqual(t.calls, ['ring 1 true   (unavailable)', 'ring 1 false']);
  });

  test('unknown port or group: unavailable; a line needs a number', () => {
    const t = setup();
    assert.equal(t.driver.request('9', { callerId: {} }, {}), HANGUP_CAUSES.SUBSCRIBER_ABSENT);
    assert.equal(t.driver.request('g7/123', { callerId: {} }, {}), HANGUP_CAUSES.SUBSCRIBER_ABSENT);
    assert.equal(t.driver.request('2', { callerId: {} }, {}), HANGUP_CAUSES.UNALLOCATED);
  });

  test('DAHDI/g1/5551212 seizes the first free line of the group, dials, and is up when dialing is done', () => {
    const t = setup();
    const events: string[] = [];
    const a = t.driver.request('g1/5551212', { callerId: {} }, { onAnswered: (l) => events.push(`up ${l.name}`) }) as DahdiChannel;
    assert.equal(a.name, 'DAHDI/2-1');
    const b = t.driver.request('g1/777', { callerId: {} }, {}) as DahdiChannel;
    assert.equal(b.name, 'DAHDI/3-1', 'port 2 is busy: the next line of the group');
    assert.equal(t.driver.request('g1/888', { callerId: {} }, {}), HANGUP_CAUSES.USER_BUSY);
    t.clock.advance(500);
    assert.deepEqual(t.calls.filter((c) => c.startsWith('dial')), ['dial 2 5551212', 'dial 3 777']);
    t.emit({ type: 'dialComplete', port: 2 });
    assert.deepEqual(events, ['up DAHDI/2-1']);
    t.emit({ type: 'busy', port: 2, tone: 'busy' });
    assert.equal(a.cause, HANGUP_CAUSES.USER_BUSY);
  });

  test('a line ringing with caller ID enters its context at s; answer() takes it off hook', () => {
    const t = setup();
    t.emit({ type: 'callerid', port: 2, number: '5551234', name: 'JOHN DOE' });
    t.emit({ type: 'ringBegin', port: 2 });
    assert.equal(t.routed.length, 1);
    const ch = t.routed[0]!;
    assert.deepEqual([ch.name, ch.context, ch.exten, ch.callerId.number, ch.callerId.name], ['DAHDI/2-1', 'from-pstn', 's', '5551234', 'JOHN DOE']);
    ch.answer();
    assert.ok(t.calls.includes('hook 2 off'));
    assert.equal(ch.state, 'Up');
    t.emit({ type: 'disconnect', port: 2 });
    assert.equal(ch.cause, HANGUP_CAUSES.NORMAL_CLEARING);
  });

  for (const [absence, presentation] of [['withheld', 'prohib'], ['unavailable', 'unavailable']] as const) {
    test(`a line call whose caller ID is ${absence} has presentation ${presentation} and no number`, () => {
      const t = setup();
      t.emit({ type: 'callerid', port: 2, number: '', name: '', absence });
      t.emit({ type: 'ringBegin', port: 2 });
      assert.equal(t.routed.length, 1);
      assert.deepEqual(t.routed[0]!.callerId, { presentation });
    });
  }

  test('media: port audio becomes 20 ms slin frames on the clock, stale audio is dropped, frames sent go to the port', () => {
    const t = setup();
    t.emit({ type: 'offhook', port: 1 });
    for (const d of '2000') t.emit({ type: 'digit', port: 1, digit: d });
    const ch = t.routed[0]!;
    t.feed(new Int16Array(1000).fill(1)); // before anyone listens: stale
    const frames: AudioFrame[] = [];
    ch.media.onFrame((f) => frames.push(f));
    t.feed(new Int16Array(160).fill(5));
    t.feed(new Int16Array(100).fill(6));
    t.media.tick();
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.format, 'slin');
    assert.deepEqual([...new Set(frames[0]!.data)], [5]);
    t.feed(new Int16Array(60).fill(6));
    t.media.tick();
    assert.equal(frames.length, 2);
    assert.deepEqual([...new Set(frames[1]!.data)], [6], 'a partial block waits for the rest');
    ch.media.send({ format: 'ulaw', timestamp: 0, data: new Uint8Array(160).fill(0xff) });
    assert.equal(t.written.length, 2, 'a silent frame goes first when sending starts');
    assert.equal(t.written[1]!.length, 160);
  });

  test('media: a DTMF digit to the port is played in band one frame per tick, replacing audio, then resolves', async () => {
    const t = setup();
    t.emit({ type: 'offhook', port: 1 });
    for (const d of '2000') t.emit({ type: 'digit', port: 1, digit: d });
    const ch = t.routed[0]!;
    ch.media.onFrame(() => undefined);
    let done = false;
    void ch.media.sendDigit('5', 100).then(() => (done = true));
    ch.media.send({ format: 'slin', timestamp: 0, data: new Int16Array(160).fill(9) });
    assert.equal(t.written.length, 0, 'audio sent while a digit plays is dropped');
    // 100 ms of tone + 60 ms gap = 8 frames (and one silent frame first, sending starts).
    t.media.tick(8);
    await Promise.resolve();
    assert.equal(done, true);
    const frames = t.written.slice(1);
    assert.equal(frames.length, 8);
    assert.ok(frames[0]!.some((x) => Math.abs(x) > 4000), 'the tone is loud enough to detect');
    assert.ok(frames[7]!.every((x) => x === 0), 'a silent gap ends the digit');
    assert.equal(await ch.media.sendDigit('x'), undefined, 'a bad digit is ignored');
  });
});
