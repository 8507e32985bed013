/**
 * The line engine under bad input (issue #5: a port that vanishes, an event storm or a JS stall
 * of 100 ms loses no caller ID and crashes nothing), through the real addon and the sim:
 *  - a storm of 1,000 hook flips collapses to the transitions JS has not seen, and the caller ID
 *    that follows arrives exact;
 *  - the same storm while JS is busy for 100 ms as the caller ID is decoded, with a 10-slot queue
 *    and audio flowing: nothing is lost, the audio rings absorb the stall;
 *  - a port unplugged during a call: the call ends (CHANUNAVAIL), the port is unavailable, the
 *    other ports keep working, and plugging it back makes it usable again;
 *  - an unplug/plug storm crashes nothing and leaves the right final state.
 * JS "stalls" by spinning on the engine's own counters, so what the engine did meanwhile is
 * known exactly; bounds on waits only guard against hanging, they are never the assertion.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lineBinding, sleep, until, withEngine } from './binding.ts';
import { AnalogEngine } from '../../../src/analog/engine.ts';
import type { AnalogEvent } from '../../../src/analog/engine.ts';
import { parseSimCommand } from '../../../src/analog/sim-command.ts';
import type { NativeSimCommand } from '../../../src/platform/native.ts';
import { DahdiDriver } from '../../../src/channels/dahdi-driver.ts';
import type { DahdiChannel } from '../../../src/channels/dahdi-channel.ts';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { ManualMediaClock } from '../../../src/media/manual-clock.ts';
import { silentLogger } from '../../../src/log/index.ts';
import { HANGUP_CAUSES, dialStatusForCause, type HangupCause } from '../../../src/core/hangup-causes.ts';




/** The JS thread busy (no event can reach it) until `done` holds and at least `minMs` passed. */
function spin(done: () => boolean, minMs = 0, boundMs = 10_000): void {
  const start = performance.now();
  for (;;) {
    const elapsed = performance.now() - start;
    if ((done() && elapsed >= minMs) || elapsed > boundMs) return;
  }
}

/** A console line (`sim line 2 ring ...`) as the engine command it becomes. */
function sim(text: string): NativeSimCommand {
  const p = parseSimCommand(text);
  if (!p.ok) assert.fail(p.error);
  return p.command;
}


const hookOf = (events: AnalogEvent[], port: number): string[] =>
  events.filter((ev) => ev.port === port && (ev.type === 'offhook' || ev.type === 'onhook')).map((ev) => ev.type);

/** 1,000 offhook/onhook flips of sim phone 1 (ends on hook), while JS cannot take events. */
function hookStorm(e: AnalogEngine): void {
  const before = e.stats().commands;
  for (let i = 0; i < 1000; i++) e.sim(sim(`phone 1 ${i % 2 === 0 ? 'offhook' : 'onhook'}`));
  spin(() => e.stats().commands >= before + 1000);
}

describe('line engine under bad input', () => {
  test('a 1,000-flip hook storm on port 1, then `sim line 2 ring`: the caller ID arrives exact, the hook state is right', async () => {
    await withEngine({ ports: ['fxs', 'fxo'], country: 'us', periodMs: 2 }, async (e, events) => {
      hookStorm(e);
      e.sim(sim('line 2 ring 5551234 "JOHN DOE"'));
      await until(() => events.some((ev) => ev.type === 'callerid'));
      assert.deepEqual(events.filter((ev) => ev.type === 'callerid'), [{ type: 'callerid', port: 2, number: '5551234', name: 'JOHN DOE' }]);
      // JS saw the phone go off hook and come back: the final state, as the sim phone has it.
      assert.deepEqual(hookOf(events, 1), ['offhook', 'onhook']);
      assert.equal(e.simShow()[0]?.state, 'onhook');
      const s = e.stats();
      assert.equal(s.eventsCoalesced, 998);
      assert.equal(s.eventsDropped, 0, 'nothing lost');
    });
  });

  test('a hook storm while JS is busy for 100 ms as the caller ID is decoded, with a 10-slot queue and audio flowing', async () => {
    await withEngine({ ports: ['fxs', 'fxo'], country: 'us', periodMs: 2, eventQueueSize: 10 }, async (e, events) => {
      e.sim(sim('phone 1 offhook'));
      await until(() => hookOf(events, 1).length > 0);
      // Audio both ways on port 1 and from the line on port 2, batched every 20 ms.
      const block = new Int16Array(1600).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
      const scratch = new Int16Array(32768);
      let heard = 0;
      const pump = setInterval(() => {
        e.writeAudio(1, block);
        heard += e.readAudio(1, scratch);
        e.readAudio(2, scratch);
      }, 20);
      try {
        // What piled up before anyone read is not the stall's: count from the first reads on.
        await until(() => heard > 0);
        await sleep(60);
        const droppedBefore = e.stats().rxDroppedSamples;
        let stalled = false;
        e.onEvent((ev) => {
          if (ev.type !== 'ringEnd' || stalled) return;
          stalled = true;
          // Bell 202 caller ID is sent 500 ms into the pause after the first ring: JS storms the
          // phone's hook 1,000 times (ending off hook) and stays busy for 100 ms and until the
          // engine has decoded the caller ID (offhook + ringBegin + ringEnd + 1,000 flips +
          // callerid): a full queue would have dropped it.
          for (let i = 0; i < 1000; i++) e.sim(sim(`phone 1 ${i % 2 === 0 ? 'onhook' : 'offhook'}`));
          spin(() => e.stats().events >= 1004, 100);
        });
        e.sim(sim('line 2 ring 5551234 "JOHN DOE"'));
        await until(() => events.some((ev) => ev.type === 'callerid'));
        assert.equal(stalled, true, 'JS was busy while the caller ID came');
        assert.deepEqual(events.filter((ev) => ev.port === 2).map((ev) => ev.type), ['ringBegin', 'ringEnd', 'callerid']);
        // The storm JS slept through: the phone went on hook and is off hook again, as it is.
        assert.deepEqual(hookOf(events, 1), ['offhook', 'onhook', 'offhook']);
        assert.equal(e.simShow()[0]?.state, 'offhook');
        assert.equal(e.stats().eventsCoalesced, 998);
        assert.deepEqual(events.find((ev) => ev.type === 'callerid'), { type: 'callerid', port: 2, number: '5551234', name: 'JOHN DOE' });
        const before = heard;
        await until(() => heard > before + 1600);
        assert.ok(heard > before, 'audio flows after the stall');
        const s = e.stats();
        assert.equal(s.eventsDropped, 0);
        assert.equal(s.rxDroppedSamples, droppedBefore, 'the audio rings absorbed the stall');
        assert.ok(s.eventBacklogMax >= 3, 'JS took what piled up during the stall in one wake-up');
      } finally {
        clearInterval(pump);
      }
    });
  });

  test('unplugging a phone during a call ends it (CHANUNAVAIL), the port is unavailable, the others work; plugging it back makes it usable', async () => {
    await withEngine({ ports: ['fxs', 'fxs', 'fxo'], country: 'us', periodMs: 2 }, async (e, events) => {
      const routed: DahdiChannel[] = [];
      const driver = new DahdiDriver({
        engine: e,
        ports: [
          { port: 1, kind: 'fxs', context: 'phones', extension: '2100' },
          { port: 2, kind: 'fxs', context: 'phones', extension: '2101' },
          { port: 3, kind: 'fxo', context: 'from-pstn', group: 1 },
        ],
        clock: new FakeClock(),
        mediaClock: new ManualMediaClock(),
        log: silentLogger('dahdi'),
        match: (_ctx, digits) => ({ exists: digits === '2000', canMatchMore: '2000'.startsWith(digits) && digits !== '2000' }),
        exists: (ctx, exten) => ctx === 'from-pstn' && exten === 's',
        route: (ch) => routed.push(ch),
      });
      try {
        e.sim(sim('phone 1 offhook'));
        e.sim(sim('phone 1 dial 2000'));
        await until(() => routed.length === 1);
        const call = routed[0]!;
        const ended: HangupCause[] = [];
        call.onHangup((c) => ended.push(c));

        e.sim(sim('phone 1 unplug'));
        await until(() => ended.length > 0);
        assert.deepEqual(ended, [HANGUP_CAUSES.SUBSCRIBER_ABSENT]);
        assert.equal(dialStatusForCause(ended[0]!), 'CHANUNAVAIL');
        assert.equal(driver.ports()[0]?.gone, true);
        assert.equal(driver.ports()[0]?.state, 'gone');
        const refused = driver.request('1', { callerId: { number: '2101' } }, {});
        assert.equal(refused, HANGUP_CAUSES.SUBSCRIBER_ABSENT, 'Dial(DAHDI/1) -> CHANUNAVAIL');
        await until(() => e.simShow()[0]?.state === 'unplugged');
        assert.equal(e.simShow()[0]?.state, 'unplugged');
        assert.equal(e.stats().portsGone, 1);

        // The engine still serves the other ports: phone 2 dials, the line rings with caller ID.
        e.sim(sim('phone 2 offhook'));
        e.sim(sim('phone 2 dial 2000'));
        await until(() => routed.length === 2);
        assert.equal(routed[1]?.port, 2);
        e.sim(sim('line 3 ring 5551234 "JOHN DOE"'));
        await until(() => routed.length === 3);
        assert.deepEqual(routed[2]?.callerId, { number: '5551234', name: 'JOHN DOE' });
        // A gone phone says nothing; the console refuses to drive it.
        const rejected = e.stats().simRejected;
        e.sim(sim('phone 1 offhook'));
        await until(() => e.stats().simRejected > rejected);
        assert.equal(e.stats().lastSimError, 'phone 1 is unplugged');

        e.sim(sim('phone 1 plug'));
        await until(() => driver.ports()[0]?.gone === false);
        assert.equal(driver.ports()[0]?.state, 'idle');
        assert.equal(e.stats().portsGone, 0);
        const leg = driver.request('1', { callerId: { number: '2101', name: 'DESK' } }, {});
        assert.equal(typeof leg, 'object', 'Dial(DAHDI/1) rings the phone again');
        await until(() => e.simShow()[0]?.state === 'ringing');
        assert.equal(e.simShow()[0]?.state, 'ringing');
        assert.deepEqual(
          events.filter((ev) => ev.port === 1 && (ev.type === 'portGone' || ev.type === 'portBack')).map((ev) => ev.type),
          ['portGone', 'portBack'],
        );
      } finally {
        driver.close();
      }
    });
  });

  test('an unplug/plug storm on every port while they ring and JS is busy crashes nothing and ends in the right state', async () => {
    await withEngine({ ports: ['fxs', 'fxo'], country: 'us', periodMs: 1 }, async (e, events) => {
      e.ring(1, true, '5551234', 'JOHN DOE');
      e.sim(sim('line 2 ring 5551234 "JOHN DOE"'));
      const before = e.stats().commands;
      for (let i = 0; i < 500; i++) {
        const action = i % 2 === 0 ? 'unplug' : 'plug';
        e.sim(sim(`phone 1 ${action}`));
        e.sim(sim(`line 2 ${action}`));
        e.ring(1, true, '5551234', 'JOHN DOE'); // commands for a gone port are ignored
        e.setHook(2, i % 3 === 0);
      }
      e.sim(sim('phone 1 unplug'));
      spin(() => e.stats().commands >= before + 2001);
      await until(() => e.stats().portsGone === 1 && events.filter((ev) => ev.port === 1 && ev.type.startsWith('port')).at(-1)?.type === 'portGone');
      const presence = (port: number): string[] => events.filter((ev) => ev.port === port && ev.type.startsWith('port')).map((ev) => ev.type);
      assert.deepEqual(presence(1), ['portGone'], 'port 1 ends gone: the flips JS never saw cancel out');
      assert.deepEqual(presence(2), ['portGone', 'portBack'], 'port 2 ends back');
      assert.equal(e.stats().running, true);
      assert.equal(e.stats().eventsDropped, 0);
      // The sim thread may still be applying the last unplug when JS has seen portGone (a loaded host).
      await until(() => e.simShow()[0]?.state === 'unplugged');
      assert.equal(e.simShow()[0]?.state, 'unplugged');
      // Port 2 works again: it rings with caller ID.
      e.setHook(2, false);
      events.length = 0;
      e.sim(sim('line 2 ring 5550000 "AFTER"'));
      await until(() => events.some((ev) => ev.type === 'callerid'));
      assert.deepEqual(events.find((ev) => ev.type === 'callerid'), { type: 'callerid', port: 2, number: '5550000', name: 'AFTER' });
    });
  });

  test('ports nobody reads (no call) fill their ring without counting dropped audio; a stalled reader does count', async () => {
    // 2 ms blocks: the 32768-sample ring (about 4 s of audio) fills in about 0.4 s.
    await withEngine({ ports: ['fxs', 'fxo'], country: 'us', periodMs: 2 }, async (e) => {
      await until(() => e.stats().blocks > 600);
      assert.equal(e.stats().rxDroppedSamples, 0, 'idle ports are not losing anything anyone listens to');
      const scratch = new Int16Array(32768);
      while (e.readAudio(1, scratch) > 0) {
        // a call starts: its reader takes what is there
      }
      // Then the reader stalls while it still counts as listening (silent for less than twice
      // the ring's length): the ring overflows and that is counted.
      spin(() => e.stats().rxDroppedSamples > 0, 0, 2_000);
      assert.ok(e.stats().rxDroppedSamples > 0, 'a reader that stops reading loses audio, and it is counted');
    });
  });
});
