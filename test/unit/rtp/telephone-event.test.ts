import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DtmfReceiver, dtmfSendSchedule } from '../../../src/rtp/telephone-event.ts';
import type { DtmfEvent, TelephoneEventPayload } from '../../../src/rtp/telephone-event.ts';

const ev = (event: number, duration: number, end = false): TelephoneEventPayload => ({ event, duration, end, volume: 10 });

describe('DtmfReceiver (RFC 4733 2.5.2)', () => {
  test('the three end packets are reported once; updates extend the duration', () => {
    const out: DtmfEvent[] = [];
    const r = new DtmfReceiver((e) => out.push(e));
    r.receive(1000, ev(1, 160), 0);
    r.receive(1000, ev(1, 400), 50);
    r.receive(1000, ev(1, 800, true), 100);
    r.receive(1000, ev(1, 800, true), 100);
    r.receive(1000, ev(1, 800, true), 100);
    assert.deepEqual(out, [
      { type: 'begin', digit: '1', timestamp: 1000 },
      { type: 'end', digit: '1', timestamp: 1000, durationMs: 100, endReceived: true },
    ]);
  });

  test('a lost start still yields begin+end; a lost end is closed by the next event', () => {
    const out: string[] = [];
    const r = new DtmfReceiver((e) => out.push(`${e.type}:${e.digit}${e.type === 'end' && !e.endReceived ? '?' : ''}`));
    r.receive(500, ev(11, 800, true), 0);
    r.receive(2000, ev(10, 160), 0);
    r.receive(2000, ev(10, 400), 0);
    r.receive(4000, ev(15, 160), 0);
    r.expire();
    r.expire();
    assert.deepEqual(out, ['begin:#', 'end:#', 'begin:*', 'end:*?', 'begin:D', 'end:D?']);
  });

  test('the same digit pressed twice is two events (different timestamps); flash (16) is ignored', () => {
    const out: DtmfEvent[] = [];
    const r = new DtmfReceiver((e) => out.push(e));
    for (const ts of [100, 2000]) {
      r.receive(ts, ev(3, 160), 0);
      r.receive(ts, ev(3, 800, true), 0);
    }
    r.receive(5000, ev(16, 800, true), 0);
    assert.equal(out.filter((e) => e.type === 'begin').length, 2);
    assert.equal(out.length, 4);
  });
});

describe('dtmfSendSchedule (RFC 4733 2.5.1)', () => {
  test('start with marker, 50 ms updates, three end packets with the final duration', () => {
    const s = dtmfSendSchedule('9', 160);
    assert.deepEqual(
      s.map((x) => [x.atMs, x.marker, x.payload.end, x.payload.duration]),
      [
        [0, true, false, 160],
        [50, false, false, 400],
        [100, false, false, 800],
        [150, false, false, 1200],
        [160, false, true, 1280],
        [160, false, true, 1280],
        [160, false, true, 1280],
      ],
    );
    assert.ok(s.every((x) => x.payload.event === 9));
  });
});
