/**
 * MusicOnHold, WaitMusicOnHold, SetMusicOnHold, StartMusicOnHold/StopMusicOnHold on a fake
 * channel: the class's frames reach the channel one per tick, an unknown class falls back to the
 * channel's class then `default` with a warning, nothing stays on the media clock afterwards,
 * and MusicOnHold without a duration lasts until the hangup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { musicOnHoldApplications } from '../../../src/dialplan/apps/music-on-hold.ts';
import type { ApplicationDeps } from '../../../src/dialplan/apps/deps.ts';
import type { AppContext, AppResult } from '../../../src/dialplan/types.ts';
import { MusicOnHold } from '../../../src/apps/moh/moh-service.ts';
import { writeWav } from '../../../src/media/wav.ts';
import { ULAW_ENCODE } from '../../../src/media/g711.ts';
import { find, harness, settle, type Harness } from './apps-media-fixtures.ts';

/** Each class's file is a constant level, so the byte a frame carries names its class. */
const LEVEL: Record<string, number> = { default: 1000, jazz: 5000 };
const byteOf = (cls: string): number => ULAW_ENCODE[LEVEL[cls]! & 0xffff]!;

function setup(): { h: Harness; apps: ReturnType<typeof musicOnHoldApplications>; moh: MusicOnHold } {
  const h = harness();
  const moh = new MusicOnHold({
    clock: h.clock,
    classes: () => [
      { name: 'default', mode: 'files', directory: '/default', sort: 'alpha' },
      { name: 'jazz', mode: 'files', directory: '/jazz', sort: 'alpha' },
    ],
    list: () => ['a.wav'],
    read: (p) => writeWav({ format: 'slin', data: new Int16Array(1600).fill(LEVEL[p.split('/')[1]!]!) }),
  });
  const deps = { moh } as unknown as ApplicationDeps;
  return { h, apps: musicOnHoldApplications(deps), moh };
}

/** The harness's context with a sleep paced by the manual media clock. */
function ctxFor(h: Harness, args: string): AppContext {
  return {
    ...h.ctx(args),
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        let left = Math.round(ms / 20);
        const off = h.clock.onTick(() => {
          if (--left <= 0) {
            off();
            resolve();
          }
        });
      }),
  };
}

async function run(h: Harness, app: ReturnType<typeof find>, args: string, ticks: number): Promise<AppResult | undefined> {
  let result: AppResult | undefined;
  void app.run(ctxFor(h, args)).then((r) => (result = r));
  await settle();
  for (let i = 0; i < ticks && result === undefined; i++) {
    h.clock.tick();
    await settle();
  }
  return result;
}

test('MusicOnHold(class,secs) plays the class one frame per tick, then the dialplan goes on', async () => {
  const { h, apps } = setup();
  const r = await run(h, find(apps, 'MusicOnHold'), 'jazz,0.1', 20);
  assert.deepEqual(r, { kind: 'next' });
  assert.ok(h.media.sent.length >= 4 && h.media.sent.length <= 5, `${h.media.sent.length} frames in 5 ticks`);
  assert.ok(h.media.sent.every((f) => f.format === 'ulaw' && f.data[0] === byteOf('jazz')));
  assert.equal(h.clock.listenerCount, 0, 'nothing left on the media clock');
});

test('SetMusicOnHold sets the class WaitMusicOnHold plays; an unknown class falls back with a warning', async () => {
  const { h, apps } = setup();
  assert.deepEqual(await run(h, find(apps, 'SetMusicOnHold'), 'jazz', 0), { kind: 'next' });
  await run(h, find(apps, 'WaitMusicOnHold'), '0.06', 10);
  assert.ok(h.media.sent.length > 0 && h.media.sent.every((f) => f.data[0] === byteOf('jazz')));
  h.media.sent.length = 0;
  await run(h, find(apps, 'MusicOnHold'), 'nosuch,0.06', 10);
  assert.ok(h.media.sent.length > 0 && h.media.sent.every((f) => f.data[0] === byteOf('jazz')), 'the channel class');
  assert.ok(h.logs.some((l) => l.level === 'warning' && /class 'nosuch' not found, using 'jazz'/.test(l.message)));
  await run(h, find(apps, 'SetMusicOnHold'), '', 0);
  h.media.sent.length = 0;
  await run(h, find(apps, 'MusicOnHold'), 'nosuch,0.06', 10);
  assert.ok(h.media.sent.length > 0 && h.media.sent.every((f) => f.data[0] === byteOf('default')), 'then default');
});

test('MusicOnHold without a duration lasts until the hangup; StartMusicOnHold runs beside the dialplan', async () => {
  const { h, apps, moh } = setup();
  let result: AppResult | undefined;
  void find(apps, 'MusicOnHold').run(ctxFor(h, 'default')).then((r) => (result = r));
  await settle();
  h.clock.tick(50);
  await settle();
  assert.equal(result, undefined);
  assert.equal(moh.listeners('default'), 1);
  h.channel.hangup(16);
  await settle();
  assert.deepEqual(result, { kind: 'hangup' });
  assert.equal(h.clock.listenerCount, 0);

  const s = setup();
  assert.deepEqual(await run(s.h, find(s.apps, 'StartMusicOnHold'), 'jazz', 0), { kind: 'next' });
  s.h.clock.tick(3);
  assert.equal(s.h.media.sent.length, 3);
  assert.deepEqual(await run(s.h, find(s.apps, 'StopMusicOnHold'), '', 0), { kind: 'next' });
  s.h.clock.tick(3);
  assert.equal(s.h.media.sent.length, 3, 'stopped');
  assert.equal(s.h.clock.listenerCount, 0);
});
