/**
 * AnalogEngine against a fake binding: the country's settings reach the native engine, events
 * reach listeners typed, and an addon without a line engine is reported, not crashed on.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalogEngine, lineBindingOf } from '../../../src/analog/engine.ts';
import type { NativeLineEngine, NativeLineEngineOptions, NativeLineEvent } from '../../../src/platform/native.ts';

function fake() {
  const created: NativeLineEngineOptions[] = [];
  const calls: string[] = [];
  let emit: ((ev: NativeLineEvent) => void) | undefined;
  const engine: NativeLineEngine = {
    start: (cb) => {
      emit = cb;
      calls.push('start');
    },
    stop: () => {
      emit = undefined;
      calls.push('stop');
    },
    readAudio: () => 0,
    writeAudio: (_p, s) => s.length,
    ring: (p, on, n, name) => calls.push(`ring ${p} ${on} ${n} ${name}`),
    setHook: (p, on) => calls.push(`hook ${p} ${on}`),
    dial: (p, d) => calls.push(`dial ${p} ${d}`),
    playTone: (p, t) => calls.push(`tone ${p} ${t}`),
    sim: (c) => calls.push(`sim ${JSON.stringify(c)}`),
    simShow: () => [],
    stats: () => ({ running: true, ports: 1, blocks: 0, overruns: 0, events: 0, eventsDropped: 0, eventsCoalesced: 0, eventBacklogMax: 0, portsGone: 0, commands: 0, rxDroppedSamples: 0, txUnderruns: 0, cpuMs: 0, simRejected: 0, lastSimError: '' }),
  };
  const binding = {
    createLineEngine: (o: NativeLineEngineOptions) => {
      created.push(o);
      return engine;
    },
  };
  return { binding, created, calls, emit: (ev: NativeLineEvent) => emit?.(ev) };
}

describe('AnalogEngine', () => {
  test('creates the sim engine with the country tones, cadence and caller-ID standard', () => {
    const f = fake();
    new AnalogEngine(f.binding, { ports: ['fxs', 'fxo'], country: 'uk', periodMs: 5 });
    const o = f.created[0]!;
    assert.equal(o.backend, 'sim');
    assert.deepEqual(o.ports, ['fxs', 'fxo']);
    assert.equal(o.cidStandard, 'v23');
    assert.deepEqual(o.ringCadenceMs, [400, 200, 400, 2000]);
    assert.deepEqual(o.tones?.find((t) => t.name === 'busy')?.parts, [{ f1: 400, f2: 0, ms: 375 }, { f1: 0, f2: 0, ms: 375 }]);
    assert.equal(o.periodMs, 5);
    assert.equal('eventQueueSize' in o, false);
  });

  test('events reach every listener until it unsubscribes; control calls pass through', () => {
    const f = fake();
    const e = new AnalogEngine(f.binding, { ports: ['fxs'], country: 'us' });
    const a: string[] = [];
    const b: string[] = [];
    e.onEvent((ev) => a.push(ev.type));
    const off = e.onEvent((ev) => b.push(ev.type));
    e.start();
    e.start();
    f.emit({ type: 'offhook', port: 1 });
    off();
    f.emit({ type: 'digit', port: 1, digit: '5' });
    assert.deepEqual(a, ['offhook', 'digit']);
    assert.deepEqual(b, ['offhook']);
    e.ring(1, true, '5551234', 'JOHN DOE');
    e.playTone(1, 'dial');
    e.stop();
    assert.deepEqual(f.calls, ['start', 'ring 1 true 5551234 JOHN DOE', 'tone 1 dial', 'stop']);
    assert.equal(e.running, false);
  });

  test('an addon without a line engine is reported with the fix', () => {
    assert.match(String(lineBindingOf({})), /no line engine.*build-native/);
    assert.equal(typeof lineBindingOf(fake().binding), 'object');
  });
});
