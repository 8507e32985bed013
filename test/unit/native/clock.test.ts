/**
 * The native media clock against the real addon. Assertions are on counts and ordering; the
 * only time bounds are generous sanity limits, so a loaded CI machine does not make them flaky.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { NativeMediaClock } from '../../../src/media/native-clock.ts';
import { loadNativeBinding } from '../../../src/platform/native.ts';
import { clockThreads, requireBinding, settledClockThreads, sleep, within } from './binding.ts';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // stall the event loop on purpose
  }
}

describe('native media clock', () => {
  test('ticks every 20 ms for 2 s: counts match elapsed time, in order, nothing after stop', async () => {
    const clock = requireBinding().createClock({ periodMs: 20 });
    const seen: number[] = [];
    const lates: number[] = [];
    const t0 = performance.now();
    clock.start((ticks, lateUs) => {
      seen.push(ticks);
      lates.push(lateUs);
    });
    assert.equal(clockThreads(), 1, 'one pbx-clock thread while running');
    await sleep(2000);
    clock.stop();
    const elapsed = performance.now() - t0;
    const s = clock.stats();

    assert.ok(Math.abs(s.ticks - elapsed / 20) <= 1, `ticks ${s.ticks} vs ${(elapsed / 20).toFixed(2)} periods elapsed`);
    assert.ok(seen.length >= 50, `at least half the ticks delivered (got ${seen.length})`);
    assert.ok(seen[0] >= 1);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `tick ${seen[i]} after ${seen[i - 1]}`);
    assert.ok(seen[seen.length - 1] <= s.ticks);
    assert.equal(s.deliveries, seen.length);
    assert.ok(lates.every((l) => l >= 0 && l < 1_000_000), 'lateness is positive and below a generous 1 s');
    assert.equal(s.running, false);
    assert.equal(await settledClockThreads(0), 0, 'the thread is joined by stop()');

    const after = seen.length;
    await sleep(100);
    assert.equal(seen.length, after, 'no callback after stop()');
  });

  test('stats are present and consistent', async () => {
    const clock = requireBinding().createClock({ periodMs: 10 });
    clock.start(() => {});
    await sleep(300);
    const running = clock.stats();
    clock.stop();
    const s = clock.stats();
    assert.equal(running.running, true);
    assert.equal(s.periodMs, 10);
    for (const k of ['ticks', 'overruns', 'deliveries', 'droppedDeliveries', 'maxLateUs', 'p50LateUs', 'p99LateUs', 'maxWakeLateUs', 'p50WakeLateUs', 'p99WakeLateUs'] as const) {
      assert.equal(typeof s[k], 'number', k);
      assert.ok(s[k] >= 0, `${k} >= 0`);
    }
    assert.ok(s.ticks >= running.ticks && s.ticks > 0);
    assert.ok(s.deliveries <= s.ticks);
    assert.ok(s.p50LateUs <= s.p99LateUs && s.p99LateUs <= s.maxLateUs);
    assert.ok(s.p50WakeLateUs <= s.p99WakeLateUs && s.p99WakeLateUs <= s.maxWakeLateUs);
    assert.equal(typeof s.realtime, 'boolean');
    assert.equal(typeof s.realtimeError, 'string');
    if (s.realtime) assert.equal(s.realtimeError, '');
    else assert.notEqual(s.realtimeError, '', 'a refused SCHED_FIFO says why');
  });

  test('realtime: false stays SCHED_OTHER; restart counts from 1 again; double start throws', async () => {
    const clock = requireBinding().createClock({ periodMs: 5, realtime: false });
    const seen: number[] = [];
    clock.start((t) => seen.push(t));
    assert.throws(() => clock.start(() => {}), /already running/);
    await sleep(100);
    clock.stop();
    assert.equal(clock.stats().realtime, false);
    assert.equal(clock.stats().realtimeError, '');
    const first = seen.length;
    assert.ok(first > 0);
    clock.start((t) => seen.push(t));
    await sleep(60);
    clock.stop();
    clock.stop();
    assert.ok(seen.length > first);
    assert.ok(seen[first] <= 3, `a restarted clock counts from its new start (got ${seen[first]})`);
  });

  test('a JS stall coalesces ticks through the bounded queue; the tick count shows the gap', async () => {
    const r = loadNativeBinding();
    assert.ok(r.ok, 'addon loads');
    const media = new NativeMediaClock(r.binding, { periodMs: 10, queueSize: 1 });
    const seen: number[] = [];
    const off = media.onTick((t) => seen.push(t));
    await sleep(50);
    busy(200);
    await sleep(50);
    off();
    const s = media.stats();
    assert.ok(s.droppedDeliveries > 0, `deliveries dropped while JS stalled (${s.droppedDeliveries})`);
    const gaps = seen.slice(1).map((t, i) => t - seen[i]);
    assert.ok(Math.max(...gaps) > 1, 'listeners see the jump in tick numbers');
    assert.equal(media.overruns, gaps.reduce((a, g) => a + g - 1, 0), 'overruns count exactly the ticks listeners missed');
  });

  test('a stopped clock leaves nothing keeping the process alive; a running one does', async () => {
    const path = (() => {
      const r = loadNativeBinding();
      assert.ok(r.ok, 'addon loads');
      return r.path;
    })();
    const run = (code: string) => {
      const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
      const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
      return { child, exited };
    };
    const stopped = run(
      `const c = require(${JSON.stringify(path)}).createClock(); c.start(() => {}); setTimeout(() => c.stop(), 100);`,
    );
    const stoppedCode = await within(stopped.exited, 10_000);
    if (stoppedCode === 'timeout') stopped.child.kill('SIGKILL');
    assert.equal(stoppedCode, 0, 'exits by itself after stop()');

    const exiting = run(
      `const c = require(${JSON.stringify(path)}).createClock({ periodMs: 1 }); c.start(() => {}); setTimeout(() => process.exit(7), 100);`,
    );
    const exitingCode = await within(exiting.exited, 10_000);
    if (exitingCode === 'timeout') exiting.child.kill('SIGKILL');
    assert.equal(exitingCode, 7, 'process.exit() with a running clock tears down cleanly (no abort)');

    const running = run(`require(${JSON.stringify(path)}).createClock().start(() => {});`);
    const runningCode = await within(running.exited, 1000);
    running.child.kill('SIGKILL');
    await running.exited;
    assert.equal(runningCode, 'timeout', 'a running clock keeps its process alive, like a timer');
  });

  test('a worker ending while its clock runs stops that clock thread (environment cleanup hook)', async () => {
    const r = loadNativeBinding();
    assert.ok(r.ok, 'addon loads');
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const c = require(${JSON.stringify(r.path)}).createClock({ periodMs: 5 });
       c.start((t) => { if (t === 3) parentPort.postMessage('ticking'); });`,
      { eval: true },
    );
    await new Promise((res, rej) => {
      worker.once('message', res);
      worker.once('error', rej);
    });
    assert.equal(clockThreads(), 1);
    await worker.terminate();
    assert.equal(await settledClockThreads(0), 0, 'the worker clock thread was joined at teardown');

    // The main environment's addon is unaffected.
    const clock = r.binding.createClock({ periodMs: 5 });
    let n = 0;
    clock.start(() => n++);
    await sleep(50);
    clock.stop();
    assert.ok(n > 0);
  });
});
