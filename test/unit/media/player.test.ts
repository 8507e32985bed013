import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AudioFrame } from '../../../src/media/frame.ts';
import { toSlin } from '../../../src/media/frame.ts';
import { toneRatio } from '../../../src/media/goertzel.ts';
import { ManualMediaClock, settle } from '../../../src/media/manual-clock.ts';
import { beepFrames, MAX_CATCH_UP_FRAMES, startPlayback, toneFrames } from '../../../src/media/player.ts';
import { encodeForFile, existingAudioBytes, headerPatches, recordingFormatOf, recordingHeader } from '../../../src/media/recording-format.ts';
import { SilenceDetector } from '../../../src/media/silence.ts';
import { readWav } from '../../../src/media/wav.ts';
import { createRecordingFile } from '../../../src/platform/recording-file.ts';

function numbered(n: number): AudioFrame[] {
  return [...Array(n).keys()].map((k) => ({ format: 'ulaw' as const, timestamp: k * 160, data: new Uint8Array(160).fill(k) }));
}

class Sink {
  readonly frames: AudioFrame[] = [];
  send(f: AudioFrame): void {
    this.frames.push(f);
  }
}

describe('startPlayback', () => {
  test('sends the first frame at once, then one per tick, and finishes on the tick after the last', async () => {
    const clock = new ManualMediaClock();
    const sink = new Sink();
    const p = startPlayback(clock, sink, numbered(4));
    let end: string | undefined;
    void p.done.then((e) => (end = e));
    assert.equal(sink.frames.length, 1);
    clock.tick(3);
    assert.deepEqual(sink.frames.map((f) => f.data[0]), [0, 1, 2, 3]);
    await settle();
    assert.equal(end, undefined, 'the last frame still has its 20 ms');
    clock.tick();
    await settle();
    assert.equal(end, 'finished');
    assert.equal(clock.listenerCount, 0);
  });

  test('stop() and an aborted signal end it without another frame and without a listener', async () => {
    const clock = new ManualMediaClock();
    const sink = new Sink();
    const ctl = new AbortController();
    const p = startPlayback(clock, sink, numbered(100), { signal: ctl.signal });
    clock.tick(2);
    ctl.abort();
    assert.equal(await p.done, 'stopped');
    clock.tick(5);
    assert.equal(sink.frames.length, 3);
    assert.equal(clock.listenerCount, 0);
    const q = startPlayback(clock, sink, numbered(100));
    q.stop();
    q.stop();
    assert.equal(await q.done, 'stopped');
    assert.equal(clock.listenerCount, 0);
  });

  test('an empty source finishes at once and never subscribes', async () => {
    const clock = new ManualMediaClock();
    const p = startPlayback(clock, new Sink(), []);
    assert.equal(await p.done, 'finished');
    assert.equal(clock.listenerCount, 0);
  });

  test('after a stall the missed frames go out at once, at most MAX_CATCH_UP_FRAMES', () => {
    const clock = new ManualMediaClock();
    const sink = new Sink();
    startPlayback(clock, sink, numbered(100));
    clock.tick();
    clock.tickAfterStall(2);
    assert.equal(sink.frames.length, 1 + 1 + 3);
    clock.tickAfterStall(50);
    assert.equal(sink.frames.length, 5 + MAX_CATCH_UP_FRAMES);
  });

  test('frames are converted to the requested format', () => {
    const clock = new ManualMediaClock();
    const sink = new Sink();
    startPlayback(clock, sink, numbered(2), { format: 'alaw' });
    assert.equal(sink.frames[0]!.format, 'alaw');
  });
});

describe('tone frames', () => {
  test('an endless tone keeps its frequency; a play-once beep ends', () => {
    const it = toneFrames('425', 'slin')[Symbol.iterator]();
    for (let i = 0; i < 100; i++) assert.ok(toneRatio(toSlin(it.next().value as AudioFrame), 425) > 0.9);
    const beep = [...beepFrames('ulaw')];
    assert.equal(beep.length, 13);
    assert.ok(toneRatio(toSlin(beep[3]!), 1000) > 0.9);
  });
});

describe('SilenceDetector', () => {
  test('a frame is silent below an average magnitude of 256; noise resets the count', () => {
    const d = new SilenceDetector();
    assert.equal(d.feed(new Int16Array(160).fill(255)), true);
    assert.equal(d.feed(new Int16Array(160).fill(-255)), true);
    assert.equal(d.totalSilenceMs, 40);
    assert.equal(d.feed(new Int16Array(160).fill(256)), false);
    assert.equal(d.totalSilenceMs, 0);
    assert.equal(d.totalNoiseMs, 20);
  });
});

describe('recording formats and the recording file', () => {
  test('extensions map to formats; gsm is not writable', () => {
    assert.equal(recordingFormatOf('WAV'), 'wav');
    assert.equal(recordingFormatOf('ul'), 'ulaw');
    assert.equal(recordingFormatOf('sln'), 'sln');
    assert.equal(recordingFormatOf('gsm'), undefined);
  });

  test('a streamed WAV with patched sizes reads back; nothing is visible before commit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-recfile-'));
    try {
      const path = join(dir, 'out.wav');
      const file = createRecordingFile(path);
      file.append(recordingHeader('wav'));
      const samples = new Int16Array(320).map((_, i) => (i % 50) * 100 - 2500);
      file.append(encodeForFile({ format: 'slin', timestamp: 0, data: samples.subarray(0, 160) }, 'wav'));
      file.append(encodeForFile({ format: 'slin', timestamp: 0, data: samples.subarray(160) }, 'wav'));
      file.append(new Uint8Array(100));
      file.truncate(file.size - 100);
      assert.deepEqual(readdirSync(dir).filter((n) => n === 'out.wav'), []);
      for (const [at, bytes] of headerPatches('wav', file.size)) file.writeAt(at, bytes);
      file.commit();
      assert.deepEqual(readdirSync(dir), ['out.wav']);
      const bytes = new Uint8Array(readFileSync(path));
      const wav = readWav(bytes);
      assert.deepEqual(Array.from(wav.data), Array.from(samples));
      assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true), bytes.length - 8);
      assert.deepEqual(Array.from(existingAudioBytes('wav', bytes)), Array.from(encodeForFile({ format: 'slin', timestamp: 0, data: samples }, 'sln')));

      const gone = createRecordingFile(join(dir, 'gone.ulaw'));
      gone.append(new Uint8Array(10));
      gone.discard();
      assert.deepEqual(readdirSync(dir), ['out.wav']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
