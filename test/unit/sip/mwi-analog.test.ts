/**
 * MWI on analog phones: an FXS port whose mailbox has new messages gets stutter dial tone
 * (indications.conf's dialrecall, as chan_dahdi plays it) and an FSK VMWI message its sim phone
 * decodes (Bell 202 MDMF 0x82/0x0B in the us, ETSI V.23 in the uk). Through the real addon's sim
 * backend (faster than real time); waits are bounded and never assert durations.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { until, withEngine } from '../native/binding.ts';
import { engineTones } from '../../../src/analog/country.ts';
import { formatSimShow } from '../../../src/analog/format.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { MwiService } from '../../../src/runtime/mwi-service.ts';
import type { MessageCounts, SpoolChange } from '../../../src/store/voicemail-types.ts';
import { FakeTransactions } from './mwi-helpers.ts';

describe('analog message waiting', () => {
  test('every country has a stutter dial tone: three 100 ms bursts of its dial tone, then steady', () => {
    for (const country of ['us', 'uk', 'de', 'it', 'au']) {
      const tones = engineTones(country);
      const dial = tones.find((t) => t.name === 'dial')!;
      const stutter = tones.find((t) => t.name === 'dialrecall')!;
      assert.ok(stutter, country);
      const f = dial.parts.find((p) => p.f1 || p.f2)!;
      assert.deepEqual(
        stutter.parts.map((p) => [p.f1, p.f2, p.ms]),
        [[f.f1, f.f2, 100], [0, 0, 100], [f.f1, f.f2, 100], [0, 0, 100], [f.f1, f.f2, 100], [0, 0, 100], [f.f1, f.f2, 0]],
        country,
      );
    }
  });

  for (const country of ['us', 'uk']) {
    test(`${country}: a waiting box makes the sim phone hear stutter dial tone; none, plain dial tone`, async () => {
      await withEngine({ ports: ['fxs', 'fxs'], country, periodMs: 2 }, async (e) => {
        e.setMessageWaiting(1, true);
        for (const port of [1, 2]) {
          e.sim({ target: 'phone', port, action: 'offhook' });
          e.playTone(port, 'dial');
        }
        const hears = (port: number): string => e.simShow().find((p) => p.port === port)?.hears ?? '';
        await until(() => hears(1) === 'dialrecall' && hears(2) === 'dial');
        assert.equal(hears(1), 'dialrecall');
        assert.equal(hears(2), 'dial');
        assert.match(formatSimShow(e.simShow()), /^1\s+phone\s+offhook\s+stutter dial/m);
      });
    });

    test(`${country}: FSK VMWI reaches the on-hook sim phone (lamp on, then off) and shows on sim show`, async () => {
      await withEngine({ ports: ['fxs'], country, periodMs: 2 }, async (e) => {
        const lamp = (): string => e.simShow()[0]?.vmwi ?? '';
        assert.equal(lamp(), '');
        e.setMessageWaiting(1, true);
        await until(() => lamp() === 'on');
        assert.equal(lamp(), 'on');
        assert.match(formatSimShow(e.simShow()), /VMWI on/);
        e.setMessageWaiting(1, false);
        await until(() => lamp() === 'off');
        assert.equal(lamp(), 'off');
        assert.equal(e.simShow()[0]?.callerNumber, '', 'a VMWI message is not a caller ID');
      });
    });
  }

  test('the MWI service switches FXS ports when their box gains or loses new messages, once per change', () => {
    const listeners = new Set<(c: SpoolChange) => void>();
    const boxes = new Map<string, number>();
    const spool = {
      counts: (context: string, box: string): MessageCounts => ({ newMessages: boxes.get(`${box}@${context}`) ?? 0, oldMessages: 0, urgentNew: 0, urgentOld: 0 }),
      onChange: (l: (c: SpoolChange) => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const set = (box: string, n: number): void => {
      boxes.set(`${box}@default`, n);
      for (const l of listeners) l({ context: 'default', box });
    };
    const calls: [number, boolean][] = [];
    const clock = new FakeClock();
    const mwi = new MwiService({
      clock,
      transactions: new FakeTransactions(),
      advertise: () => ({ host: '127.0.0.1', port: 5060 }),
      peers: () => [],
      contacts: () => [],
      authenticate: () => ({ ok: true, peer: 'x' }),
      respond: () => undefined,
      lines: () => [
        { port: 1, mailbox: '2100@default' },
        { port: 2, mailbox: '2101@default' },
      ],
      setLineWaiting: (port, on) => calls.push([port, on]),
    });
    boxes.set('2101@default', 3);
    mwi.attachSpool(spool);
    assert.deepEqual(calls, [[2, true]], 'at start only a box with new messages is signalled');
    set('2100', 1);
    set('2100', 2);
    set('2999', 1);
    assert.deepEqual(calls.slice(1), [[1, true]]);
    assert.equal(mwi.lineWaiting(1), true);
    set('2100', 0);
    assert.deepEqual(calls.slice(2), [[1, false]]);
    mwi.close();
    assert.equal(clock.pending(), 0);
  });
});
