/**
 * The shared music on hold stream: however many listen, one frame is produced per tick and
 * encoded once per format; files play in order (alpha) and loop; the clock is left when the last
 * listener goes; the service lists tracks and resolves classes with Asterisk's fallback.
 * Files are read asynchronously one track ahead, never inside a tick: a track change whose next
 * track is not loaded yet gives silent ticks instead of blocking the media clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaClock } from '../../../../src/media/clock.ts';
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

/** Every promise callback already possible runs (the fakes' reads answer at once). */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** `count` ticks, letting the loads a track change starts finish in between (as 20 ms would). */
async function play(clock: ManualMediaClock, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    clock.tick();
    await flush();
  }
}

/** A read answered when the test says so. */
interface HeldRead {
  path: string;
  answer(bytes: Uint8Array | undefined): void;
}

test('N listeners of a class share one read and one encode per format and tick', async () => {
  const clock = new ManualMediaClock();
  const files = new Map([['/moh/a.wav', tone(440, 10)]]);
  let reads = 0;
  const s = new MohStream({ name: 'default', clock, tracks: () => [{ path: '/moh/a.wav', ext: 'wav' }], read: async (p) => (reads++, files.get(p)) });
  const got: AudioFrame[][] = [];
  const stops: (() => void)[] = [];
  for (let i = 0; i < 50; i++) {
    const mine: AudioFrame[] = [];
    got.push(mine);
    stops.push(s.listen(i % 2 === 0 ? 'ulaw' : 'alaw', (f) => mine.push(f)));
  }
  assert.equal(clock.listenerCount, 1, 'one clock listener for the whole class');
  await flush();
  assert.equal(reads, 1, 'the file is read once, not per listener');
  await play(clock, 5);
  assert.equal(s.stats.frames, 5);
  assert.equal(s.stats.encoded.ulaw, 5);
  assert.equal(s.stats.encoded.alaw, 5);
  assert.equal(s.stats.encoded.slin, 0);
  assert.equal(reads, 2, 'once more when it started playing: the next pass, loaded ahead (still not per listener)');
  assert.equal(s.stats.fileReads, 2);
  // Every µ-law listener got the very same frame objects.
  for (let i = 2; i < 50; i += 2) assert.deepEqual(got[i]!.map((f) => f.data), got[0]!.map((f) => f.data));
  assert.equal(got[0]![0], got[2]![0]);
  assert.equal(got[1]![0]!.format, 'alaw');
  assert.ok(Math.abs(freq(got[0]![3]!) - 440) <= 50);
  for (const stop of stops) stop();
  assert.equal(clock.listenerCount, 0, 'the stream leaves the clock with its last listener');
  await play(clock, 3);
  assert.equal(s.stats.frames, 5, 'nothing is played without listeners');
  assert.equal(reads, 2, 'nothing is read without listeners');
});

test('alpha order plays files in name order and loops; an unreadable file is skipped and reported once', async () => {
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
  await flush();
  // No gap at the track changes: each next track was loaded while the previous one played.
  await play(clock, 8);
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

test('sort=random plays every file of a pass once, in a shuffled order', async () => {
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
  await flush();
  await play(clock, 4);
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

test('no file is read or listed inside a tick: a track change whose next track is still loading gives silent ticks', async () => {
  const clock = new ManualMediaClock();
  let inTick = false;
  // The stream's tick callback runs with inTick set: whatever it calls synchronously is "in a tick".
  const watched: MediaClock = {
    intervalMs: clock.intervalMs,
    get overruns() {
      return clock.overruns;
    },
    onTick: (cb) =>
      clock.onTick((n) => {
        inTick = true;
        try {
          cb(n);
        } finally {
          inTick = false;
        }
      }),
  };
  const files = new Map([
    ['/m/a.wav', tone(500, 2)],
    ['/m/c.wav', tone(1500, 3)],
  ]);
  const held: HeldRead[] = [];
  const reads: string[] = [];
  let ioInTick = 0;
  const warnings: string[] = [];
  const s = new MohStream({
    name: 'default',
    clock: watched,
    tracks: () => {
      if (inTick) ioInTick++;
      return ['a', 'b', 'c'].map((n) => ({ path: `/m/${n}.wav`, ext: 'wav' as const }));
    },
    read: (path) => {
      if (inTick) ioInTick++;
      reads.push(path);
      return new Promise((answer) => held.push({ path, answer }));
    },
    warn: (m) => warnings.push(m),
  });
  const heard: number[] = [];
  const answer = async (path: string, bytes: Uint8Array | undefined): Promise<void> => {
    const i = held.findIndex((h) => h.path === path);
    assert.ok(i >= 0, `${path} is being read`);
    held.splice(i, 1)[0]!.answer(bytes);
    await flush();
  };
  const stop = s.listen('slin', (f) => heard.push(Math.round(freq(f) / 500) * 500));
  await flush();
  assert.deepEqual(reads, ['/m/a.wav'], 'the first listener starts loading the first track');
  await play(clock, 3);
  assert.deepEqual(heard, [], 'nothing to hear before the first track is loaded');
  await answer('/m/a.wav', files.get('/m/a.wav'));
  assert.deepEqual(reads, ['/m/a.wav'], 'the next track is loaded when this one starts playing');
  await play(clock, 1);
  assert.deepEqual(heard, [500]);
  assert.equal(s.current, '/m/a.wav');
  assert.deepEqual(reads, ['/m/a.wav', '/m/b.wav'], 'the track playing started the load of the next one');
  await answer('/m/b.wav', undefined);
  assert.deepEqual(reads, ['/m/a.wav', '/m/b.wav', '/m/c.wav'], 'an unreadable file is skipped to the following one');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /b\.wav cannot be read/);
  // c.wav is slow to come: a ends, and the ticks until it is loaded have no frame.
  await play(clock, 3);
  assert.deepEqual(heard, [500, 500]);
  assert.equal(s.stats.frames, 2);
  assert.equal(s.current, undefined, 'the finished track is let go');
  await answer('/m/c.wav', files.get('/m/c.wav'));
  await play(clock, 3);
  assert.deepEqual(heard, [500, 500, 1500, 1500, 1500]);
  assert.deepEqual(reads, ['/m/a.wav', '/m/b.wav', '/m/c.wav', '/m/a.wav'], 'a new pass, loaded ahead');
  assert.equal(ioInTick, 0, 'no read and no listing ever ran inside a tick');
  stop();
  assert.equal(clock.listenerCount, 0);
});

test('a load finishing after the last listener left neither restarts the clock nor is kept; the next listener gets that track', async () => {
  const clock = new ManualMediaClock();
  const files = new Map([
    ['/m/a.wav', tone(500, 3)],
    ['/m/b.wav', tone(1500, 2)],
  ]);
  const held: HeldRead[] = [];
  const reads: string[] = [];
  const s = new MohStream({
    name: 'default',
    clock,
    tracks: () => [...files.keys()].map((path) => ({ path, ext: 'wav' as const })),
    read: (path) => {
      reads.push(path);
      return new Promise((answer) => held.push({ path, answer }));
    },
  });
  const answerAll = async (): Promise<void> => {
    for (const h of held.splice(0)) h.answer(files.get(h.path));
    await flush();
  };
  const heard: number[] = [];
  const hear = (f: AudioFrame): void => void heard.push(Math.round(freq(f) / 500) * 500);

  // Gone before the first track came.
  let stop = s.listen('slin', hear);
  await flush();
  stop();
  assert.equal(clock.listenerCount, 0);
  await answerAll();
  assert.equal(clock.listenerCount, 0, 'the late load did not start the clock');
  assert.equal(s.running, false);
  assert.deepEqual(reads, ['/m/a.wav'], 'and started no further load');
  await play(clock, 3);
  assert.equal(s.stats.frames, 0);

  // The next listener gets the track the disowned load was for (not skipped).
  stop = s.listen('slin', hear);
  await flush();
  assert.deepEqual(reads, ['/m/a.wav', '/m/a.wav']);
  await answerAll();
  await play(clock, 1);
  assert.deepEqual(heard, [500]);
  await answerAll(); // b.wav, loaded ahead
  assert.deepEqual(reads, ['/m/a.wav', '/m/a.wav', '/m/b.wav']);

  // Gone with b loaded ahead: b is dropped; the next listener resumes a where it stopped, then b.
  stop();
  assert.equal(clock.listenerCount, 0);
  stop = s.listen('slin', hear);
  await flush();
  assert.deepEqual(reads, ['/m/a.wav', '/m/a.wav', '/m/b.wav', '/m/b.wav']);
  await answerAll();
  await play(clock, 3);
  assert.deepEqual(heard, [500, 500, 500, 1500]);
  stop();
  await answerAll();
  assert.equal(clock.listenerCount, 0);
  assert.equal(s.running, false);
  assert.equal(s.pending, false, 'no load outstanding once everything answered');
});

test('a class whose files all fail plays nothing, reports each file once and looks again a second later with the tracks then', async () => {
  const clock = new ManualMediaClock();
  const files = new Map<string, Uint8Array>();
  const listed = ['/m/x.wav', '/m/y.wav'];
  const reads: string[] = [];
  const warnings: string[] = [];
  const s = new MohStream({
    name: 'default',
    clock,
    tracks: () => listed.map((path) => ({ path, ext: 'wav' as const })),
    read: async (path) => (reads.push(path), files.get(path)),
    warn: (m) => warnings.push(m),
  });
  const heard: number[] = [];
  const stop = s.listen('slin', (f) => heard.push(freq(f)));
  await flush();
  assert.deepEqual(reads, ['/m/x.wav', '/m/y.wav']);
  assert.equal(warnings.length, 2);
  await play(clock, 49);
  assert.equal(reads.length, 2, 'no new attempt for about a second');
  // Meanwhile a file is copied in and the class lists it (a reload's tracks show at the next pass).
  listed.push('/m/z.wav');
  files.set('/m/z.wav', tone(1000, 2));
  await play(clock, 1);
  assert.deepEqual(reads.slice(2), ['/m/x.wav', '/m/y.wav', '/m/z.wav']);
  assert.equal(warnings.length, 2, 'each unplayable file reported once');
  assert.deepEqual(heard, []);
  await play(clock, 1);
  assert.equal(heard.length, 1);
  assert.ok(Math.abs(heard[0]! - 1000) <= 50);
  stop();
});

test('the service reads the class\'s files from disk asynchronously (listen returns before any read)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moh-'));
  try {
    writeFileSync(join(dir, 'a.wav'), tone(700, 5));
    const clock = new ManualMediaClock();
    const svc = new MusicOnHold({ clock, classes: () => [{ name: 'default', mode: 'files', directory: dir, sort: 'alpha' }] });
    const heard: number[] = [];
    const stop = svc.listen('default', 'ulaw', (f) => heard.push(freq(f)))!;
    clock.tick();
    assert.deepEqual(heard, [], 'the first tick comes before the file is read');
    const s = svc.stream('default')!;
    for (let i = 0; i < 1000 && (s.pending || s.stats.fileReads === 0); i++) await new Promise((r) => setTimeout(r, 2));
    assert.equal(s.stats.fileReads, 1);
    clock.tick();
    assert.equal(heard.length, 1);
    assert.ok(Math.abs(heard[0]! - 700) <= 50);
    stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
