import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { QualifyMonitor, targetFromBindings } from '../../../src/sip/registrar/qualify.ts';
import type { OptionsOutcome, QualifyStatus, QualifyTarget } from '../../../src/sip/registrar/qualify.ts';

const TARGET: QualifyTarget = { uri: 'sip:2000@192.0.2.10:5060', reach: { protocol: 'UDP', address: '192.0.2.10', port: 5060 } };

/** Lets promise callbacks run after the fake clock fired timers. */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** A peer that answers `plan[i]` after `delay[i]` ms of fake time (or never). */
function setup(plan: { after?: number; outcome: OptionsOutcome | 'never' }[], opts: { frequencyMs?: number; retryMs?: number } = {}) {
  const clock = new FakeClock();
  const sent: string[] = [];
  const changes: [string, string, string][] = [];
  let i = 0;
  const monitor = new QualifyMonitor({
    clock,
    frequencyMs: opts.frequencyMs ?? 60_000,
    retryMs: opts.retryMs ?? 10_000,
    timeoutMs: 2000,
    guardMs: 40_000,
    sendOptions: (peer, target) => {
      sent.push(`${peer} ${target.uri}`);
      const step = plan[Math.min(i++, plan.length - 1)]!;
      return new Promise<OptionsOutcome>((resolve) => {
        if (step.outcome === 'never') return;
        const outcome = step.outcome;
        clock.setTimeout(() => resolve(outcome), step.after ?? 0);
      });
    },
    onChange: (peer, from: QualifyStatus, to: QualifyStatus) => changes.push([peer, from.state, to.state]),
  });
  /** Moves fake time timer by timer, letting promise callbacks run (and schedule) in between. */
  async function advance(ms: number) {
    const end = clock.now() + ms;
    for (;;) {
      await settle();
      const next = clock.nextAt();
      if (next === undefined || next > end) break;
      clock.advance(next - clock.now());
    }
    clock.advance(end - clock.now());
    await settle();
  }
  return { clock, monitor, sent, changes, advance };
}

describe('QualifyMonitor', () => {
  test('UNKNOWN before the first check, then OK with the round trip', async () => {
    const { monitor, sent, advance, changes, clock } = setup([{ after: 12, outcome: { status: 200 } }]);
    monitor.watch('2000', true, () => TARGET);
    assert.equal(monitor.describe('2000'), 'UNKNOWN');
    await advance(20);
    assert.deepEqual(sent, ['2000 sip:2000@192.0.2.10:5060']);
    assert.equal(monitor.describe('2000'), 'OK (12 ms)');
    assert.equal(monitor.status('2000')?.rttMs, 12);
    assert.deepEqual(changes, [['2000', 'UNKNOWN', 'OK']]);
    monitor.close();
    assert.equal(clock.pending(), 0);
  });

  test('any answer but 408 means reachable; slower than the limit is LAGGED', async () => {
    const { monitor, advance } = setup([{ after: 5, outcome: { status: 404 } }, { after: 2500, outcome: { status: 200 } }], { frequencyMs: 1000 });
    monitor.watch('2000', true, () => TARGET);
    await advance(10);
    assert.equal(monitor.describe('2000'), 'OK (5 ms)');
    await advance(1000 + 2500);
    assert.equal(monitor.describe('2000'), 'LAGGED (2500 ms)');
    monitor.close();
  });

  test('qualify=N sets the limit per peer', async () => {
    const { monitor, advance } = setup([{ after: 150, outcome: { status: 200 } }]);
    monitor.watch('2000', 100, () => TARGET);
    await advance(200);
    assert.equal(monitor.status('2000')?.state, 'LAGGED');
    assert.equal(monitor.status('2000')?.maxMs, 100);
    monitor.close();
  });

  test('timeout, 408 and transport errors are UNREACHABLE, retried sooner, and recover', async () => {
    const { monitor, advance, changes, sent } = setup(
      [{ outcome: 'timeout', after: 32_000 }, { outcome: { status: 408 } }, { outcome: 'error' }, { after: 3, outcome: { status: 200 } }],
      { retryMs: 100 },
    );
    monitor.watch('2000', true, () => TARGET);
    await advance(32_001);
    assert.equal(monitor.describe('2000'), 'UNREACHABLE');
    await advance(101);
    assert.equal(monitor.describe('2000'), 'UNREACHABLE');
    await advance(101);
    assert.equal(monitor.describe('2000'), 'UNREACHABLE');
    await advance(105);
    assert.equal(monitor.describe('2000'), 'OK (3 ms)');
    assert.equal(sent.length, 4);
    assert.deepEqual(changes, [['2000', 'UNKNOWN', 'UNREACHABLE'], ['2000', 'UNREACHABLE', 'OK']]);
    monitor.close();
  });

  test('a sendOptions that never settles is cut off by the guard', async () => {
    const { monitor, advance, clock } = setup([{ outcome: 'never' }]);
    monitor.watch('2000', true, () => TARGET);
    await advance(40_001);
    assert.equal(monitor.describe('2000'), 'UNREACHABLE');
    monitor.close();
    assert.equal(clock.pending(), 0);
  });

  test('a peer without a target (not registered) stays UNKNOWN and sends nothing', async () => {
    const { monitor, advance, sent } = setup([{ outcome: { status: 200 } }]);
    let target: QualifyTarget | undefined;
    monitor.watch('2000', true, () => target);
    await advance(10);
    assert.equal(monitor.describe('2000'), 'UNKNOWN');
    assert.deepEqual(sent, []);
    target = TARGET;
    const checked = monitor.checkNow('2000');
    await advance(1);
    assert.equal((await checked)?.state, 'OK');
    assert.equal(monitor.describe('nobody'), 'Unmonitored');
    assert.deepEqual(targetFromBindings([{ contact: TARGET.uri, reach: TARGET.reach }]), TARGET);
    assert.equal(targetFromBindings([]), undefined);
    monitor.unwatch('2000');
    assert.equal(monitor.describe('2000'), 'Unmonitored');
    monitor.close();
  });

  test('an answer arriving after unwatch is ignored', async () => {
    const { monitor, advance, changes, clock } = setup([{ after: 50, outcome: { status: 200 } }]);
    monitor.watch('2000', true, () => TARGET);
    await advance(10);
    monitor.unwatch('2000');
    await advance(100);
    assert.deepEqual(changes, []);
    assert.equal(monitor.status('2000'), undefined);
    monitor.close();
    assert.equal(clock.pending(), 0);
  });
});
