/**
 * The DAHDI driver's flash features on a fake line engine, with fake `features` recording what
 * the runtime is asked to do: hold + dial tone + a third call on the same port; flash -> three-way
 * (conference with the held and the third call), flash -> the third call dropped and the first
 * resumed; hang up -> transfer of the two; call waiting instead of busy (with caller ID), flash
 * answers and switches, hang up rings the phone again; callwaiting = no -> busy.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DahdiDriver, type DahdiEngine, type DahdiFeatures } from '../../../src/channels/dahdi-driver.ts';
import type { DahdiChannel } from '../../../src/channels/dahdi-channel.ts';
import type { AnalogEvent, AnalogListener } from '../../../src/analog/engine.ts';
import type { AnalogPortConfig } from '../../../src/config/model.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { ManualMediaClock } from '../../../src/media/manual-clock.ts';
import { silentLogger } from '../../../src/log/index.ts';
import { HANGUP_CAUSES } from '../../../src/core/hangup-causes.ts';

function setup(port: Partial<AnalogPortConfig> = {}) {
  const calls: string[] = [];
  let listener: AnalogListener | undefined;
  const engine: DahdiEngine = {
    onEvent: (l) => {
      listener = l;
      return () => (listener = undefined);
    },
    readAudio: () => 0,
    writeAudio: (_p, s) => s.length,
    ring: (p, on, n = '') => calls.push(`ring ${p} ${on}${on ? ` ${n}` : ''}`),
    setHook: () => undefined,
    dial: () => undefined,
    playTone: (p, t) => calls.push(`tone ${p} ${t}`),
    callWaiting: (p, on, n = '', name = '') => calls.push(`cw ${p} ${on}${on ? ` ${n} ${name}` : ''}`),
  };
  const asked: string[] = [];
  let mixing = false;
  const features: DahdiFeatures = {
    conference: (_phone, held, third) => {
      asked.push(`conference ${held.name} ${third.name}`);
      mixing = true;
      return () => {
        mixing = false;
        asked.push('conference stopped');
      };
    },
    transfer: (held, third) => {
      asked.push(`transfer ${held.name} ${third.name}`);
      return true;
    },
  };
  const routed: DahdiChannel[] = [];
  const clock = new FakeClock();
  const driver = new DahdiDriver({
    engine,
    ports: [{ port: 1, kind: 'fxs', context: 'phones', extension: '2100', ...port }],
    clock,
    mediaClock: new ManualMediaClock(),
    log: silentLogger('dahdi'),
    match: (_ctx, d) => ({ exists: ['2000', '2001'].includes(d), canMatchMore: ['2000', '2001'].some((x) => x.startsWith(d) && x !== d) }),
    exists: () => false,
    route: (ch) => {
      routed.push(ch);
      ch.up(); // as Dial/Answer would once the callee answered
    },
    features,
  });
  const emit = (...evs: AnalogEvent[]): void => evs.forEach((e) => listener?.(e));
  const dial = (digits: string): void => [...digits].forEach((d) => emit({ type: 'digit', port: 1, digit: d }));
  return { calls, asked, routed, driver, emit, dial, clock, mixing: () => mixing };
}

describe('DAHDI driver: flash features', () => {
  test('flash holds and gives dial tone; flash -> three-way; flash drops the third; hang up transfers', () => {
    const t = setup();
    t.emit({ type: 'offhook', port: 1 });
    t.dial('2000');
    const first = t.routed[0]!;
    t.calls.length = 0;
    t.emit({ type: 'flash', port: 1 });
    assert.equal(first.holding, true, 'the first call is held');
    assert.equal(first.media.connected, false);
    assert.deepEqual(t.calls, ['tone 1 dial']);
    t.dial('2001');
    const third = t.routed[1]!;
    assert.equal(third.name, 'DAHDI/1-2', 'the third call is a second call on the same port');
    t.emit({ type: 'flash', port: 1 });
    assert.deepEqual(t.asked, ['conference DAHDI/1-1 DAHDI/1-2']);
    assert.equal(first.holding, false, 'no music in the three-way call');
    assert.match(t.driver.ports()[0]!.state, /three-way/);
    t.emit({ type: 'flash', port: 1 });
    assert.equal(t.mixing(), false);
    assert.equal(third.ended, true, 'the third party is dropped');
    assert.equal(first.media.connected, true, 'the first call resumes');
    t.emit({ type: 'flash', port: 1 });
    t.dial('2001');
    const again = t.routed[2]!;
    t.emit({ type: 'onhook', port: 1 });
    assert.deepEqual(t.asked.slice(-1), ['transfer DAHDI/1-1 DAHDI/1-3']);
    assert.equal(first.ended && again.ended, true, 'both calls on the port end after the transfer');
    assert.equal(t.driver.ports()[0]!.call, undefined);
  });

  test('flash while the third call is not answered yet goes back to the held call', () => {
    const t = setup();
    t.emit({ type: 'offhook', port: 1 });
    t.dial('2000');
    const first = t.routed[0]!;
    t.emit({ type: 'flash', port: 1 });
    t.emit({ type: 'flash', port: 1 });
    assert.equal(first.holding, false);
    assert.equal(first.media.connected, true);
    assert.equal(t.driver.ports()[0]!.state, 'call');
  });

  test('threewaycalling = no: flash only holds and takes back', () => {
    const t = setup({ threeWayCalling: false });
    t.emit({ type: 'offhook', port: 1 });
    t.dial('2000');
    const first = t.routed[0]!;
    t.calls.length = 0;
    t.emit({ type: 'flash', port: 1 });
    assert.equal(first.holding, true);
    assert.deepEqual(t.calls, [], 'no dial tone');
    t.emit({ type: 'flash', port: 1 });
    assert.equal(first.holding, false);
  });

  test('call waiting: beeps with caller ID instead of busy; flash answers and switches; hang up rings again', () => {
    const t = setup();
    t.emit({ type: 'offhook', port: 1 });
    t.dial('2000');
    const first = t.routed[0]!;
    const answered: string[] = [];
    const leg = t.driver.request('1', { callerId: { number: '2102', name: 'Bob' } }, { onAnswered: (l) => answered.push(l.name) });
    assert.equal(typeof leg, 'object', 'a second call is offered, not refused busy');
    const waiting = leg as DahdiChannel;
    assert.ok(t.calls.includes('cw 1 true 2102 Bob'));
    assert.match(t.driver.ports()[0]!.state, /call waiting/);
    t.emit({ type: 'flash', port: 1 });
    assert.deepEqual(answered, [waiting.name]);
    assert.equal(first.holding, true);
    assert.equal(waiting.media.connected, true);
    t.emit({ type: 'flash', port: 1 });
    assert.equal(first.holding, false);
    assert.equal(waiting.holding, true);
    assert.equal(first.media.connected, true);
    t.calls.length = 0;
    t.emit({ type: 'onhook', port: 1 });
    assert.equal(first.ended, true);
    assert.equal(waiting.ended, false, 'the held call is kept');
    assert.ok(t.calls.some((c) => c.startsWith('ring 1 true')), 'the phone rings again for it');
    t.emit({ type: 'offhook', port: 1 });
    assert.equal(waiting.holding, false);
    assert.equal(waiting.media.connected, true);
  });

  test('the waiting caller gives up: the alert stops; callwaiting = no: busy', () => {
    const t = setup();
    t.emit({ type: 'offhook', port: 1 });
    t.dial('2000');
    const leg = t.driver.request('1', { callerId: { number: '2102' } }, {}) as DahdiChannel;
    leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    assert.equal(t.calls.at(-1), 'cw 1 false');
    const busy = setup({ callWaiting: false });
    busy.emit({ type: 'offhook', port: 1 });
    busy.dial('2000');
    assert.equal(busy.driver.request('1', { callerId: { number: '2102' } }, {}), HANGUP_CAUSES.USER_BUSY);
  });
});
