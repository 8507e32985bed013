/**
 * The DAHDI driver and console when a port vanishes (portGone, as `sim ... unplug` or a DAHDI
 * channel giving ENODEV reports it) and comes back (portBack), on a fake engine: the port's call
 * ends with a cause Dial() reports as CHANUNAVAIL, Dial(DAHDI/N) is refused meanwhile while a
 * group skips the gone line, `dahdi show channels` shows it Out of Service, and it is usable
 * once back.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DahdiDriver, type DahdiEngine } from '../../../src/channels/dahdi-driver.ts';
import type { DahdiChannel } from '../../../src/channels/dahdi-channel.ts';
import type { AnalogEvent, AnalogListener } from '../../../src/analog/engine.ts';
import type { AnalogConfig, AnalogPortConfig } from '../../../src/config/model.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { ManualMediaClock } from '../../../src/media/manual-clock.ts';
import { silentLogger } from '../../../src/log/index.ts';
import { HANGUP_CAUSES, dialStatusForCause, type HangupCause } from '../../../src/core/hangup-causes.ts';
import { AnalogService } from '../../../src/runtime/analog-service.ts';
import { registerAnalogCommands } from '../../../src/cli/commands/analog.ts';
import { CommandRegistry } from '../../../src/cli/registry.ts';
import { ChannelRegistry } from '../../../src/core/channel-registry.ts';
import type { NativeLineEngine, NativeLineEvent } from '../../../src/platform/native.ts';

const PORTS: AnalogPortConfig[] = [
  { port: 1, kind: 'fxs', context: 'phones', extension: '2100' },
  { port: 2, kind: 'fxo', context: 'from-pstn', group: 1 },
  { port: 3, kind: 'fxo', context: 'from-pstn', group: 1 },
];

function setup() {
  let listener: AnalogListener | undefined;
  const calls: string[] = [];
  const engine: DahdiEngine = {
    onEvent: (l) => {
      listener = l;
      return () => (listener = undefined);
    },
    readAudio: () => 0,
    writeAudio: (_p, s) => s.length,
    ring: (p, on) => calls.push(`ring ${p} ${on}`),
    setHook: (p, off) => calls.push(`hook ${p} ${off}`),
    dial: (p, d) => calls.push(`dial ${p} ${d}`),
    playTone: (p, t) => calls.push(`tone ${p} ${t}`),
  };
  const routed: DahdiChannel[] = [];
  const clock = new FakeClock();
  const driver = new DahdiDriver({
    engine,
    ports: PORTS,
    clock,
    mediaClock: new ManualMediaClock(),
    log: silentLogger('dahdi'),
    match: (_c, d) => ({ exists: d === '2000', canMatchMore: '2000'.startsWith(d) && d !== '2000' }),
    exists: (ctx, exten) => ctx === 'from-pstn' && exten === 's',
    route: (ch) => routed.push(ch),
    dialDelayMs: 500,
  });
  return { driver, calls, routed, clock, emit: (ev: AnalogEvent) => listener?.(ev) };
}

describe('DAHDI driver: a port that vanishes', () => {
  test('a phone in a call unplugged: the call ends (CHANUNAVAIL), Dial(DAHDI/1) is refused until it is back', () => {
    const s = setup();
    s.emit({ type: 'offhook', port: 1 });
    for (const d of '2000') s.emit({ type: 'digit', port: 1, digit: d });
    const call = s.routed[0]!;
    const ended: HangupCause[] = [];
    call.onHangup((c) => ended.push(c));
    s.emit({ type: 'portGone', port: 1 });
    assert.deepEqual(ended, [HANGUP_CAUSES.SUBSCRIBER_ABSENT]);
    assert.equal(dialStatusForCause(ended[0]!), 'CHANUNAVAIL');
    assert.deepEqual(
      s.driver.ports().map((p) => [p.config.port, p.gone, p.state]),
      [
        [1, true, 'gone'],
        [2, false, 'idle'],
        [3, false, 'idle'],
      ],
    );
    assert.equal(s.driver.request('1', { callerId: { number: '2000' } }, {}), HANGUP_CAUSES.SUBSCRIBER_ABSENT);
    s.emit({ type: 'portBack', port: 1 });
    assert.equal(s.driver.ports()[0]?.gone, false);
    const leg = s.driver.request('1', { callerId: { number: '2000' } }, {});
    assert.equal(typeof leg, 'object');
    assert.ok(s.calls.includes('ring 1 true'));
  });

  test('an outgoing leg ringing a phone that vanishes ends with CHANUNAVAIL for Dial()', () => {
    const s = setup();
    const causes: HangupCause[] = [];
    const leg = s.driver.request('1', { callerId: { number: '5551234' } }, { onEnded: (_l, c) => causes.push(c) });
    assert.equal(typeof leg, 'object');
    s.emit({ type: 'portGone', port: 1 });
    assert.deepEqual(causes.map(dialStatusForCause), ['CHANUNAVAIL']);
  });

  test('a group skips a gone line; with every line gone Dial(DAHDI/g1/...) is CHANUNAVAIL', () => {
    const s = setup();
    s.emit({ type: 'portGone', port: 2 });
    const leg = s.driver.request('g1/5551212', { callerId: {} }, {});
    assert.equal((leg as DahdiChannel).port, 3);
    s.emit({ type: 'portGone', port: 3 });
    assert.deepEqual(s.calls, ['hook 3 true'], 'the call on port 3 ended, nothing drives a gone line');
    assert.equal(s.driver.request('g1/5551212', { callerId: {} }, {}), HANGUP_CAUSES.SUBSCRIBER_ABSENT);
    s.emit({ type: 'portBack', port: 2 });
    assert.equal((s.driver.request('g1/5551212', { callerId: {} }, {}) as DahdiChannel).port, 2);
  });

  test('an incoming call on a line that vanishes is hung up; its repeat portGone changes nothing', () => {
    const s = setup();
    s.emit({ type: 'ringBegin', port: 2 });
    s.emit({ type: 'callerid', port: 2, number: '5551234', name: 'JOHN DOE' });
    const call = s.routed[0]!;
    call.answer();
    s.emit({ type: 'portGone', port: 2 });
    s.emit({ type: 'portGone', port: 2 });
    assert.equal(call.cause, HANGUP_CAUSES.SUBSCRIBER_ABSENT);
    assert.equal(s.routed.length, 1);
  });
});

describe('console: a vanished port', () => {
  test('dahdi show channels shows it Out of Service, dahdi show status counts it; plugged back it is In Service', async () => {
    let emit: ((ev: NativeLineEvent) => void) | undefined;
    let portsGone = 0;
    const engine: NativeLineEngine = {
      start: (cb) => (emit = cb),
      stop: () => undefined,
      readAudio: () => 0,
      writeAudio: (_p, s) => s.length,
      ring: () => undefined,
      setHook: () => undefined,
      dial: () => undefined,
      playTone: () => undefined,
      sim: () => undefined,
      simShow: () => [],
      stats: () => ({ running: true, ports: 2, blocks: 0, overruns: 0, events: 0, eventsDropped: 0, eventsCoalesced: 0, eventBacklogMax: 0, portsGone, commands: 0, rxDroppedSamples: 0, txUnderruns: 0, cpuMs: 0, simRejected: 0, lastSimError: '' }),
    };
    const config: AnalogConfig = { backend: 'sim', ports: PORTS.slice(0, 2), origin: { file: 'pbx.conf', line: 9 } };
    const service = AnalogService.start({
      config,
      country: 'us',
      clock: new FakeClock(),
      mediaClock: new ManualMediaClock(),
      channels: new ChannelRegistry(),
      log: silentLogger('dahdi'),
      match: () => ({ exists: false, canMatchMore: false }),
      exists: () => false,
      route: () => undefined,
      binding: { createLineEngine: () => engine },
    });
    assert.ok(service instanceof AnalogService);
    const r = new CommandRegistry();
    registerAnalogCommands(r, () => service, () => config);
    const show = async (cmd: string): Promise<string> => (await r.execute(cmd, { print: () => undefined } as never)).output;
    emit?.({ type: 'portGone', port: 2 });
    portsGone = 1;
    assert.match(await show('dahdi show channels'), /^\s+2\s+from-pstn\s+en\s+default\s+Out of Service$/m);
    assert.match(await show('dahdi show channels'), /^\s+1 2100\s+phones\s+en\s+default\s+In Service$/m);
    assert.match(await show('dahdi show status'), /1 ports gone/);
    emit?.({ type: 'portBack', port: 2 });
    assert.match(await show('dahdi show channels'), /^\s+2\s+from-pstn\s+en\s+default\s+In Service$/m);
    service.stop();
  });
});
