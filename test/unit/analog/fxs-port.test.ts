/**
 * FXS signalling with a fake engine and a fake clock: dial tone on off-hook, dial-as-you-go
 * matching, the chan_dahdi digit timeouts, congestion for numbers that cannot match, incoming
 * ringing with caller ID, answer, flash and hang-up.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { FxsPort } from '../../../src/analog/fxs-port.ts';
import type { DigitMatch, FxsLine, FxsPortOptions } from '../../../src/analog/fxs-port.ts';
import type { AnalogEvent } from '../../../src/analog/engine.ts';

/** A dialplan with 2000, 2001 and 20001 (so "2000" exists and "2000" can also grow). */
function plan(numbers: string[]): (digits: string) => DigitMatch {
  return (d) => ({ exists: numbers.includes(d), canMatchMore: numbers.some((n) => n.startsWith(d) && n !== d) });
}

function setup(numbers = ['2000', '2001', '20001', '9'], extra: Partial<FxsPortOptions> = {}) {
  const clock = new FakeClock();
  const calls: string[] = [];
  const line: FxsLine = {
    playTone: (port, tone) => calls.push(`tone ${port} ${tone ?? 'off'}`),
    ring: (port, on, num, name) => calls.push(`ring ${port} ${on ? 'on' : 'off'}${on ? ` ${num} ${name}` : ''}`),
  };
  const dialed: string[] = [];
  const port = new FxsPort({ port: 1, line, clock, matchMore: plan(numbers), onDialed: (n) => dialed.push(n), ...extra });
  const send = (...evs: AnalogEvent[]): void => evs.forEach((e) => port.handle(e));
  const dial = (digits: string): void => [...digits].forEach((d) => port.handle({ type: 'digit', port: 1, digit: d }));
  return { clock, calls, dialed, port, send, dial };
}

describe('FXS port signalling', () => {
  test('off hook plays dial tone; the first digit stops it', () => {
    const { calls, port, send, dial } = setup();
    send({ type: 'offhook', port: 1 });
    assert.equal(port.state, 'dialtone');
    assert.deepEqual(calls, ['tone 1 dial']);
    dial('2');
    assert.deepEqual(calls, ['tone 1 dial', 'tone 1 off']);
    assert.equal(port.state, 'collecting');
  });

  test('a number that exists and cannot grow is dialed at once (dial-as-you-go)', () => {
    const { dialed, port, send, dial } = setup();
    send({ type: 'offhook', port: 1 });
    dial('2001');
    assert.deepEqual(dialed, ['2001']);
    assert.equal(port.state, 'call');
  });

  test('a number that exists but could grow waits matchdigittimeout (3 s), then dials', () => {
    const { clock, dialed, send, dial } = setup();
    send({ type: 'offhook', port: 1 });
    dial('2000');
    clock.advance(2999);
    assert.deepEqual(dialed, []);
    clock.advance(1);
    assert.deepEqual(dialed, ['2000']);
  });

  test('another digit within the timeout extends the number', () => {
    const { clock, dialed, send, dial } = setup();
    send({ type: 'offhook', port: 1 });
    dial('2000');
    clock.advance(2000);
    dial('1');
    assert.deepEqual(dialed, ['20001']);
    clock.advance(10_000);
    assert.deepEqual(dialed, ['20001']);
  });

  test('a prefix that does not exist waits gendigittimeout (8 s), then gets congestion', () => {
    const { clock, calls, dialed, port, send, dial } = setup();
    send({ type: 'offhook', port: 1 });
    dial('20');
    clock.advance(7999);
    assert.equal(port.state, 'collecting');
    clock.advance(1);
    assert.equal(port.state, 'invalid');
    assert.equal(calls.at(-1), 'tone 1 congestion');
    assert.deepEqual(dialed, []);
  });

  test('a digit that can never match gets congestion at once; no digit for 16 s likewise', () => {
    const a = setup();
    a.send({ type: 'offhook', port: 1 });
    a.dial('5');
    assert.equal(a.port.state, 'invalid');
    assert.equal(a.calls.at(-1), 'tone 1 congestion');
    const b = setup();
    b.send({ type: 'offhook', port: 1 });
    b.clock.advance(15_999);
    assert.equal(b.port.state, 'dialtone');
    b.clock.advance(1);
    assert.equal(b.port.state, 'invalid');
  });

  test('configured timeouts replace the defaults', () => {
    const { clock, dialed, send, dial } = setup(undefined, { timeouts: { matchDigitMs: 500 } });
    send({ type: 'offhook', port: 1 });
    dial('2000');
    clock.advance(500);
    assert.deepEqual(dialed, ['2000']);
  });

  test('hanging up while dialing cancels the timers and resets; digits on hook are ignored', () => {
    const { clock, dialed, port, send, dial } = setup();
    send({ type: 'offhook', port: 1 });
    dial('20');
    send({ type: 'onhook', port: 1 });
    assert.equal(port.state, 'idle');
    assert.equal(clock.pending(), 0);
    dial('2001');
    assert.deepEqual(dialed, []);
  });

  test('incoming: rings with caller ID, answer on off-hook, flash and hang-up reach the call', () => {
    const seen: string[] = [];
    const { calls, port, send } = setup(undefined, {
      onAnswer: () => seen.push('answer'),
      onFlash: () => seen.push('flash'),
      onHangup: () => seen.push('hangup'),
    });
    assert.equal(port.ring('5551234', 'JOHN DOE'), true);
    assert.equal(port.state, 'ringing');
    assert.deepEqual(calls, ['ring 1 on 5551234 JOHN DOE']);
    assert.equal(port.ring('1', 'x'), false, 'a ringing port cannot take a second call');
    send({ type: 'offhook', port: 1 }, { type: 'flash', port: 1 }, { type: 'onhook', port: 1 });
    assert.deepEqual(seen, ['answer', 'flash', 'hangup']);
    assert.equal(port.state, 'idle');
  });

  test('the caller giving up stops the ringing; events of other ports are ignored', () => {
    const { calls, port, send } = setup();
    port.ring();
    send({ type: 'offhook', port: 2 });
    assert.equal(port.state, 'ringing');
    port.stopRinging();
    assert.equal(port.state, 'idle');
    assert.equal(calls.at(-1), 'ring 1 off');
  });
  test('redial after a flash: dial tone and digits again in a call; resume returns to the call', () => {
    const hung: string[] = [];
    const { calls, dialed, port, send, dial } = setup(undefined, { onHangup: () => hung.push('hangup') });
    send({ type: 'offhook', port: 1 });
    dial('2001');
    calls.length = 0;
    port.redial();
    assert.equal(port.state, 'dialtone');
    assert.deepEqual(calls, ['tone 1 dial']);
    dial('2000');
    dial('1');
    assert.deepEqual(dialed, ['2001', '20001'], 'the third party is dialed as a new number');
    assert.equal(port.state, 'call');
    port.redial();
    dial('2');
    port.resume();
    assert.equal(port.state, 'call');
    assert.equal(calls.at(-1), 'tone 1 off');
    port.redial();
    send({ type: 'onhook', port: 1 });
    assert.deepEqual(hung, ['hangup'], 'hanging up while dialing a third party is reported (a held call is left)');
    assert.equal(port.state, 'idle');
  });
});
