/**
 * The analog wiring on a fake binding: [analog] with the sim backend starts the line engine with
 * the configured port kinds and the country, stop() stops it; the dahdi backend starts it on
 * DAHDI channels (test/unit/native/dahdi-backend.test.ts has the rest); an addon without a line
 * engine gives the reason instead of a crash; the console commands answer without
 * analog ports and check a sim command's port kind.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalogService } from '../../../src/runtime/analog-service.ts';
import { registerAnalogCommands } from '../../../src/cli/commands/analog.ts';
import { CommandRegistry } from '../../../src/cli/registry.ts';
import { ChannelRegistry } from '../../../src/core/channel-registry.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { ManualMediaClock } from '../../../src/media/manual-clock.ts';
import { silentLogger } from '../../../src/log/index.ts';
import type { AnalogConfig } from '../../../src/config/model.ts';
import type { NativeLineEngine, NativeLineEngineOptions } from '../../../src/platform/native.ts';

const CONFIG: AnalogConfig = {
  backend: 'sim',
  ports: [
    { port: 1, kind: 'fxs', context: 'phones', extension: '2100' },
    { port: 2, kind: 'fxo', context: 'default' },
  ],
  origin: { file: 'pbx.conf', line: 9 },
};

function fakeBinding() {
  const calls: string[] = [];
  const created: NativeLineEngineOptions[] = [];
  const engine: NativeLineEngine = {
    start: () => calls.push('start'),
    stop: () => calls.push('stop'),
    readAudio: () => 0,
    writeAudio: (_p, s) => s.length,
    ring: () => undefined,
    setHook: () => undefined,
    dial: () => undefined,
    playTone: () => undefined,
    sim: (c) => calls.push(`sim ${c.target} ${c.port} ${c.action}`),
    simShow: () => [{ port: 1, kind: 'fxs', state: 'offhook', hears: 'dial', digits: '', callerNumber: '', callerName: '' }],
    stats: () => ({ running: true, ports: 2, blocks: 0, overruns: 0, events: 0, eventsDropped: 0, eventsCoalesced: 0, eventBacklogMax: 0, portsGone: 0, commands: 0, rxDroppedSamples: 0, txUnderruns: 0, cpuMs: 0, simRejected: 0, lastSimError: '' }),
  };
  return {
    calls,
    created,
    binding: {
      createLineEngine: (o: NativeLineEngineOptions) => {
        created.push(o);
        return engine;
      },
    },
  };
}

function deps(config: AnalogConfig, binding: ReturnType<typeof fakeBinding>['binding'] | object) {
  return {
    config,
    country: 'uk',
    clock: new FakeClock(),
    mediaClock: new ManualMediaClock(),
    channels: new ChannelRegistry(),
    log: silentLogger('dahdi'),
    match: () => ({ exists: false, canMatchMore: false }),
    exists: () => false,
    route: () => undefined,
    binding,
  };
}

describe('analog service and console', () => {
  test('sim backend: the engine starts with the port kinds and country; stop() stops it', () => {
    const f = fakeBinding();
    const s = AnalogService.start(deps(CONFIG, f.binding));
    assert.ok(s instanceof AnalogService);
    assert.deepEqual(f.created[0]?.ports, ['fxs', 'fxo']);
    assert.equal(f.created[0]?.country, 'uk');
    s.stop();
    assert.deepEqual(f.calls, ['start', 'stop']);
  });

  test('the dahdi backend starts the engine on DAHDI channels; an addon without a line engine is a reason, not a crash', () => {
    const f = fakeBinding();
    const s = AnalogService.start(deps({ ...CONFIG, backend: 'dahdi' }, f.binding));
    assert.ok(s instanceof AnalogService);
    assert.equal(f.created[0]?.backend, 'dahdi');
    s.stop();
    assert.match(String(AnalogService.start(deps(CONFIG, {}))), /no line engine/);
  });

  test('console: without [analog] the commands say how to add ports; a sim command checks the port kind', async () => {
    const none = new CommandRegistry();
    registerAnalogCommands(none, () => undefined, () => undefined);
    const r0 = await none.execute('dahdi show channels', { print: () => undefined } as never);
    assert.match(r0.output, /No analog ports: add an \[analog\] section to pbx\.conf/);

    const f = fakeBinding();
    const s = AnalogService.start(deps(CONFIG, f.binding)) as AnalogService;
    const r = new CommandRegistry();
    registerAnalogCommands(r, () => s, () => CONFIG);
    const wrong = await r.execute('sim line 1 ring', { print: () => undefined } as never);
    assert.equal(wrong.ok, false);
    assert.match(wrong.output, /port 1 is not an FXO port \(a sim line\)/);
    const ok = await r.execute('sim phone 1 offhook', { print: () => undefined } as never);
    assert.equal(ok.ok, true);
    assert.ok(f.calls.includes('sim phone 1 offhook'));
    assert.match((await r.execute('sim show', { print: () => undefined } as never)).output, /^1\s+phone\s+offhook\s+dial tone/m);
    assert.match((await r.execute('dahdi show channel 1', { print: () => undefined } as never)).output, /Signalling Type: FXO Kewlstart/);
    s.stop();
  });
});
