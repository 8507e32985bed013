import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { createLogger } from '../../../src/log/index.ts';
import { BoundedQueue } from '../../../src/log/bounded-queue.ts';
import type { RingEntry } from '../../../src/log/ring.ts';

function setup(ringSize = 1000) {
  const out: string[] = [];
  const log = createLogger({
    hostname: 'pbx1',
    stdout: { verbose: 3 },
    ringSize,
    clock: new FakeClock(Date.UTC(2026, 10, 23, 12, 0, 1)),
    timeZone: 'utc',
    stdoutWrite: (s) => out.push(s),
  });
  return { log, out };
}

const text = (e: RingEntry): string => e.line.replace(/^\[[^\]]+\] /, '');

describe('log ring', () => {
  test('tail(n) returns the newest n console lines, oldest first, with severity and level', async () => {
    const { log } = setup();
    log.child('sip').notice('first');
    log.verbose(2, 'second');
    log.error('third');
    const t = log.ring.tail(2);
    assert.deepEqual(t.map(text), ['  == second', `ERROR[${process.pid}] core: third`]);
    assert.deepEqual(
      t.map((e) => [e.severity, e.level]),
      [
        ['verbose', 2],
        ['error', 0],
      ],
    );
    assert.equal(log.ring.tail(10)[0].module, 'sip');
    assert.ok(t[0].seq < t[1].seq);
    await log.close();
  });

  test('the ring is bounded: the oldest lines are evicted', async () => {
    const { log } = setup(1000);
    for (let i = 1; i <= 1005; i++) log.notice(`line ${i}`);
    const all = log.ring.tail(5000);
    assert.equal(all.length, 1000);
    assert.match(all[0].line, /line 6$/);
    assert.match(all[999].line, /line 1005$/);
    await log.close();
  });

  test('tail can filter by a reader verbosity', async () => {
    const { log } = setup();
    log.verbose(1, 'v1');
    log.verbose(3, 'v3');
    log.notice('n');
    assert.deepEqual(
      log.ring.tail(10, 1).map((e) => e.line.split(' ').at(-1)),
      ['v1', 'n'],
    );
    assert.equal(log.ring.tail(10).length, 3);
    await log.close();
  });

  test('subscribe delivers new lines at the subscriber verbosity until unsubscribed', async () => {
    const { log } = setup();
    const seen: string[] = [];
    const unsubscribe = log.ring.subscribe((e) => seen.push(e.line.split(' ').at(-1) ?? ''), 2);
    log.verbose(2, 'two');
    log.verbose(3, 'three');
    log.warning('w');
    unsubscribe();
    unsubscribe();
    log.notice('after');
    assert.deepEqual(seen, ['two', 'w']);
    assert.equal(log.stats().ring.subscribers, 0);
    await log.close();
  });

  test('a more verbose subscriber raises capture while attached; stdout is unaffected', async () => {
    const { log, out } = setup(); // console verbose 3
    const seen: string[] = [];
    log.verbose(5, 'before');
    assert.equal(log.ring.length, 0, 'verbose 5 not captured at console 3');
    const off = log.ring.subscribe((e) => seen.push(e.line), { verbose: 5, debug: 1 });
    assert.equal(log.isVerbose(5), true);
    log.verbose(5, 'during');
    log.debug(1, 'dbg');
    assert.equal(seen.length, 2);
    assert.equal(out.length, 0, 'stdout stays at verbose 3, debug 0');
    off();
    assert.equal(log.isVerbose(5), false);
    log.verbose(5, 'after');
    assert.equal(log.ring.length, 2);
    await log.close();
  });

  test('close() drops subscribers', async () => {
    const { log } = setup();
    const seen: RingEntry[] = [];
    log.ring.subscribe((e) => seen.push(e), 3);
    await log.close();
    assert.equal(log.ring.subscriberCount, 0);
  });
});

describe('BoundedQueue', () => {
  test('push evicts the oldest when full and reports it; shift and at follow FIFO order', () => {
    const q = new BoundedQueue<number>(3);
    assert.equal(q.push(1), false);
    q.push(2);
    q.push(3);
    assert.equal(q.push(4), true);
    assert.deepEqual(q.toArray(), [2, 3, 4]);
    assert.equal(q.at(0), 2);
    assert.equal(q.at(3), undefined);
    assert.equal(q.shift(), 2);
    q.push(5);
    assert.deepEqual(q.drain(), [3, 4, 5]);
    assert.equal(q.length, 0);
    assert.equal(q.shift(), undefined);
  });

  test('resize keeps the newest items', () => {
    const q = new BoundedQueue<number>(5);
    for (let i = 1; i <= 5; i++) q.push(i);
    assert.equal(q.resize(2), 3);
    assert.deepEqual(q.toArray(), [4, 5]);
    q.resize(4);
    q.push(6);
    assert.deepEqual(q.toArray(), [4, 5, 6]);
    assert.throws(() => new BoundedQueue(0), RangeError);
  });
});
