/**
 * The console side of the analog ports: `sim ...` command parsing, `sim show` and
 * `dahdi show channels` tables, and the per-country line settings handed to the engine.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimCommand } from '../../../src/analog/sim-command.ts';
import { formatDahdiChannels, formatSimShow } from '../../../src/analog/format.ts';
import { analogCountry } from '../../../src/analog/country.ts';

describe('sim command parsing', () => {
  test('phone and line commands, with a quoted caller name', () => {
    assert.deepEqual(parseSimCommand('phone 1 dial 2000'), { ok: true, command: { target: 'phone', port: 1, action: 'dial', digits: '2000' } });
    assert.deepEqual(parseSimCommand('phone 2 offhook'), { ok: true, command: { target: 'phone', port: 2, action: 'offhook' } });
    assert.deepEqual(parseSimCommand('line 1 ring 5551234 "JOHN DOE"'), {
      ok: true,
      command: { target: 'line', port: 1, action: 'ring', number: '5551234', name: 'JOHN DOE' },
    });
    assert.deepEqual(parseSimCommand('line 1 ring'), { ok: true, command: { target: 'line', port: 1, action: 'ring', number: '', name: '' } });
    assert.deepEqual(parseSimCommand('line 3 busy'), { ok: true, command: { target: 'line', port: 3, action: 'busy' } });
    assert.deepEqual(parseSimCommand('line 1 ring withheld'), { ok: true, command: { target: 'line', port: 1, action: 'ring', absence: 'withheld' } });
    assert.deepEqual(parseSimCommand('line 2 ring unavailable'), { ok: true, command: { target: 'line', port: 2, action: 'ring', absence: 'unavailable' } });
    assert.deepEqual(parseSimCommand('phone 1 tone 1004'), { ok: true, command: { target: 'phone', port: 1, action: 'tone', hz: 1004 } });
    assert.deepEqual(parseSimCommand('phone 1 tone off'), { ok: true, command: { target: 'phone', port: 1, action: 'tone', hz: 0 } });
  });

  test('mistakes are messages for the user, not exceptions', () => {
    assert.match(String((parseSimCommand('phone x dial 1') as { error: string }).error), /not a port number/);
    assert.match(String((parseSimCommand('phone 1 dial 12z') as { error: string }).error), /digits/);
    assert.match(String((parseSimCommand('modem 1 dial 1') as { error: string }).error), /^Usage: sim phone/);
    assert.match(String((parseSimCommand('line 1 ring abc') as { error: string }).error), /caller number/);
    assert.match(String((parseSimCommand('phone 1 tone 50') as { error: string }).error), /200 to 3400 Hz/);
    assert.match(String((parseSimCommand('line 1 ring 1 "A NAME LONGER THAN 15"') as { error: string }).error), /15 characters/);
  });
});

describe('console tables', () => {
  test('sim show says what each phone hears and what each line received', () => {
    const out = formatSimShow([
      { port: 1, kind: 'fxs', state: 'offhook', hears: 'dial', digits: '', callerNumber: '', callerName: '' },
      { port: 2, kind: 'fxs', state: 'onhook', hears: 'nothing', digits: '', callerNumber: '5551234', callerName: 'JOHN DOE' },
      { port: 3, kind: 'fxo', state: 'offhook', hears: 'silence', digits: '5551212', callerNumber: '', callerName: '' },
    ]);
    const lines = out.split('\n');
    assert.match(lines[1]!, /^1\s+phone\s+offhook\s+dial tone\s+-$/);
    assert.match(lines[2]!, /CID 5551234 "JOHN DOE"/);
    assert.match(lines[3]!, /^3\s+line\s+offhook\s+-\s+PBX dialed 5551212$/);
    assert.equal(lines.at(-1), '3 sim ports');
  });

  test('dahdi show channels lists the pseudo channel then each port', () => {
    const out = formatDahdiChannels([
      { channel: 1, extension: '2001', context: 'phones', language: 'en', mohInterpret: 'default', blocked: false, state: 'In Service' },
    ]).split('\n');
    assert.match(out[0]!, /^\s+Chan Extension\s+Context\s+Language\s+MOH Interpret\s+Blocked\s+State$/);
    assert.match(out[1]!, /^\s+pseudo\s+default\s+default\s+In Service$/);
    assert.match(out[2]!, /^\s+1 2001\s+phones\s+en\s+default\s+In Service$/);
  });
});

describe('country line settings', () => {
  test('caller-ID standard, cadence and tones follow the country; an override wins', () => {
    const us = analogCountry('US');
    assert.equal(us.cidStandard, 'bell202');
    assert.deepEqual(us.ringCadenceMs, [2000, 4000]);
    assert.deepEqual(us.tones.find((t) => t.name === 'dial')?.parts, [{ f1: 350, f2: 440, ms: 0 }]);
    assert.deepEqual(us.tones.find((t) => t.name === 'busy')?.parts, [{ f1: 480, f2: 620, ms: 500 }, { f1: 0, f2: 0, ms: 500 }]);
    assert.equal(analogCountry('uk').cidStandard, 'v23');
    assert.deepEqual(analogCountry('uk').ringCadenceMs, [400, 200, 400, 2000]);
    assert.equal(analogCountry('dk').cidStandard, 'dtmf');
    assert.equal(analogCountry('us', 'dtmf').cidStandard, 'dtmf');
    assert.deepEqual(analogCountry('zz').tones, us.tones, 'unknown countries get the us tones, as Asterisk does');
  });
});
