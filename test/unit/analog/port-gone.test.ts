/**
 * A port that vanishes, at the signalling layer (fake engine events): `sim phone|line N
 * unplug|plug` parse; an FXS or FXO port in any state becomes `gone` on portGone (timers
 * cancelled, nothing driven, nothing offered) and comes back idle and usable on portBack.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimCommand } from '../../../src/analog/sim-command.ts';
import { FxsPort } from '../../../src/analog/fxs-port.ts';
import { FxoPort, type CallerId } from '../../../src/analog/fxo-port.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';

describe('sim unplug/plug commands', () => {
  test('both a phone and a line can be unplugged and plugged back', () => {
    assert.deepEqual(parseSimCommand('phone 1 unplug'), { ok: true, command: { target: 'phone', port: 1, action: 'unplug' } });
    assert.deepEqual(parseSimCommand('line 2 plug'), { ok: true, command: { target: 'line', port: 2, action: 'plug' } });
    assert.match(String((parseSimCommand('phone 1 yank') as { error: string }).error), /unplug\|plug/);
  });
});

describe('FXS port that vanishes', () => {
  function phone() {
    const calls: string[] = [];
    const clock = new FakeClock();
    const hangups: string[] = [];
    const port = new FxsPort({
      port: 1,
      line: { playTone: (p, t) => calls.push(`tone ${p} ${t}`), ring: (p, on) => calls.push(`ring ${p} ${on}`) },
      clock,
      matchMore: (d) => ({ exists: d === '2000', canMatchMore: '2000'.startsWith(d) && d !== '2000' }),
      onDialed: () => calls.push('dialed'),
      onHangup: () => hangups.push('hangup'),
    });
    return { port, calls, clock, hangups };
  }

  test('while dialing: gone at once, no digit timeout fires, nothing it reports counts until it is back', () => {
    const { port, calls, clock } = phone();
    port.handle({ type: 'offhook', port: 1 });
    port.handle({ type: 'digit', port: 1, digit: '2' });
    port.handle({ type: 'portGone', port: 1 });
    assert.equal(port.state, 'gone');
    assert.equal(port.digits, '');
    calls.length = 0;
    clock.advance(60_000);
    port.handle({ type: 'offhook', port: 1 });
    assert.deepEqual(calls, [], 'no congestion after a timeout, no dial tone for a gone port');
    assert.equal(port.ring('5551234'), false, 'a gone phone cannot be rung');
    port.handle({ type: 'portBack', port: 1 });
    assert.equal(port.state, 'idle');
    assert.equal(port.ring('5551234'), true);
    assert.deepEqual(calls, ['ring 1 true']);
  });

  test('during a call: the port is gone (the driver ends the call), back idle afterwards', () => {
    const { port } = phone();
    port.handle({ type: 'offhook', port: 1 });
    for (const d of '2000') port.handle({ type: 'digit', port: 1, digit: d });
    assert.equal(port.state, 'call');
    port.handle({ type: 'portGone', port: 1 });
    assert.equal(port.state, 'gone');
    port.handle({ type: 'portBack', port: 1 });
    port.handle({ type: 'offhook', port: 1 });
    assert.equal(port.state, 'dialtone', 'usable again');
  });
});

describe('FXO port that vanishes', () => {
  function line() {
    const calls: string[] = [];
    const clock = new FakeClock();
    const offers: Array<CallerId | undefined> = [];
    const gone: string[] = [];
    const port = new FxoPort({
      port: 2,
      line: { setHook: (p, off) => calls.push(`hook ${p} ${off}`), dial: (p, d) => calls.push(`dial ${p} ${d}`) },
      clock,
      onIncoming: (c) => offers.push(c),
      onDisconnect: (r) => gone.push(r),
      dialDelayMs: 500,
    });
    return { port, calls, clock, offers, gone };
  }

  test('while dialing out: gone, the pending dial never happens, hangup() drives nothing', () => {
    const { port, calls, clock } = line();
    port.dial('5551212');
    port.handle({ type: 'portGone', port: 2 });
    assert.equal(port.state, 'gone');
    clock.advance(1000);
    port.hangup();
    assert.deepEqual(calls, ['hook 2 true'], 'no dial and no hook change after the line vanished');
    assert.equal(port.dial('5551212'), false);
    port.handle({ type: 'portBack', port: 2 });
    assert.equal(port.state, 'idle');
    assert.equal(port.dial('5551212'), true);
  });

  test('a ringing line that vanishes offers nothing; back, it is offered with its caller ID', () => {
    const { port, offers } = line();
    port.handle({ type: 'ringBegin', port: 2 });
    port.handle({ type: 'portGone', port: 2 });
    port.handle({ type: 'callerid', port: 2, number: '5551234', name: 'JOHN DOE' });
    assert.deepEqual(offers, []);
    port.handle({ type: 'portBack', port: 2 });
    port.handle({ type: 'ringBegin', port: 2 });
    port.handle({ type: 'callerid', port: 2, number: '5551234', name: 'JOHN DOE' });
    assert.deepEqual(offers, [{ number: '5551234', name: 'JOHN DOE' }]);
  });
});
