/**
 * The native line engine with the sim backend, through the real addon and the AnalogEngine
 * wrapper: DTMF from a sim phone detected from real audio, caller ID in three standards decoded
 * from real FSK/DTMF audio (a number and name, or a withheld/unavailable caller's reason for
 * absence), tones a sim phone hears, digits a sim line decodes, busy detection,
 * clean thread shutdown, and an event storm that coalesces (counted) instead of blocking.
 * The sim runs faster than real time (periodMs) where the test only needs the audio to be right;
 * waits are bounded by generous limits and never assert durations.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { lineBinding, sleep, until, withEngine } from './binding.ts';
import { AnalogEngine } from '../../../src/analog/engine.ts';
import { ToneGenerator } from '../../../src/media/tones.ts';
import { loadNativeBinding } from '../../../src/platform/native.ts';
import { FxsPort } from '../../../src/analog/fxs-port.ts';
import { FxoPort } from '../../../src/analog/fxo-port.ts';
import type { CallerId, FxoDisconnect } from '../../../src/analog/fxo-port.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';




function lineThreads(): number {
  let n = 0;
  for (const task of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === 'pbx-line') n++;
    } catch {
      // the thread ended while we listed it
    }
  }
  return n;
}


function toneAudio(country: string, tone: 'dial' | 'busy' | 'ringback', ms: number): Int16Array {
  return ToneGenerator.forCountry(country, tone).next(new Int16Array((ms * 8000) / 1000));
}

describe('line engine (sim backend)', () => {
  test('a sim phone dialing 2000 reaches JS as digit events 2,0,0,0 detected from its DTMF audio', async () => {
    await withEngine({ ports: ['fxs'], country: 'us', periodMs: 2 }, async (e, events) => {
      e.sim({ target: 'phone', port: 1, action: 'offhook' });
      e.sim({ target: 'phone', port: 1, action: 'dial', digits: '2000' });
      const digits = (): string => events.flatMap((ev) => (ev.type === 'digit' ? [ev.digit] : [])).join('');
      await until(() => digits().length >= 4);
      assert.equal(events[0]?.type, 'offhook');
      assert.equal(digits(), '2000');
      // The PBX also receives the DTMF audio itself, in batches.
      const audio = new Int16Array(8000);
      assert.ok(e.readAudio(1, audio) > 0);
      assert.ok(audio.some((s) => Math.abs(s) > 1000), 'the DTMF audio reached the rx ring');
    });
  });

  for (const [country, standard, name] of [
    ['us', 'Bell 202 after the first ring', 'JOHN DOE'],
    ['uk', 'V.23 before the first ring', 'JOHN DOE'],
    ['dk', 'DTMF CLIP before the first ring (carries no name)', ''],
  ] as const) {
    test(`a sim line ringing with caller ID 5551234 "JOHN DOE" in ${country} (${standard}) is decoded exactly`, async () => {
      await withEngine({ ports: ['fxo'], country, periodMs: 2 }, async (e, events) => {
        e.sim({ target: 'line', port: 1, action: 'ring', number: '5551234', name: 'JOHN DOE' });
        await until(() => events.some((ev) => ev.type === 'callerid'));
        const cid = events.filter((ev) => ev.type === 'callerid');
        assert.deepEqual(cid, [{ type: 'callerid', port: 1, number: '5551234', name }]);
        const firstRing = events.findIndex((ev) => ev.type === 'ringBegin');
        const cidAt = events.findIndex((ev) => ev.type === 'callerid');
        if (country === 'us') assert.ok(firstRing >= 0 && firstRing < cidAt, 'Bell 202 comes after the first ring');
        else assert.ok(firstRing === -1 || cidAt < firstRing, 'ETSI caller ID comes before the first ring');
        if (country === 'uk') assert.equal(events[0]?.type, 'polarity', 'V.23 starts with a line reversal');
      });
    });
  }

  for (const [country, standard] of [
    ['us', "Bell 202 MDMF parameters 0x04/0x08 'P' / 'O'"],
    ['uk', "V.23 MDMF parameters 0x04/0x08 'P' / 'O'"],
    ['dk', 'DTMF CLIP \'B\' "10" / "00"'],
  ] as const) {
    for (const absence of ['withheld', 'unavailable'] as const) {
      test(`a sim line ringing with a ${absence} caller in ${country} (${standard}) decodes as ${absence}, no number`, async () => {
        await withEngine({ ports: ['fxo'], country, periodMs: 2 }, async (e, events) => {
          e.sim({ target: 'line', port: 1, action: 'ring', absence });
          await until(() => events.some((ev) => ev.type === 'callerid'));
          assert.deepEqual(events.filter((ev) => ev.type === 'callerid'), [{ type: 'callerid', port: 1, number: '', name: '', absence }]);
        });
      });
    }
  }

  test('PBX dial tone written to an FXS port: `sim show` says the phone hears dial tone', async () => {
    await withEngine({ ports: ['fxs', 'fxs'], country: 'us' }, async (e) => {
      e.sim({ target: 'phone', port: 1, action: 'offhook' });
      e.sim({ target: 'phone', port: 2, action: 'offhook' });
      assert.equal(e.writeAudio(1, toneAudio('us', 'dial', 2000)), 16000);
      await until(() => e.simShow()[0]?.hears === 'dial');
      const [one, two] = e.simShow();
      assert.equal(one?.hears, 'dial');
      assert.equal(one?.state, 'offhook');
      assert.equal(two?.hears, 'silence', 'the other phone hears nothing');
    });
  });

  test('busy tone written to an FXS port is heard as busy (frequencies and cadence)', async () => {
    await withEngine({ ports: ['fxs'], country: 'uk', periodMs: 2 }, async (e) => {
      e.sim({ target: 'phone', port: 1, action: 'offhook' });
      e.writeAudio(1, toneAudio('uk', 'busy', 3000));
      await until(() => e.simShow()[0]?.hears === 'busy');
      assert.equal(e.simShow()[0]?.hears, 'busy');
    });
  });

  test('the PBX seizes an FXO line and dials: the sim line decodes exactly those digits; busy is detected', async () => {
    await withEngine({ ports: ['fxo'], country: 'us', periodMs: 2 }, async (e, events) => {
      e.setHook(1, true);
      await until(() => e.simShow()[0]?.hears === 'dial');
      assert.equal(e.simShow()[0]?.state, 'offhook');
      e.dial(1, '5551212');
      await until(() => events.some((ev) => ev.type === 'dialComplete'));
      await until(() => e.simShow()[0]?.digits === '5551212');
      assert.equal(e.simShow()[0]?.digits, '5551212');
      e.sim({ target: 'line', port: 1, action: 'busy' });
      await until(() => events.some((ev) => ev.type === 'busy'));
      assert.deepEqual(events.filter((ev) => ev.type === 'busy'), [{ type: 'busy', port: 1, tone: 'busy' }]);
      e.sim({ target: 'line', port: 1, action: 'hangup' });
      await until(() => events.some((ev) => ev.type === 'disconnect'));
      assert.equal(events.at(-1)?.type, 'disconnect');
    });
  });

  test('FXS signalling end to end: off hook -> the phone hears dial tone -> dials 2000 -> onDialed("2000")', async () => {
    await withEngine({ ports: ['fxs'], country: 'de', periodMs: 5 }, async (e) => {
      const dialed: string[] = [];
      const port = new FxsPort({
        port: 1,
        line: e,
        clock: new FakeClock(),
        matchMore: (d) => ({ exists: d === '2000', canMatchMore: '2000'.startsWith(d) && d !== '2000' }),
        onDialed: (n) => dialed.push(n),
      });
      e.onEvent((ev) => port.handle(ev));
      e.sim({ target: 'phone', port: 1, action: 'offhook' });
      // German dial tone is a plain 425 Hz: named once it has lasted longer than any cadence part.
      await until(() => e.simShow()[0]?.hears === 'dial');
      assert.equal(e.simShow()[0]?.hears, 'dial');
      e.sim({ target: 'phone', port: 1, action: 'dial', digits: '2000' });
      await until(() => dialed.length > 0);
      assert.deepEqual(dialed, ['2000']);
      assert.equal(port.state, 'call');
      await until(() => e.simShow()[0]?.hears === 'silence');
      assert.equal(e.simShow()[0]?.hears, 'silence', 'dial tone stopped at the first digit');
    });
  });

  for (const [country, absence] of [['us', 'withheld'], ['uk', 'unavailable'], ['dk', 'withheld']] as const) {
    test(`ringing a phone in ${country} for a ${absence} caller: its display says ${absence}, no number`, async () => {
      await withEngine({ ports: ['fxs'], country, periodMs: 2 }, async (e) => {
        e.ring(1, true, '', '', absence);
        await until(() => (e.simShow()[0]?.callerAbsence ?? '') !== '');
        const shown = e.simShow()[0];
        assert.equal(shown?.callerAbsence, absence);
        assert.equal(shown?.callerNumber, '');
      });
    });
  }

  test('ringing a phone on an FXS port: it shows the caller ID, and answering stops the cadence natively', async () => {
    await withEngine({ ports: ['fxs'], country: 'us', periodMs: 2 }, async (e) => {
      e.ring(1, true, '5551234', 'JOHN DOE');
      await until(() => e.simShow()[0]?.callerName !== '');
      const shown = e.simShow()[0];
      assert.equal(shown?.callerNumber, '5551234');
      assert.equal(shown?.callerName, 'JOHN DOE');
    });
    // A fast cadence (100/100 ms) so several ring cycles pass after the answer.
    const native = lineBinding().createLineEngine({ backend: 'sim', ports: ['fxs'], ringCadenceMs: [100, 100], periodMs: 2 });
    native.start(() => {});
    try {
      native.ring(1, true);
      await until(() => native.simShow()[0]?.state === 'ringing');
      native.sim({ target: 'phone', port: 1, action: 'offhook' });
      native.sim({ target: 'phone', port: 1, action: 'onhook' });
      const blocks = native.stats().blocks;
      await until(() => native.stats().blocks > blocks + 50); // five ring cycles
      assert.equal(native.simShow()[0]?.state, 'onhook', 'no ringing after the phone answered');
    } finally {
      native.stop();
    }
  });

  test('FXO signalling end to end: a ringing sim line is offered with its caller ID, answered, then hangs up', async () => {
    await withEngine({ ports: ['fxo'], country: 'us', periodMs: 2 }, async (e) => {
      const offers: Array<CallerId | undefined> = [];
      const gone: FxoDisconnect[] = [];
      const port = new FxoPort({ port: 1, line: e, clock: new FakeClock(), onIncoming: (c) => offers.push(c), onDisconnect: (r) => gone.push(r) });
      e.onEvent((ev) => port.handle(ev));
      e.sim({ target: 'line', port: 1, action: 'ring', number: '5551234', name: 'JOHN DOE' });
      await until(() => offers.length > 0);
      assert.deepEqual(offers, [{ number: '5551234', name: 'JOHN DOE' }]);
      port.answer();
      await until(() => e.simShow()[0]?.state === 'offhook');
      assert.equal(e.simShow()[0]?.state, 'offhook', 'the sim exchange sees the answer and stops ringing');
      e.sim({ target: 'line', port: 1, action: 'hangup' });
      await until(() => gone.length > 0);
      assert.deepEqual(gone, ['loop']);
      await until(() => e.simShow()[0]?.state === 'idle');
      assert.equal(e.simShow()[0]?.state, 'idle', 'the PBX released the line');
    });
  });

  test('FXO dial-out end to end: seize, dial 5551212 natively, the sim line decodes it; busy tone hangs up', async () => {
    await withEngine({ ports: ['fxo'], country: 'uk', periodMs: 2 }, async (e) => {
      const clock = new FakeClock();
      const gone: FxoDisconnect[] = [];
      const done: string[] = [];
      const port = new FxoPort({
        port: 1,
        line: e,
        clock,
        onIncoming: () => {},
        onDisconnect: (r) => gone.push(r),
        onDialComplete: () => done.push('dialed'),
      });
      e.onEvent((ev) => port.handle(ev));
      port.dial('5551212');
      await until(() => e.simShow()[0]?.hears === 'dial');
      clock.advance(1000);
      await until(() => done.length > 0);
      await until(() => e.simShow()[0]?.digits === '5551212');
      assert.equal(e.simShow()[0]?.digits, '5551212');
      e.sim({ target: 'line', port: 1, action: 'busy' });
      await until(() => gone.length > 0);
      assert.deepEqual(gone, ['busy']);
    });
  });

  test('start, stop and restart leave no engine thread behind', async () => {
    const engine = new AnalogEngine(lineBinding(), { ports: ['fxs'], country: 'us' });
    for (let i = 0; i < 3; i++) {
      engine.start();
      assert.equal(lineThreads(), 1);
      engine.stop();
      await until(() => lineThreads() === 0, 2000);
      assert.equal(lineThreads(), 0);
    }
    assert.equal(engine.stats().running, false);
  });

  test('a process that started and stopped engines exits on its own', () => {
    const r = loadNativeBinding();
    assert.ok(r.ok);
    const script = `
      const b = require(${JSON.stringify(r.path)});
      const e = b.createLineEngine({ backend: 'sim', ports: ['fxs', 'fxo'] });
      e.start(() => {}); e.stop(); e.start(() => {}); e.stop(); e.start(() => {});
      setTimeout(() => { e.stop(); console.log('stopped'); }, 50);`;
    const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout.trim(), 'stopped');
  });

  test('an event storm of 1,000 hook flips coalesces (counted) instead of blocking the engine', async () => {
    await withEngine({ ports: ['fxs'], country: 'us', eventQueueSize: 16 }, async (e, events) => {
      for (let i = 0; i < 1000; i++) e.sim({ target: 'phone', port: 1, action: i % 2 === 0 ? 'offhook' : 'onhook' });
      // JS stays busy (no event can be delivered) while the engine thread works through all
      // 1,000 flips: it never waits for JS, so it finishes and counts what did not fit.
      const end = performance.now() + 10_000;
      while (e.stats().commands < 1000 && performance.now() < end) {
        // spin: the JS thread must not yield here
      }
      const s = e.stats();
      assert.equal(s.commands, 1000);
      assert.equal(s.events, 1000);
      await until(() => events.length >= 2);
      await sleep(50);
      // The flips JS never saw collapse to the transitions it has not seen: off, then on again.
      assert.deepEqual(events.map((ev) => ev.type), ['offhook', 'onhook']);
      assert.equal(e.stats().eventsCoalesced, 998);
      assert.equal(e.stats().eventsDropped, 0, 'nothing lost');
    });
  });

  test('bad arguments are JS errors, never crashes', () => {
    const b = lineBinding();
    assert.throws(() => b.createLineEngine({ backend: 'zap' as 'sim', ports: ['fxs'] }), /backend must be 'sim' or 'dahdi'/);
    assert.throws(() => b.createLineEngine({ backend: 'sim', ports: [] }), RangeError);
    assert.throws(() => b.createLineEngine({ backend: 'sim', ports: ['fxx' as 'fxs'] }), TypeError);
    const e = b.createLineEngine({ backend: 'sim', ports: ['fxs', 'fxo'] });
    assert.throws(() => e.sim({ target: 'line', port: 1, action: 'busy' }), /FXS port/);
    assert.throws(() => e.sim({ target: 'phone', port: 3, action: 'offhook' }), RangeError);
    assert.throws(() => e.sim({ target: 'phone', port: 1, action: 'dial', digits: '12x' }), RangeError);
    assert.throws(() => e.readAudio(1, new Float32Array(4) as unknown as Int16Array), TypeError);
    assert.throws(() => e.ring(2, true), /not an FXS port/);
    assert.throws(() => e.setHook(1, true), /not an FXO port/);
    assert.throws(() => e.dial(2, 'abc!'), TypeError);
  });

  test('a sim command that does not fit the port state is refused and reported by stats()', async () => {
    await withEngine({ ports: ['fxs'], country: 'us', periodMs: 2 }, async (e, events) => {
      e.sim({ target: 'phone', port: 1, action: 'dial', digits: '123' });
      await until(() => e.stats().commands >= 1);
      assert.equal(e.stats().simRejected, 1);
      assert.equal(e.stats().lastSimError, 'phone 1 is on hook');
      assert.deepEqual(events, []);
    });
  });
});
