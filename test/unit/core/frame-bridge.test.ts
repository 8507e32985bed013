/**
 * FrameBridge: one 20 ms frame each way per media clock tick, bounded queues (latency does not
 * grow when one side sends faster), copied frames, digits passed across, nothing after stop().
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameBridge, type FrameEndpoint } from '../../../src/core/frame-bridge.ts';
import { ManualMediaClock } from '../../../src/media/manual-clock.ts';
import type { AudioFrame } from '../../../src/media/frame.ts';

function endpoint(failDigits = false) {
  const sent: AudioFrame[] = [];
  const digits: string[] = [];
  let frameCb: ((f: AudioFrame) => void) | undefined;
  let digitCb: ((d: string) => void) | undefined;
  const ep: FrameEndpoint = {
    send: (f) => sent.push(f),
    onFrame: (cb) => {
      frameCb = cb;
      return () => (frameCb = undefined);
    },
    onDigit: (cb) => {
      digitCb = cb;
      return () => (digitCb = undefined);
    },
    sendDigit: (d) => {
      digits.push(d);
      return failDigits ? Promise.reject(new Error('telephone-event was not negotiated')) : Promise.resolve();
    },
  };
  return {
    ep,
    sent,
    digits,
    hear: (f: AudioFrame) => frameCb?.(f),
    press: (d: string) => digitCb?.(d),
    get listening() {
      return frameCb !== undefined || digitCb !== undefined;
    },
  };
}

const ulaw = (n: number): AudioFrame => ({ format: 'ulaw', timestamp: n * 160, data: new Uint8Array(160).fill(n) });
const slin = (n: number): AudioFrame => ({ format: 'slin', timestamp: n * 160, data: new Int16Array(160).fill(n) });

describe('FrameBridge', () => {
  test('moves one frame each way per tick, in order, once two are queued', () => {
    const clock = new ManualMediaClock();
    const a = endpoint();
    const b = endpoint();
    new FrameBridge(a.ep, b.ep, clock);
    a.hear(ulaw(1));
    a.hear(ulaw(2));
    b.hear(slin(7));
    assert.equal(b.sent.length, 0, 'nothing moves between ticks');
    clock.tick();
    assert.deepEqual(b.sent.map((f) => f.data[0]), [1]);
    assert.equal(a.sent.length, 0, 'one frame is not enough to start: it waits for a second');
    b.hear(slin(8));
    clock.tick();
    assert.deepEqual(b.sent.map((f) => f.data[0]), [1, 2]);
    assert.deepEqual(a.sent.map((f) => f.data[0]), [7]);
    a.hear(ulaw(3));
    clock.tick();
    assert.deepEqual(b.sent.map((f) => f.data[0]), [1, 2, 3], 'while primed, a single queued frame goes');
    assert.deepEqual(a.sent.map((f) => f.data[0]), [7, 8]);
  });

  test('a side that ran dry waits for two frames again (jitter buffer), so late packets do not make a gap each time', () => {
    const clock = new ManualMediaClock();
    const a = endpoint();
    const b = endpoint();
    new FrameBridge(a.ep, b.ep, clock);
    a.hear(ulaw(1));
    a.hear(ulaw(2));
    clock.tick(3);
    assert.deepEqual(b.sent.map((f) => f.data[0]), [1, 2]);
    a.hear(ulaw(3));
    clock.tick();
    assert.equal(b.sent.length, 2, 'dry: one frame is held back');
    a.hear(ulaw(4));
    clock.tick(2);
    assert.deepEqual(b.sent.map((f) => f.data[0]), [1, 2, 3, 4]);
  });

  test('a side sending faster than the clock loses its oldest frames, not latency', () => {
    const clock = new ManualMediaClock();
    const a = endpoint();
    const b = endpoint();
    const bridge = new FrameBridge(a.ep, b.ep, clock, { maxQueued: 2 });
    for (let i = 1; i <= 5; i++) a.hear(ulaw(i));
    clock.tick(3);
    assert.deepEqual(b.sent.map((f) => f.data[0]), [4, 5]);
    assert.equal(bridge.stats.dropped, 3);
    assert.equal(bridge.stats.aToB, 2);
  });

  test('frames are copied: a reused receive buffer does not change what is sent', () => {
    const clock = new ManualMediaClock();
    const a = endpoint();
    const b = endpoint();
    new FrameBridge(a.ep, b.ep, clock);
    const shared = ulaw(3);
    a.hear(shared);
    (shared.data as Uint8Array).fill(9);
    a.hear(ulaw(4));
    clock.tick();
    assert.equal(b.sent[0]!.data[0], 3);
  });

  test('digits cross both ways; a refused digit is reported, not thrown', async () => {
    const clock = new ManualMediaClock();
    const a = endpoint();
    const b = endpoint(true);
    const errors: string[] = [];
    new FrameBridge(a.ep, b.ep, clock, {}, (m) => errors.push(m));
    a.press('5');
    b.press('#');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(b.digits, ['5']);
    assert.deepEqual(a.digits, ['#']);
    assert.match(errors[0] ?? '', /DTMF 5 not passed on: telephone-event was not negotiated/);
  });

  test('stop() unsubscribes from both legs and the clock', () => {
    const clock = new ManualMediaClock();
    const a = endpoint();
    const b = endpoint();
    const bridge = new FrameBridge(a.ep, b.ep, clock);
    a.hear(ulaw(1));
    bridge.stop();
    bridge.stop();
    clock.tick();
    assert.equal(b.sent.length, 0);
    assert.equal(a.listening || b.listening, false);
    assert.equal(bridge.running, false);
  });
});
