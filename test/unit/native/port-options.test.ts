/**
 * Per-port options of the native line engine (chan_dahdi.conf's per-channel settings), through
 * the real addon and the sim backend: a port's own caller-ID standard is used to ring its phone
 * and to decode its line; cidStart=polarity listens for caller ID only after a line reversal;
 * busyDetect=false never reports busy; busyCount waits for that many busy cycles. The sim runs
 * faster than real time; "when" is measured in 20 ms blocks of sim audio, never in wall time.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBinding, until } from './binding.ts';
import type { NativeLineEngine, NativeLineEngineOptions, NativeLineEvent } from '../../../src/platform/native.ts';
import { analogCountry } from '../../../src/analog/country.ts';



async function withEngine(
  ports: NativeLineEngineOptions['ports'],
  periodMs: number,
  body: (e: NativeLineEngine, events: NativeLineEvent[]) => Promise<void>,
): Promise<void> {
  const c = analogCountry('us');
  const create = requireBinding().createLineEngine;
  assert.ok(create, 'the addon has a line engine');
  const e = create({ backend: 'sim', ports, country: c.country, tones: c.tones, ringCadenceMs: c.ringCadenceMs, cidStandard: c.cidStandard, periodMs });
  const events: NativeLineEvent[] = [];
  e.start((ev) => events.push(ev));
  try {
    await body(e, events);
  } finally {
    e.stop();
  }
}

const count = (events: NativeLineEvent[], type: NativeLineEvent['type']): number => events.filter((ev) => ev.type === type).length;

describe('line engine per-port options (sim, country us = Bell 202)', () => {
  for (const standard of ['v23', 'dtmf'] as const) {
    test(`an FXS port with cidStandard ${standard} sends its caller ID before the first ring (Bell 202 comes after it)`, async () => {
      await withEngine([{ kind: 'fxs', cidStandard: standard }, 'fxs'], 20, async (e) => {
        e.ring(1, true, '5551234', 'JOHN DOE');
        e.ring(2, true, '5559876', 'JANE ROE');
        const rangBeforeCid = [false, false];
        const shown = (i: number): boolean => e.simShow()[i]?.callerNumber !== '';
        await until(() => {
          const s = e.simShow();
          for (const i of [0, 1]) if (!shown(i) && s[i]?.state === 'ringing') rangBeforeCid[i] = true;
          return shown(0) && shown(1);
        });
        const [one, two] = e.simShow();
        assert.deepEqual([one?.callerNumber, one?.callerName], ['5551234', standard === 'dtmf' ? '' : 'JOHN DOE']);
        assert.deepEqual([two?.callerNumber, two?.callerName], ['5559876', 'JANE ROE']);
        assert.deepEqual(rangBeforeCid, [false, true], `port 1 (${standard}): spill first; port 2 (country's Bell 202): ring first`);
      });
    });
  }

  test('cidStart=polarity: a Bell 202 spill with no line reversal is not listened for; V.23 (reversal first) is decoded', async () => {
    await withEngine([{ kind: 'fxo', cidStart: 'polarity' }, { kind: 'fxo', cidStart: 'polarity', cidStandard: 'v23' }, 'fxo'], 2, async (e, events) => {
      for (const port of [1, 2, 3]) e.sim({ target: 'line', port, action: 'ring', number: '5551234', name: 'JOHN DOE' });
      // Port 3 (cidStart ring, Bell 202 after the first ring) shows the spill has been sent on
      // every line; then wait for the second ring on port 1, after its spill's pause.
      await until(() => events.some((ev) => ev.type === 'callerid' && ev.port === 3));
      await until(() => events.filter((ev) => ev.type === 'ringBegin' && ev.port === 1).length >= 2);
      const cid = events.filter((ev) => ev.type === 'callerid').map((ev) => ev.port).sort();
      assert.deepEqual(cid, [2, 3], 'port 1 heard no reversal, so no caller ID');
      assert.ok(events.some((ev) => ev.type === 'polarity' && ev.port === 2));
    });
  });

  test('busyDetect=false never reports busy; the default port does', async () => {
    await withEngine([{ kind: 'fxo', busyDetect: false }, 'fxo'], 2, async (e, events) => {
      for (const port of [1, 2]) e.setHook(port, true);
      await until(() => e.simShow().every((s) => s.hears === 'dial'));
      const start = e.stats().blocks;
      for (const port of [1, 2]) e.sim({ target: 'line', port, action: 'busy' });
      await until(() => events.some((ev) => ev.type === 'busy' && ev.port === 2));
      // Five seconds of busy tone (five cycles) on port 1 too.
      await until(() => e.stats().blocks >= start + 250);
      assert.ok(e.stats().blocks >= start + 250);
      assert.deepEqual(events.filter((ev) => ev.type === 'busy').map((ev) => ev.port), [2]);
    });
  });

  test('busyCount=3 reports busy only in the third burst (after at least two 1 s cycles of tone)', async () => {
    await withEngine([{ kind: 'fxo', busyCount: 3 }], 10, async (e, events) => {
      e.setHook(1, true);
      await until(() => e.simShow()[0]?.hears === 'dial');
      const start = e.stats().blocks;
      e.sim({ target: 'line', port: 1, action: 'busy' });
      await until(() => count(events, 'busy') > 0);
      const blocks = e.stats().blocks - start;
      assert.equal(count(events, 'busy'), 1);
      assert.ok(blocks >= 100, `busy reported after ${blocks} blocks (20 ms each): two cycles are 100`);
    });
  });
});
