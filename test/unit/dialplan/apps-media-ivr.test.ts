/**
 * The seed's IVR through the real parser, lookup, executor and application registry, with the
 * media applications on a TimerMediaClock driven by the executor harness's FakeClock: the
 * caller's digits during Background and WaitExten pick 1/2, a wrong digit lands in `i`, silence
 * in `t`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TimerMediaClock } from '../../../src/media/clock.ts';
import type { MediaClock } from '../../../src/media/clock.ts';
import { FakeMedia, FakeSounds } from './apps-media-fixtures.ts';
import { channelAt, harness } from './exec-fixtures.ts';

const IVR = `
[ivr]
exten => s,1,Answer()
 same => n,Set(TIMEOUT(digit)=2)
 same => n,Background(menu)
 same => n,WaitExten(4)
exten => 1,1,Set(CHOICE=sales)
 same => n,Hangup()
exten => 2,1,Set(CHOICE=support)
 same => n,Hangup()
exten => 21,1,Set(CHOICE=twentyone)
 same => n,Hangup()
exten => i,1,Set(CHOICE=invalid-\${INVALID_EXTEN})
 same => n,Hangup()
exten => t,1,Set(CHOICE=timeout)
 same => n,Hangup()
`;

async function call(keys: { atMs: number; digits: string }[]): Promise<{ choice: string | undefined; media: FakeMedia }> {
  const media = new FakeMedia();
  // The harness owns the FakeClock, so the media clock on it is created once the harness exists.
  let timer: TimerMediaClock | undefined;
  const clock: MediaClock = {
    intervalMs: 20,
    get overruns() {
      return timer?.overruns ?? 0;
    },
    onTick: (cb) => timer!.onTick(cb),
  };
  const h = harness(IVR, { app: { media: { clock } } });
  timer = new TimerMediaClock(h.clock);
  h.deps.sounds = new FakeSounds({ menu: 100 }); // a 2 s prompt
  const ch = channelAt('s', 'ivr');
  ch.media = media;
  const pending = [...keys];
  await h.run(ch, {
    during: (elapsed) => {
      while (pending.length > 0 && pending[0]!.atMs <= elapsed) media.press(pending.shift()!.digits);
    },
  });
  return { choice: ch.variables.get('CHOICE'), media };
}

describe('the seed IVR over the executor', () => {
  test('2 during the menu prompt goes to extension 2 after TIMEOUT(digit), since 21 exists', async () => {
    const r = await call([{ atMs: 500, digits: '2' }]);
    assert.equal(r.choice, 'support');
    assert.ok(r.media.sent.length < 100, 'the prompt was cut by the digit');
  });

  test('1 goes to sales at once', async () => {
    assert.equal((await call([{ atMs: 300, digits: '1' }])).choice, 'sales');
  });

  test('2 then 1 goes to 21', async () => {
    assert.equal((await call([{ atMs: 300, digits: '2' }, { atMs: 600, digits: '1' }])).choice, 'twentyone');
  });

  test('a digit during WaitExten (after the prompt ended) works too', async () => {
    const r = await call([{ atMs: 3000, digits: '1' }]);
    assert.equal(r.choice, 'sales');
    assert.equal(r.media.sent.length, 100, 'the whole prompt played');
  });

  test('a wrong digit lands in i with INVALID_EXTEN, silence in t', async () => {
    assert.equal((await call([{ atMs: 300, digits: '7' }])).choice, 'invalid-7');
    assert.equal((await call([])).choice, 'timeout');
  });
});
