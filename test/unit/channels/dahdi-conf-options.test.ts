/**
 * chan_dahdi.conf options the DAHDI driver acts on, from the config file to the channel: a phone
 * port starts in its own context; immediate=yes goes off hook straight into `s` without dial
 * tone; callerid gives the phone's calls their caller ID (hidecallerid hides it); a line port's
 * fixed callerid replaces what the line delivered, asreceived keeps it; group lists answer
 * Dial(DAHDI/gN/...) for each group; immediate=yes on a line offers the call at the first ring.
 * Runs on a fake line engine.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DahdiDriver, type DahdiEngine } from '../../../src/channels/dahdi-driver.ts';
import type { DahdiChannel } from '../../../src/channels/dahdi-channel.ts';
import type { AnalogEvent, AnalogListener } from '../../../src/analog/engine.ts';
import { formatErrors, loadConfig } from '../../../src/config/load.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { ManualMediaClock } from '../../../src/media/manual-clock.ts';
import { silentLogger } from '../../../src/log/index.ts';

const PBX = '[system]\nsip = 127.0.0.1:5060\ncontrol = /tmp/pbx-dahdi-opt.sock\ndata = /tmp/pbx-dahdi-opt\n';

const CHAN_DAHDI = [
  '[channels]',
  'signalling = fxo_ks',
  'context = internal',
  'callerid = "Reception" <2100>',
  'channel => 1',
  'immediate = yes',
  'callerid = "Lobby" <2101>',
  'context = hotline',
  'channel => 2',
  'immediate = no',
  'hidecallerid = yes',
  'context = internal',
  'channel => 3',
  'hidecallerid = no',
  'signalling = fxs_ks',
  'context = from-pstn',
  'callerid = asreceived',
  'group = 1,2',
  'channel => 4',
  'callerid = "Main line" <5550000>',
  'group = 2',
  'channel => 5',
  'immediate = yes',
  'callerid = asreceived',
  'group =',
  'channel => 6',
  '',
].join('\n');

function setup() {
  const r = loadConfig({ files: { 'pbx.conf': PBX, 'chan_dahdi.conf': CHAN_DAHDI } });
  assert.equal(formatErrors(r.errors), '');
  const calls: string[] = [];
  let listener: AnalogListener | undefined;
  const engine: DahdiEngine = {
    onEvent: (l) => {
      listener = l;
      return () => (listener = undefined);
    },
    readAudio: () => 0,
    writeAudio: (_p, s) => s.length,
    ring: (p, on) => calls.push(`ring ${p} ${on}`),
    setHook: (p, off) => calls.push(`hook ${p} ${off ? 'off' : 'on'}`),
    dial: (p, d) => calls.push(`dial ${p} ${d}`),
    playTone: (p, t) => calls.push(`tone ${p} ${t}`),
  };
  const routed: DahdiChannel[] = [];
  const driver = new DahdiDriver({
    engine,
    ports: r.config!.analog!.ports,
    clock: new FakeClock(),
    mediaClock: new ManualMediaClock(),
    log: silentLogger('dahdi'),
    match: (ctx, digits) => ({ exists: ctx === 'internal' && digits === '600', canMatchMore: ctx === 'internal' && '600'.startsWith(digits) && digits !== '600' }),
    exists: (ctx, exten) => ctx === 'from-pstn' && exten === 's',
    route: (ch) => routed.push(ch),
    dialDelayMs: 500,
  });
  return { driver, calls, routed, emit: (ev: AnalogEvent) => listener?.(ev) };
}

describe('chan_dahdi.conf options in the DAHDI driver', () => {
  test('a phone port dials in its own context with its callerid', () => {
    const t = setup();
    t.emit({ type: 'offhook', port: 1 });
    assert.deepEqual(t.calls, ['tone 1 dial']);
    for (const d of '600') t.emit({ type: 'digit', port: 1, digit: d });
    const ch = t.routed[0]!;
    assert.deepEqual([ch.context, ch.exten, ch.callerId], ['internal', '600', { name: 'Reception', number: '2100' }]);
  });

  test('immediate=yes: off hook enters the context at s at once, no dial tone, digits are the call', () => {
    const t = setup();
    t.emit({ type: 'offhook', port: 2 });
    assert.deepEqual(t.calls, [], 'no dial tone');
    assert.equal(t.routed.length, 1);
    const ch = t.routed[0]!;
    assert.deepEqual([ch.name, ch.context, ch.exten, ch.callerId.number], ['DAHDI/2-1', 'hotline', 's', '2101']);
    const heard: string[] = [];
    ch.media.onDigit((d) => heard.push(d));
    ch.answer();
    t.emit({ type: 'digit', port: 2, digit: '5' });
    assert.deepEqual(heard, ['5']);
  });

  test('hidecallerid=yes: the phone port calls with its caller ID withheld', () => {
    const t = setup();
    t.emit({ type: 'offhook', port: 3 });
    for (const d of '600') t.emit({ type: 'digit', port: 3, digit: d });
    assert.deepEqual(t.routed[0]!.callerId, { presentation: 'prohib' });
  });

  test('a line port passes the caller ID as received; a fixed callerid replaces it', () => {
    const t = setup();
    t.emit({ type: 'callerid', port: 4, number: '5551234', name: 'JOHN DOE' });
    t.emit({ type: 'ringBegin', port: 4 });
    t.emit({ type: 'callerid', port: 5, number: '5551234', name: 'JOHN DOE' });
    t.emit({ type: 'ringBegin', port: 5 });
    assert.deepEqual(t.routed.map((c) => [c.name, c.context, c.exten, c.callerId]), [
      ['DAHDI/4-1', 'from-pstn', 's', { number: '5551234', name: 'JOHN DOE' }],
      ['DAHDI/5-1', 'from-pstn', 's', { name: 'Main line', number: '5550000' }],
    ]);
  });

  test('immediate=yes on a line port: the call starts at the first ring, without waiting for caller ID', () => {
    const t = setup();
    t.emit({ type: 'ringBegin', port: 4 });
    t.emit({ type: 'ringBegin', port: 6 });
    assert.deepEqual(t.routed.map((c) => [c.name, c.exten, c.callerId]), [['DAHDI/6-1', 's', {}]], 'port 4 waits for caller ID or a second ring');
  });

  test('group = 1,2: the port answers both groups; g2 takes the next free line of group 2', () => {
    const t = setup();
    const a = t.driver.request('g1/555', { callerId: {} }, {}) as DahdiChannel;
    assert.equal(a.name, 'DAHDI/4-1');
    const b = t.driver.request('g2/555', { callerId: {} }, {}) as DahdiChannel;
    assert.equal(b.name, 'DAHDI/5-1', 'port 4 is busy, port 5 is in group 2 too');
  });
});
