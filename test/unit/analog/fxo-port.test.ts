/**
 * FXO signalling with a fake engine and a fake clock: incoming calls offered with caller ID
 * (before the ring for ETSI, after the first ring for Bell 202, on the second ring without one),
 * answer, abandoned calls, seize-and-dial, and the far end hanging up by loop drop, polarity
 * reversal or busy tone.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { FxoPort } from '../../../src/analog/fxo-port.ts';
import type { CallerId, FxoDisconnect, FxoPortOptions } from '../../../src/analog/fxo-port.ts';
import type { AnalogEvent } from '../../../src/analog/engine.ts';

function setup(extra: Partial<FxoPortOptions> = {}) {
  const clock = new FakeClock();
  const calls: string[] = [];
  const offers: Array<CallerId | undefined> = [];
  const gone: FxoDisconnect[] = [];
  const port = new FxoPort({
    port: 1,
    clock,
    line: { setHook: (p, on) => calls.push(`hook ${p} ${on ? 'off' : 'on'}`), dial: (p, d) => calls.push(`dial ${p} ${d}`) },
    onIncoming: (cid) => offers.push(cid),
    onDisconnect: (r) => gone.push(r),
    ...extra,
  });
  const send = (...evs: AnalogEvent[]): void => evs.forEach((e) => port.handle(e));
  return { clock, calls, offers, gone, port, send };
}

const RING_BEGIN: AnalogEvent = { type: 'ringBegin', port: 1 };
const RING_END: AnalogEvent = { type: 'ringEnd', port: 1 };
const CID: AnalogEvent = { type: 'callerid', port: 1, number: '5551234', name: 'JOHN DOE' };

describe('FXO port signalling', () => {
  test('ETSI: caller ID before the first ring, offered on that ring', () => {
    const { offers, port, send } = setup();
    send(CID);
    assert.deepEqual(offers, []);
    send(RING_BEGIN);
    assert.deepEqual(offers, [{ number: '5551234', name: 'JOHN DOE' }]);
    assert.equal(port.state, 'offered');
  });

  test('Bell 202: caller ID after the first ring, offered when it arrives, once', () => {
    const { offers, send } = setup();
    send(RING_BEGIN, RING_END);
    assert.deepEqual(offers, []);
    send(CID, RING_BEGIN, RING_END, RING_BEGIN);
    assert.deepEqual(offers, [{ number: '5551234', name: 'JOHN DOE' }]);
  });

  test('no caller ID: offered on the second ring', () => {
    const { offers, send } = setup();
    send(RING_BEGIN, RING_END);
    assert.deepEqual(offers, []);
    send(RING_BEGIN);
    assert.deepEqual(offers, [undefined]);
  });

  test('answer takes the line off hook; the exchange dropping the loop ends the call', () => {
    const { calls, gone, port, send } = setup();
    send(CID, RING_BEGIN);
    assert.equal(port.answer(), true);
    assert.deepEqual(calls, ['hook 1 off']);
    send({ type: 'disconnect', port: 1 });
    assert.deepEqual(gone, ['loop']);
    assert.deepEqual(calls, ['hook 1 off', 'hook 1 on']);
    assert.equal(port.state, 'idle');
  });

  test('rings that stop before the answer: the offered call is abandoned after the ring timeout', () => {
    const { clock, gone, port, send } = setup();
    send(CID, RING_BEGIN, RING_END);
    clock.advance(7999);
    assert.equal(port.state, 'offered');
    clock.advance(1);
    assert.deepEqual(gone, ['abandoned']);
    assert.equal(port.state, 'idle');
    assert.equal(port.callerId, undefined);
  });

  test('dialing out: seize, wait for dial tone, dial natively, connected on dialComplete', () => {
    const done: string[] = [];
    const { clock, calls, port, send } = setup({ onDialComplete: () => done.push('done') });
    assert.equal(port.dial('5551212'), true);
    assert.deepEqual(calls, ['hook 1 off']);
    clock.advance(999);
    assert.equal(port.state, 'seized');
    clock.advance(1);
    assert.deepEqual(calls, ['hook 1 off', 'dial 1 5551212']);
    send({ type: 'dialComplete', port: 1 });
    assert.equal(port.state, 'connected');
    assert.deepEqual(done, ['done']);
    assert.equal(port.dial('1'), false, 'a busy line cannot dial again');
  });

  test('busy tone ends the call unless busy detection is off; polarity only when configured', () => {
    const a = setup();
    a.port.dial('1');
    a.send({ type: 'busy', port: 1, tone: 'busy' });
    assert.deepEqual(a.gone, ['busy']);
    const b = setup({ busyDetect: false, hangupOnPolarity: true });
    b.port.dial('1');
    b.send({ type: 'busy', port: 1, tone: 'congestion' });
    assert.deepEqual(b.gone, []);
    b.send({ type: 'polarity', port: 1 });
    assert.deepEqual(b.gone, ['polarity']);
    const c = setup();
    c.port.dial('1');
    c.send({ type: 'polarity', port: 1 });
    assert.deepEqual(c.gone, [], 'a reversal alone does not hang up by default');
  });

  test('our hang-up releases the line and clears pending timers', () => {
    const { clock, calls, port } = setup();
    port.dial('1');
    port.hangup();
    assert.deepEqual(calls, ['hook 1 off', 'hook 1 on']);
    assert.equal(clock.pending(), 0);
    assert.equal(port.state, 'idle');
  });
});
