/**
 * The dahdi backend where no DAHDI is loaded (this host; the real exercise is
 * test/firmware/dahdi.test.ts in a QEMU guest with loopback spans): start() fails with the reason
 * and the fix, nothing is left running, a device that is not DAHDI's is named, bad per-port
 * options are errors at createLineEngine, the sim backend keeps working beside it. Then the
 * TypeScript side: ports keep their configured numbers (DAHDI channel numbers, with gaps) while
 * the native engine numbers them 1..N, and a PBX whose DAHDI cannot open starts without analog
 * ports, saying why.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineBinding, requireBinding } from './binding.ts';
import { AnalogEngine } from '../../../src/analog/engine.ts';
import { AnalogService } from '../../../src/runtime/analog-service.ts';
import { ChannelRegistry } from '../../../src/core/channel-registry.ts';
import { HANGUP_CAUSES } from '../../../src/core/hangup-causes.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { ManualMediaClock } from '../../../src/media/manual-clock.ts';
import { silentLogger } from '../../../src/log/index.ts';
import type { AnalogConfig } from '../../../src/config/model.ts';
import type { NativeLineEngine, NativeLineEngineOptions, NativeLineEvent } from '../../../src/platform/native.ts';


const NOT_LOADED = /DAHDI is not loaded \(no (.+)\): load the dahdi modules \(modprobe dahdi\) and configure the channels with dahdi_cfg/;
const NO_HEADERS = /built without DAHDI headers: run apt-get install dahdi-dkms.*npm ci/;

/** A path that certainly does not exist. */
function missingDevice(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-dahdi-'));
  return { path: join(dir, 'dahdi', 'channel'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

function startError(engine: NativeLineEngine): string {
  try {
    engine.start(() => undefined);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  engine.stop();
  return assert.fail('start() succeeded without DAHDI');
}

describe('dahdi backend without DAHDI loaded', () => {
  const supported = requireBinding().dahdiSupport === true;

  test('the addon says whether it was built with the DAHDI headers', () => {
    assert.equal(typeof requireBinding().dahdiSupport, 'boolean');
  });

  test('start() throws the reason and the fix; nothing keeps running; a retry says the same', () => {
    const dev = missingDevice();
    try {
      const e = lineBinding().createLineEngine({
        backend: 'dahdi',
        ports: [{ kind: 'fxs', channel: 1 }, { kind: 'fxo', channel: 5 }],
        devicePath: dev.path,
      });
      const first = startError(e);
      if (supported) {
        assert.match(first, NOT_LOADED);
        assert.equal(NOT_LOADED.exec(first)?.[1], dev.path);
      } else {
        assert.match(first, NO_HEADERS);
      }
      assert.equal(e.stats().running, false);
      assert.deepEqual(e.warnings?.(), []);
      assert.equal(startError(e), first);
      e.stop();
    } finally {
      dev.done();
    }
  });

  test('the default device is /dev/dahdi/channel', { skip: existsSync('/dev/dahdi/channel') && 'this host has DAHDI' }, () => {
    const e = lineBinding().createLineEngine({ backend: 'dahdi', ports: ['fxs'] });
    const msg = startError(e);
    if (supported) assert.equal(NOT_LOADED.exec(msg)?.[1], '/dev/dahdi/channel');
    else assert.match(msg, NO_HEADERS);
  });

  test('a device that is not a DAHDI channel device is named', { skip: !supported && 'built without DAHDI headers' }, () => {
    const e = lineBinding().createLineEngine({ backend: 'dahdi', ports: [{ kind: 'fxo', channel: 7 }], devicePath: '/dev/null' });
    assert.match(startError(e), /\/dev\/null is not a DAHDI channel device \(DAHDI_SPECIFY 7/);
  });

  test('bad options are errors at createLineEngine', () => {
    const b = lineBinding();
    const make = (o: Partial<NativeLineEngineOptions>) => () => b.createLineEngine({ backend: 'dahdi', ports: ['fxs'], ...o });
    assert.throws(make({ ports: [{ kind: 'fxs', channel: 3 }, { kind: 'fxo', channel: 3 }] }), /ports\[1\]: DAHDI channel 3 is already ports\[0\]/);
    assert.throws(make({ ports: [{ kind: 'fxs', channel: 0 }] }), /ports\[0\]: channel must be 1\.\.1023/);
    assert.throws(make({ ports: [{ kind: 'fxs', channel: 1024 }] }), /channel must be 1\.\.1023/);
    assert.throws(make({ ports: [{ kind: 'fxo', channel: 2, rxGainDb: 30 }] }), /rxGainDb must be -24\.\.24/);
    assert.throws(make({ ports: [{ kind: 'fxo', channel: 2, echoCancelTaps: -1 }] }), /echoCancelTaps must be 0\.\.1024/);
    assert.throws(make({ ports: [{ kind: 'fxx' as 'fxs', channel: 2 }] }), /kind must be 'fxs' or 'fxo'/);
    assert.throws(make({ devicePath: '' }), /devicePath must be a non-empty string/);
    assert.throws(make({ backend: 'zap' as 'dahdi' }), /backend must be 'sim' or 'dahdi'/);
    const e = b.createLineEngine({ backend: 'dahdi', ports: [{ kind: 'fxs', channel: 4 }] });
    assert.throws(() => e.sim({ target: 'phone', port: 1, action: 'offhook' }), /no sim backend/);
    assert.throws(() => e.setHook(1, true), /not an FXO port/);
    assert.deepEqual(e.simShow(), []);
  });

  test('the sim backend still works beside it', async () => {
    const e = lineBinding().createLineEngine({ backend: 'sim', ports: ['fxs'], periodMs: 2 });
    const events: NativeLineEvent[] = [];
    e.start((ev) => events.push(ev));
    try {
      e.sim({ target: 'phone', port: 1, action: 'offhook' });
      const end = performance.now() + 5000;
      while (!events.some((ev) => ev.type === 'offhook') && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(events.find((ev) => ev.type === 'offhook'), { type: 'offhook', port: 1 });
      assert.deepEqual(e.warnings?.(), []);
    } finally {
      e.stop();
    }
  });
});

/** A native engine that records what it is asked, and lets the test emit events. */
function fakeLine() {
  const created: NativeLineEngineOptions[] = [];
  const calls: string[] = [];
  let emit: ((ev: NativeLineEvent) => void) | undefined;
  let failStart: string | undefined;
  const engine: NativeLineEngine = {
    start: (cb) => {
      if (failStart) throw new Error(failStart);
      emit = cb;
    },
    stop: () => {
      emit = undefined;
    },
    readAudio: (p) => {
      calls.push(`read ${p}`);
      return 0;
    },
    writeAudio: (p, s) => {
      calls.push(`write ${p}`);
      return s.length;
    },
    ring: (p, on) => calls.push(`ring ${p} ${on}`),
    setHook: (p, on) => calls.push(`hook ${p} ${on}`),
    disconnect: (p) => calls.push(`disconnect ${p}`),
    dial: (p, d) => calls.push(`dial ${p} ${d}`),
    playTone: (p, t) => calls.push(`tone ${p} ${t}`),
    sim: () => undefined,
    simShow: () => [],
    stats: () => ({ running: true, ports: 2, blocks: 0, overruns: 0, events: 0, eventsDropped: 0, eventsCoalesced: 0, eventBacklogMax: 0, portsGone: 0, commands: 0, rxDroppedSamples: 0, txUnderruns: 0, cpuMs: 0, simRejected: 0, lastSimError: '' }),
    warnings: () => ["DAHDI tone zone 'de' is not loaded (system.conf loadzone=de): channels keep the default zone"],
  };
  return {
    created,
    calls,
    emit: (ev: NativeLineEvent) => emit?.(ev),
    failStartWith: (why: string) => {
      failStart = why;
    },
    binding: {
      createLineEngine: (o: NativeLineEngineOptions) => {
        created.push(o);
        return engine;
      },
    },
  };
}

// Phone on DAHDI channel 1, line on channel 5 (the loopback's wiring): engine ports 1 and 2.
const DAHDI: AnalogConfig = {
  backend: 'dahdi',
  ports: [
    { port: 1, kind: 'fxs', context: 'phones', extension: '2100' },
    { port: 5, kind: 'fxo', context: 'from-pstn', group: 1, rxGainDb: 2, echoCancelTaps: 0 },
  ],
  origin: { file: 'pbx.conf', line: 9 },
};

function deps(config: AnalogConfig, binding: object) {
  const warnings: string[] = [];
  const log = silentLogger('dahdi');
  return {
    warnings,
    deps: {
      config,
      country: 'de',
      clock: new FakeClock(),
      mediaClock: new ManualMediaClock(),
      channels: new ChannelRegistry(),
      log: Object.assign(Object.create(log) as typeof log, { warning: (m: string) => warnings.push(m) }),
      match: () => ({ exists: false, canMatchMore: false }),
      exists: () => true,
      route: () => undefined,
      binding,
    },
  };
}

describe('dahdi ports keep their configured numbers', () => {
  test('each port opens the DAHDI channel of its number, with its chan_dahdi.conf settings', () => {
    const f = fakeLine();
    const { deps: d } = deps(DAHDI, f.binding);
    const s = AnalogService.start(d);
    assert.ok(s instanceof AnalogService);
    const o = f.created[0]!;
    assert.equal(o.backend, 'dahdi');
    assert.deepEqual(o.ports, [
      { kind: 'fxs', channel: 1 },
      { kind: 'fxo', channel: 5, rxGainDb: 2, echoCancelTaps: 0 },
    ]);
    s.stop();
  });

  test('DAHDI/5 drives channel 5 (engine port 2); its events come back as port 5', () => {
    const f = fakeLine();
    const { deps: d } = deps(DAHDI, f.binding);
    const s = AnalogService.start(d) as AnalogService;
    const leg = s.driver.request('5/600', { callerId: { number: '2000' } }, {});
    assert.equal(typeof leg, 'object');
    assert.ok(f.calls.includes('hook 2 true'), f.calls.join(', '));
    assert.ok(!f.calls.some((c) => c.startsWith('hook 5')));
    assert.equal(s.driver.ports().find((p) => p.config.port === 5)?.call, leg);
    // The exchange drops the loop on engine port 2: the call on DAHDI/5 ends.
    f.emit({ type: 'disconnect', port: 2 });
    assert.equal(s.driver.ports().find((p) => p.config.port === 5)?.call, undefined);
    s.stop();
  });

  test('the PBX hanging up on an answered phone drops its loop (DAHDI/5 ringing channel 5, engine port 2)', () => {
    const f = fakeLine();
    const phones: AnalogConfig = { ...DAHDI, ports: [DAHDI.ports[1]!, { port: 7, kind: 'fxs', context: 'phones', extension: '2107' }] };
    const s = AnalogService.start(deps(phones, f.binding).deps) as AnalogService;
    const leg = s.driver.request('7', { callerId: { number: '2000', name: 'Alice' } }, {});
    assert.ok(typeof leg === 'object');
    assert.ok(f.calls.includes('ring 2 true'), f.calls.join(', '));
    f.emit({ type: 'offhook', port: 2 });
    assert.equal(leg.state, 'Up');
    assert.ok(!f.calls.includes('disconnect 2'));
    leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    assert.ok(f.calls.includes('disconnect 2'), f.calls.join(', '));
    s.stop();
  });

  test('AnalogEngine translates both ways and refuses a number it does not have', () => {
    const f = fakeLine();
    const e = new AnalogEngine(f.binding, { backend: 'dahdi', ports: ['fxs', 'fxo'], numbers: [3, 8], country: 'us' });
    const seen: NativeLineEvent[] = [];
    e.onEvent((ev) => seen.push(ev));
    e.start();
    f.emit({ type: 'offhook', port: 1 });
    f.emit({ type: 'callerid', port: 2, number: '5551212', name: 'X' });
    assert.deepEqual(seen, [
      { type: 'offhook', port: 3 },
      { type: 'callerid', port: 8, number: '5551212', name: 'X' },
    ]);
    e.ring(3, true);
    e.setHook(8, true);
    e.writeAudio(8, new Int16Array(160));
    assert.deepEqual(f.calls, ['ring 1 true', 'hook 2 true', 'write 2']);
    assert.throws(() => e.ring(1, true), /no port 1/);
    assert.throws(() => new AnalogEngine(f.binding, { ports: ['fxs', 'fxo'], numbers: [3, 3], country: 'us' }), /must differ/);
  });

  test("a start that fails leaves the PBX without analog ports and says why; the backend's warnings are logged", () => {
    const bad = fakeLine();
    bad.failStartWith('lineEngine.start: DAHDI is not loaded (no /dev/dahdi/channel): load the dahdi modules (modprobe dahdi) and configure the channels with dahdi_cfg');
    const r = AnalogService.start(deps(DAHDI, bad.binding).deps);
    assert.equal(r, 'the line engine failed to start: DAHDI is not loaded (no /dev/dahdi/channel): load the dahdi modules (modprobe dahdi) and configure the channels with dahdi_cfg');

    const good = fakeLine();
    const { deps: d, warnings } = deps(DAHDI, good.binding);
    const s = AnalogService.start(d) as AnalogService;
    assert.deepEqual(warnings, ["DAHDI tone zone 'de' is not loaded (system.conf loadzone=de): channels keep the default zone"]);
    s.stop();
  });

  test('on the real addon without DAHDI the service returns the reason', () => {
    const dev = missingDevice();
    try {
      const r = AnalogService.start({ ...deps(DAHDI, requireBinding()).deps, devicePath: dev.path });
      assert.equal(typeof r, 'string');
      assert.match(String(r), requireBinding().dahdiSupport ? NOT_LOADED : NO_HEADERS);
    } finally {
      dev.done();
    }
  });
});
