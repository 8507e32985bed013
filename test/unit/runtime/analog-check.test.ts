/**
 * `pbx check` and analog ports: a Dial(DAHDI/N) / DAHDI/gN / Zap/ naming a port or group that no
 * analog configuration defines fails at its extensions.conf line; with the dahdi backend every
 * configured channel must be in /proc/dahdi with the matching signalling (injected here), and a
 * box without /proc/dahdi gets a warning that it could not be verified.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkAll } from '../../../src/runtime/check.ts';
import { dahdiTargets, parseDahdiProc } from '../../../src/runtime/analog-check.ts';
import type { DahdiProcFile } from '../../../src/platform/dahdi-proc.ts';

const SYSTEM = '[system]\nsip = 127.0.0.1:5060\ncontrol = /tmp/pbx-check-analog.sock\ndata = /tmp/pbx-check-analog\n';

function check(files: Record<string, string>, proc?: DahdiProcFile[]) {
  return checkAll({ files: { 'pbx.conf': SYSTEM, ...files } }, { readDahdiProc: () => proc });
}

const SPANS: DahdiProcFile[] = [
  {
    path: '/proc/dahdi/1',
    text: 'Span 1: WCTDM/0 "Wildcard TDM410P Board 1" (MASTER)\n\n           1 WCTDM/0/0 FXOKS (In use)\n           2 WCTDM/0/1 FXOKS\n           3 WCTDM/0/2 FXSKS\n           4 WCTDM/0/3\n',
  },
];

describe('pbx check: dialplan references to analog ports', () => {
  test('Dial(DAHDI/7) and Dial(Zap/g3/...) with no such port or group fail at their line with the ports there are', () => {
    const r = check({
      'pbx.conf': `${SYSTEM}[analog]\nbackend = sim\nfxs = 1-2\nfxo = 3\ngroup = 1\n`,
      'extensions.conf': '[default]\nexten => 100,1,Dial(DAHDI/1)\nexten => 101,1,Dial(DAHDI/7,20)\nexten => _9X.,1,Dial(Zap/g3/${EXTEN:1})\nexten => 102,1,Dial(DAHDI/g1/555&SIP/2000)\nexten => 103,1,Dial(DAHDI/${PORT})\n',
    });
    assert.equal(r.ok, false);
    assert.match(r.output, /^extensions\.conf:3: DAHDI\/7: no analog port 7 \(ports are 1,2,3\)$/m);
    assert.match(r.output, /^extensions\.conf:4: Zap\/g3: no analog port is in group 3 \(groups are 1\)$/m);
    assert.doesNotMatch(r.output, /extensions\.conf:(2|5|6):/);
    assert.match(r.output, /^analog ports have 2 errors$/m);
  });

  test('with no analog configuration at all, the reason says so', () => {
    const r = check({ 'extensions.conf': '[default]\nexten => 100,1,Dial(DAHDI/1)\n' });
    assert.equal(r.ok, false);
    assert.match(r.output, /^extensions\.conf:2: DAHDI\/1: no analog port 1 \(no analog ports are configured: pbx\.conf \[analog\] or chan_dahdi\.conf\)$/m);
  });

  test('ports and groups from chan_dahdi.conf count (group lists too)', () => {
    const r = check(
      {
        'chan_dahdi.conf': '[channels]\nsignalling = fxo_ks\nchannel => 1-2\nsignalling = fxs_ks\ngroup = 0,2\nchannel => 3-4\n',
        'extensions.conf': '[default]\nexten => 100,1,Dial(DAHDI/4)\nexten => 101,1,Dial(DAHDI/g2/555)\nexten => 102,1,Dial(DAHDI/g0/555)\n',
      },
      SPANS.concat({ path: '/proc/dahdi/2', text: 'Span 2: X\n  4 X/0/0 FXSKS\n' }),
    );
    assert.equal(r.output.includes('no analog port'), false, r.output);
  });

  test('dahdiTargets reads the device list: ports, g/r groups, computed ones skipped', () => {
    assert.deepEqual(dahdiTargets('DAHDI/1&Zap/r2/55&SIP/1&DAHDI/${X},30,tT'), [
      { device: 'DAHDI/1', port: 1 },
      { device: 'Zap/r2', group: 2 },
    ]);
  });
});

describe('pbx check: the dahdi backend against /proc/dahdi', () => {
  test('channels missing, unconfigured or with other signalling are errors naming the channel and what DAHDI says', () => {
    const r = check(
      {
        'chan_dahdi.conf': '[channels]\nsignalling = fxo_ks\nchannel => 1\nsignalling = fxs_ks\nchannel => 2\nchannel => 3-4\nchannel => 7\n',
      },
      SPANS,
    );
    assert.equal(r.ok, false);
    const errors = r.output.split('\n').filter((l) => l.startsWith('chan_dahdi.conf:'));
    assert.deepEqual(errors, [
      "chan_dahdi.conf:5: DAHDI channel 2 (FXO port, a line): needs FXSKS signalling, /proc/dahdi says FXOKS ('2 WCTDM/0/1 FXOKS')",
      "chan_dahdi.conf:6: DAHDI channel 4 (FXO port, a line): not configured in DAHDI (/proc/dahdi: '4 WCTDM/0/3'; set fxsks in system.conf and run dahdi_cfg)",
      'chan_dahdi.conf:7: DAHDI channel 7 (FXO port, a line): not in /proc/dahdi (DAHDI has channels 1-4)',
    ]);
  });

  test('pbx.conf [analog] dahdi ports need the signalling family of their kind', () => {
    const bad = check({ 'pbx.conf': `${SYSTEM}[analog]\nbackend = dahdi\nfxs = 3\n` }, SPANS);
    assert.match(bad.output, /^pbx\.conf:5: DAHDI channel 3 \(FXS port, a phone\): needs FXOxx signalling, \/proc\/dahdi says FXSKS/m);
    const good = check({ 'pbx.conf': `${SYSTEM}[analog]\nbackend = dahdi\nfxs = 1-2\nfxo = 3\n` }, SPANS);
    assert.equal(good.ok, true, good.output);
    assert.match(good.output, /^analog ports OK \(dahdi backend\): 1 fxs, 2 fxs, 3 fxo$/m);
  });

  test('without /proc/dahdi: a warning, and the check still passes', () => {
    const r = check({ 'chan_dahdi.conf': '[channels]\nsignalling = fxo_ks\nchannel => 1\n' }, undefined);
    assert.equal(r.ok, true, r.output);
    assert.match(r.output, /^warning: chan_dahdi\.conf: cannot verify DAHDI channels: DAHDI not loaded \(no \/proc\/dahdi\)$/m);
  });

  test('the sim backend never looks at /proc/dahdi', () => {
    const r = check({ 'pbx.conf': `${SYSTEM}[analog]\nfxs = 1\n` }, undefined);
    assert.equal(r.ok, true);
    assert.doesNotMatch(r.output, /cannot verify/);
  });

  test('parseDahdiProc: channel number, signalling when configured, the line', () => {
    const m = parseDahdiProc(SPANS);
    assert.deepEqual(m.get(1), { channel: 1, signalling: 'FXOKS', line: '1 WCTDM/0/0 FXOKS (In use)' });
    assert.deepEqual(m.get(4), { channel: 4, line: '4 WCTDM/0/3' });
    assert.equal(m.size, 4);
  });
});
