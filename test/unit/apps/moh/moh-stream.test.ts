/**
 * The shared music on hold stream: however many listen, one frame is produced per tick and
 * encoded once per format; files play in order (alpha) and loop; the clock is left when the last
 * listener goes; the service lists tracks and resolves classes with Asterisk's fallback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualMediaClock } from '../../../../src/media/manual-clock.ts';
import { writeWav } from '../../../../src/media/wav.ts';
import { toSlin, type AudioFrame } from '../../../../src/media/frame.ts';
import { dominantFrequency } from '../../../../src/media/goertzel.ts';
import { MohStream } from '../../../../src/apps/moh/moh-stream.ts';
import { MusicOnHold, tracksIn } from '../../../../src/apps/moh/moh-service.ts';

function tone(hz: number, frames: number): Uint8Array {
  const data = new Int16Array(frames * 160);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 8000));
  return writeWav({ format: 'slin', data });
}

function freq(frame: AudioFrame): number {
  return dominantFrequency(toSlin(frame), { minHz: 200, maxHz: 3000 }).hz;
}

test('N listeners of a class share one read and one encode per format and tick', () => {
  const clock = new ManualMediaClock();
  const files = new Map([['/moh/a.wav', tone(440, 10)]]);
  let reads = 0;
  const s = new MohStream({ name: 'default', clock, tracks: () => [{ path: '/moh/a.wav', ext: 'wav' }], read: (p) => (reads++, files.get(p)) });
  const got: AudioFrame[][] = [];
  const stops: (() => void)[] = [];
  for (let i = 0; i < 50; i++) {
    const mine: AudioFrame[] = [];
    got.push(mine);
    stops.push(s.listen(i % 2 === 0 ? 'ulaw' : 'alaw', (f) => mine.push(f)));
  }
  assert.equal(clock.listenerCount, 1, 'one clock listener for the whole class');
  clock.tick(5);
  assert.equal(s.stats.frames, 5);
  assert.equal(s.stats.encoded.ulaw, 5);
  assert.equal(s.stats.encoded.alaw, 5);
  assert.equal(s.stats.encoded.slin, 0);
  assert.equal(reads, 1, 'the file is read once, not per listener');
  // Every µ-law listener got the very same frame objects.
  for (let i = 2; i < 50; i += 2) assert.deepEqual(got[i]!.map((f) => f.data), got[0]!.map((f) => f.data));
  assert.equal(got[0]![0], got[2]![0]);
  assert.equal(got[1]![0]!.format, 'alaw');
  assert.ok(Math.abs(freq(got[0]![3]!) - 440) <= 50);
  for (const stop of stops) stop();
  assert.equal(clock.listenerCount, 0, 'the stream leaves the clock with its last listener');
  clock.tick(3);
  assert.equal(s.stats.frames, 5, 'nothing is read without listeners');
});

test('alpha order plays files in name order and loops; an unreadable file is skipped and reported once', () => {
  const clock = new ManualMediaClock();
  const files = new Map([
    ['/moh/1.wav', tone(500, 2)],
    ['/moh/3.wav', tone(1500, 2)],
  ]);
  const warnings: string[] = [];
  const svc = new MusicOnHold({
    clock,
    classes: () => [{ name: 'default', mode: 'files', directory: '/moh', sort: 'alpha' }],
    list: () => ['3.wav', 'notes.txt', '2.ulaw', '1.wav'],
    read: (p) => files.get(p),
    warn: (m) => warnings.push(m),
  });
  assert.deepEqual(svc.tracks('default').map((t) => t.path), ['/moh/1.wav', '/moh/2.ulaw', '/moh/3.wav']);
  const heard: number[] = [];
  const stop = svc.listen('default', 'slin', (f) => heard.push(freq(f)))!;
  clock.tick(8);
  stop();
  assert.deepEqual(heard.map((h) => Math.round(h / 100) * 100), [500, 500, 1500, 1500, 500, 500, 1500, 1500]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /2\.ulaw cannot be read/);
});

test('tracks group a name in several formats and prefer the linear file', () => {
  assert.deepEqual(tracksIn('/d', ['b.ulaw', 'b.wav', 'a.alaw', 'x.mp3']), [
    { path: '/d/a.alaw', ext: 'alaw' },
    { path: '/d/b.wav', ext: 'wav' },
  ]);
});

test('resolve: the first existing class wished for, else default; listen refuses a class without files', () => {
  const clock = new ManualMediaClock();
  const svc = new MusicOnHold({
    clock,
    classes: () => [
      { name: 'default', mode: 'files', directory: '/d', sort: 'alpha' },
      { name: 'jazz', mode: 'files', directory: '/j', sort: 'random' },
    ],
    list: (d) => (d === '/d' ? ['a.wav'] : undefined),
    read: () => tone(440, 1),
  });
  assert.equal(svc.resolve('nope', 'JAZZ'), 'jazz');
  assert.equal(svc.resolve(undefined, 'nope'), 'default');
  assert.equal(svc.listen('jazz', 'ulaw', () => undefined), undefined);
  assert.equal(clock.listenerCount, 0);
});

test('sort=random plays every file of a pass once, in a shuffled order', () => {
  const clock = new ManualMediaClock();
  const hz = [400, 800, 1200, 1600];
  const files = new Map(hz.map((h, i) => [`/r/${i}.wav`, tone(h, 1)]));
  let r = 0.99;
  const svc = new MusicOnHold({
    clock,
    classes: () => [{ name: 'r', mode: 'files', directory: '/r', sort: 'random' }],
    list: () => [...files.keys()].map((p) => p.slice(3)),
    read: (p) => files.get(p),
    rand: () => (r = (r * 7.3) % 1),
  });
  const heard: number[] = [];
  const stop = svc.listen('r', 'slin', (f) => heard.push(Math.round(freq(f) / 400) * 400))!;
  clock.tick(4);
  stop();
  assert.deepEqual([...heard].sort((a, b) => a - b), hz);
  assert.notDeepEqual(heard, hz);
});

test('the class a held channel hears: its own set class, the holder\'s mohsuggest, its mohinterpret/musicclass, default', async () => {
  const { heldMusicClass, setChannelMusicClass } = await import('../../../../src/apps/moh/music-class.ts');
  const svc = new MusicOnHold({
    clock: new ManualMediaClock(),
    classes: () => ['default', 'set', 'suggested', 'interp', 'old'].map((name) => ({ name, mode: 'files', directory: `/${name}`, sort: 'alpha' as const })),
  });
  const held = {};
  assert.equal(heldMusicClass(svc, held, { mohinterpret: 'interp', musicclass: 'old' }, { mohsuggest: 'suggested' }), 'suggested');
  assert.equal(heldMusicClass(svc, held, { mohinterpret: 'interp', musicclass: 'old' }, { mohsuggest: 'missing' }), 'interp');
  assert.equal(heldMusicClass(svc, held, { musicclass: 'old' }, undefined), 'old');
  assert.equal(heldMusicClass(svc, held, undefined, undefined), 'default');
  setChannelMusicClass(held, 'set');
  assert.equal(heldMusicClass(svc, held, { mohinterpret: 'interp' }, { mohsuggest: 'suggested' }), 'set');
});
