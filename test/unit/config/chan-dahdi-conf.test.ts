/**
 * chan_dahdi.conf / zapata.conf: Asterisk's current-settings model (`channel =>` takes the
 * settings in force at its line), the signalling -> port kind mapping, each supported key's
 * meaning, real-but-unsupported keys warned about, typos and bad values as errors at file:line,
 * and the merge with pbx.conf [analog].
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrors, loadConfig } from '../../../src/config/load.ts';
import type { AnalogPortConfig, PbxConfig } from '../../../src/config/model.ts';

const SYSTEM = '[system]\nsip = 127.0.0.1:5060\ncontrol = /tmp/pbx-dahdi-test.sock\ndata = /tmp/pbx-dahdi-test\n';

function load(files: Record<string, string>, analog?: string) {
  const pbx = `${SYSTEM}[phones]\n2000 = s3cret-Pass1, Joe\n${analog !== undefined ? `[analog]\n${analog}` : ''}`;
  return loadConfig({ files: { 'pbx.conf': pbx, ...files } });
}

function ok(dahdi: string, analog?: string): PbxConfig {
  const r = load({ 'chan_dahdi.conf': dahdi }, analog);
  assert.equal(formatErrors(r.errors), '');
  return r.config!;
}

function port(c: PbxConfig, n: number): AnalogPortConfig {
  const p = c.analog?.ports.find((x) => x.port === n);
  assert.ok(p, `port ${n}`);
  return p;
}

function errorsOf(dahdi: string, analog?: string): string {
  return formatErrors(load({ 'chan_dahdi.conf': dahdi }, analog).errors);
}

function warningsOf(dahdi: string): string {
  return formatErrors(load({ 'chan_dahdi.conf': dahdi }).warnings);
}

describe('chan_dahdi.conf', () => {
  test('each channel line takes the settings in force at that line; fxo_ks is a phone port, fxs_ks a line port', () => {
    const c = ok(
      [
        '[trunkgroups]',
        '[channels]',
        'signalling = fxo_ks',
        'context = internal',
        'callerid = "Reception" <2100>',
        'channel => 1',
        'callerid = "Kitchen" <(256) 428-6122>',
        'immediate = yes',
        'channel => 2',
        'signalling = fxs_ks',
        'context = from-pstn',
        'callerid = asreceived',
        'immediate = no',
        'group = 0,2',
        'busydetect = yes',
        'busycount = 6',
        'channel => 3-4',
        '',
      ].join('\n'),
    );
    assert.equal(c.analog?.backend, 'dahdi');
    assert.deepEqual(c.analog?.ports.map((p) => [p.port, p.kind, p.signalling, p.context]), [
      [1, 'fxs', 'fxo_ks', 'internal'],
      [2, 'fxs', 'fxo_ks', 'internal'],
      [3, 'fxo', 'fxs_ks', 'from-pstn'],
      [4, 'fxo', 'fxs_ks', 'from-pstn'],
    ]);
    assert.deepEqual(port(c, 1).callerId, { name: 'Reception', number: '2100' });
    assert.equal(port(c, 1).immediate, false);
    assert.deepEqual(port(c, 2).callerId, { name: 'Kitchen', number: '2564286122' });
    assert.equal(port(c, 2).immediate, true);
    assert.equal(port(c, 3).callerId, undefined);
    assert.deepEqual(port(c, 4).groups, [0, 2]);
    assert.equal(port(c, 4).group, 0);
    assert.equal(port(c, 4).busyDetect, true);
    assert.equal(port(c, 4).busyCount, 6);
    assert.deepEqual(port(c, 3).origin, { file: 'chan_dahdi.conf', line: 17 });
  });

  test("Asterisk's defaults: context default, no busy detection, busycount 3, no echo canceller, 0 dB, caller ID as received", () => {
    const p = port(ok('[channels]\nsignalling = fxs_ls\nchannel => 1\n'), 1);
    assert.deepEqual(
      { ...p, origin: undefined },
      {
        port: 1,
        kind: 'fxo',
        context: 'default',
        signalling: 'fxs_ls',
        origin: undefined,
        cidStart: 'ring',
        busyDetect: false,
        busyCount: 3,
        callProgress: false,
        rxGainDb: 0,
        txGainDb: 0,
        echoCancelTaps: 0,
        immediate: false,
      },
    );
  });

  test('phone features: threewaycalling, transfer, callwaiting, callwaitingcallerid (on unless turned off; phone ports only)', () => {
    const c = ok(
      [
        '[channels]',
        'signalling = fxo_ks',
        'channel => 1',
        'threewaycalling = no',
        'transfer = no',
        'callwaiting = no',
        'callwaitingcallerid = no',
        'channel => 2',
        'signalling = fxs_ks',
        'channel => 3',
        '',
      ].join('\n'),
    );
    const pick = (p: AnalogPortConfig) => [p.threeWayCalling, p.transfer, p.callWaiting, p.callWaitingCallerId];
    assert.deepEqual(pick(port(c, 1)), [true, true, true, true]);
    assert.deepEqual(pick(port(c, 2)), [false, false, false, false]);
    assert.deepEqual(pick(port(c, 3)), [undefined, undefined, undefined, undefined]);
    assert.equal(errorsOf('[channels]\nsignalling = fxo_ks\ncallwaiting = maybe\nchannel => 1\n').includes('chan_dahdi.conf:3:'), true);
  });

  test('caller ID signalling, start, gains, echo canceller, call progress, usecallerid and hidecallerid', () => {
    const c = ok(
      [
        '[channels]',
        'signalling = fxs_ks',
        'cidsignalling = v23',
        'cidstart = polarity',
        'rxgain = -3.5',
        'txgain = 2',
        'echocancel = yes',
        'callprogress = yes',
        'channel => 1',
        'cidsignalling = dtmf',
        'cidstart = polarity_IN',
        'echocancel = 256',
        'channel => 2',
        'cidsignalling = bell',
        'cidstart = ring',
        'echocancel = no',
        'usecallerid = no',
        'hidecallerid = yes',
        'signaling = fxo_gs',
        'channel => 3',
        '',
      ].join('\n'),
    );
    const pick = (p: AnalogPortConfig) => [p.cidStandard, p.cidStart, p.rxGainDb, p.txGainDb, p.echoCancelTaps, p.callProgress, p.hideCallerId];
    assert.deepEqual(pick(port(c, 1)), ['v23', 'polarity', -3.5, 2, 128, true, undefined]);
    assert.deepEqual(pick(port(c, 2)), ['dtmf', 'polarity', -3.5, 2, 256, true, undefined]);
    assert.deepEqual(pick(port(c, 3)), ['none', 'ring', -3.5, 2, 0, true, true]);
    assert.equal(port(c, 3).kind, 'fxs');
  });

  test('empty callerid and group reset them for the following channels (dahdi_genconf output)', () => {
    const c = ok('[channels]\nsignalling=fxs_ks\ncallerid="Line" <100>\ngroup=0\nchannel => 1\ncallerid=\ngroup=\ncontext=default\nchannel => 2\n');
    assert.deepEqual(port(c, 1).callerId, { name: 'Line', number: '100' });
    assert.equal(port(c, 2).callerId, undefined);
    assert.equal(port(c, 2).group, undefined);
  });

  test('real chan_dahdi keys this PBX does not act on are warnings naming file:line', () => {
    const w = warningsOf('[trunkgroups]\ntrunkgroup => 1,24\n[channels]\nlanguage = en\nsignalling = fxo_ks\ncanpark = yes\nechocancel = 128,param1=32\nfoobarbaz = 1\nchannel => 1\n');
    assert.equal(
      w,
      [
        "chan_dahdi.conf:2: 'trunkgroup' in [trunkgroups] is not supported (PRI/NFAS), ignored",
        "chan_dahdi.conf:4: 'language' is not supported, ignored",
        "chan_dahdi.conf:6: 'canpark' is not supported, ignored",
        "chan_dahdi.conf:7: echocancel parameters 'param1=32' are not supported, ignored",
        "chan_dahdi.conf:8: unknown key 'foobarbaz', ignored",
      ].join('\n'),
    );
  });

  test('a misspelt supported key is an error with did-you-mean', () => {
    assert.equal(errorsOf('[channels]\nsignalling = fxo_ks\nbusydetec = yes\ncontxt = x\nchannel => 1\n'), [
      "chan_dahdi.conf:3: unknown key 'busydetec' (did you mean 'busydetect'?)",
      "chan_dahdi.conf:4: unknown key 'contxt' (did you mean 'context'?)",
    ].join('\n'));
  });

  test('bad values are errors at their line', () => {
    const e = errorsOf(
      [
        '[channels]',
        'signalling = fxs_ks',
        'cidsignalling = v23_jp',
        'cidsignalling = morse',
        'cidstart = dtmf',
        'echocancel = 100',
        'echocancel = 2048',
        'rxgain = 30',
        'txgain = loud',
        'busycount = 0',
        'group = 64',
        'busydetect = maybe',
        'callerid = "x" <abc>',
        'channel => 1',
        '',
      ].join('\n'),
    );
    assert.equal(
      e,
      [
        'chan_dahdi.conf:3: cidsignalling v23_jp is not supported (bell, v23 or dtmf)',
        "chan_dahdi.conf:4: invalid cidsignalling 'morse': expected bell, v23 or dtmf",
        'chan_dahdi.conf:5: cidstart dtmf is not supported (ring or polarity)',
        "chan_dahdi.conf:6: invalid echocancel '100': expected yes, no or a power of two from 32 to 1024 (taps)",
        "chan_dahdi.conf:7: invalid echocancel '2048': expected yes, no or a power of two from 32 to 1024 (taps)",
        "chan_dahdi.conf:8: invalid rxgain '30': expected dB from -24.0 to 24.0",
        "chan_dahdi.conf:9: invalid txgain 'loud': expected dB from -24.0 to 24.0",
        "chan_dahdi.conf:10: invalid busycount '0': expected a whole number from 1 to 20",
        "chan_dahdi.conf:11: invalid group '64': groups are 0 to 63, low to high",
        "chan_dahdi.conf:12: invalid busydetect 'maybe': expected yes or no",
        "chan_dahdi.conf:13: invalid callerid '\"x\" <abc>': caller ID number 'abc' may hold only digits, *, # and + (or asreceived)",
      ].join('\n'),
    );
  });

  test('a channel before any signalling, with digital signalling, or defined twice is an error', () => {
    const e = errorsOf('[channels]\nchannel => 1\nsignalling = pri_cpe\nchannel => 2-3\nsignalling = fxo_ks\nchannel => 4\nchannel => 3-4\nchannel => 40\n');
    assert.equal(
      e,
      [
        'chan_dahdi.conf:2: channel 1: signalling must be set before any channel (signalling = fxo_ks for phones, fxs_ks for lines)',
        "chan_dahdi.conf:4: channel 2-3: signalling 'pri_cpe' (chan_dahdi.conf:3) is not supported: analog fxo_ks/fxo_ls/fxo_gs (phones) or fxs_ks/fxs_ls/fxs_gs (lines)",
        'chan_dahdi.conf:7: channel 4 is defined twice (first at chan_dahdi.conf:6)',
        "chan_dahdi.conf:8: invalid channel '40': '40': ports are 1 to 32, low to high",
      ].join('\n'),
    );
  });

  test('zapata.conf is read when chan_dahdi.conf is absent; with both, chan_dahdi.conf wins with a warning', () => {
    const zap = '[channels]\nsignalling = fxs_ks\nchannel => 2\n';
    const only = load({ 'zapata.conf': zap });
    assert.equal(formatErrors(only.errors), '');
    assert.deepEqual(only.config?.analog?.ports.map((p) => [p.port, p.kind, p.origin?.file]), [[2, 'fxo', 'zapata.conf']]);
    assert.ok(only.config?.sources.includes('zapata.conf'));

    const both = load({ 'zapata.conf': zap, 'chan_dahdi.conf': '[channels]\nsignalling = fxo_ks\nchannel => 1\n' });
    assert.deepEqual(both.config?.analog?.ports.map((p) => [p.port, p.kind]), [[1, 'fxs']]);
    assert.equal(formatErrors(both.warnings), 'zapata.conf: ignored: chan_dahdi.conf is read instead (remove one of them)');
  });

  test('a broken chan_dahdi.conf yields no configuration (a reload keeps the running one)', () => {
    const r = load({ 'chan_dahdi.conf': '[channels]\nsignalling = fxs_ks\nrxgain = 99\nchannel => 1\n' });
    assert.equal(r.config, undefined);
    assert.equal(formatErrors(r.errors), "chan_dahdi.conf:3: invalid rxgain '99': expected dB from -24.0 to 24.0");
  });
});

describe('chan_dahdi.conf with pbx.conf [analog]', () => {
  test('ports merge; `N = EXT` gives a chan_dahdi.conf phone port its extension; no backend key -> dahdi', () => {
    const c = ok('[channels]\nsignalling = fxo_ks\ncontext = phones\nchannel => 1\n', 'fxo = 2\ncontext = from-pstn\n1 = 2100\n');
    assert.equal(c.analog?.backend, 'dahdi');
    assert.deepEqual(c.analog?.ports.map((p) => [p.port, p.kind, p.context, p.extension]), [
      [1, 'fxs', 'phones', '2100'],
      [2, 'fxo', 'from-pstn', undefined],
    ]);
  });

  test('backend = sim runs chan_dahdi.conf ports on the sim backend', () => {
    assert.equal(ok('[channels]\nsignalling = fxs_ks\nchannel => 1\n', 'backend = sim\n').analog?.backend, 'sim');
  });

  test('a port named in both files is an error naming both places', () => {
    assert.equal(
      errorsOf('[channels]\nsignalling = fxs_ks\nchannel => 1-2\n', 'fxs = 2\n'),
      'pbx.conf:8: port 2 is also defined in chan_dahdi.conf:3: define each port in one file',
    );
  });

  test('without [analog] the backend default stays sim only for pbx.conf ports', () => {
    const r = load({}, 'fxs = 1\n');
    assert.equal(r.config?.analog?.backend, 'sim');
  });
});
