import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PbxError } from '../../../src/core/errors.ts';
import { readWav, writeWav } from '../../../src/media/wav.ts';
import { decodeSound, loadSound, soundToFrames } from '../../../src/media/sound-file.ts';
import type { SoundReader } from '../../../src/media/sound-file.ts';
import { encodeAlaw, encodeUlaw } from '../../../src/media/g711.ts';
import { toSlin } from '../../../src/media/frame.ts';
import { dominantFrequency } from '../../../src/media/goertzel.ts';

function sine(hz: number, n: number): Int16Array {
  return new Int16Array(n).map((_, i) => Math.round(10000 * Math.sin((2 * Math.PI * hz * i) / 8000)));
}

function wavHeader(tag: number, channels: number, rate: number, bits: number, dataBytes: number): Uint8Array {
  const b = new Uint8Array(44 + dataBytes);
  const v = new DataView(b.buffer);
  b.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
  v.setUint32(4, 36 + dataBytes, true);
  b.set([...'WAVEfmt '].map((c) => c.charCodeAt(0)), 8);
  v.setUint32(16, 16, true);
  v.setUint16(20, tag, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, (rate * channels * bits) / 8, true);
  v.setUint16(32, (channels * bits) / 8, true);
  v.setUint16(34, bits, true);
  b.set([...'data'].map((c) => c.charCodeAt(0)), 36);
  v.setUint32(40, dataBytes, true);
  return b;
}

function mediaError(code: string, text: string) {
  return (e: unknown) => e instanceof PbxError && e.code === code && e.message.includes(text);
}

describe('WAV', () => {
  test('16-bit PCM round trip is byte-exact in samples and has the canonical 44-byte header', () => {
    const s = sine(1000, 8000);
    const file = writeWav({ format: 'slin', data: s });
    assert.equal(file.length, 44 + 16000);
    const back = readWav(file);
    assert.equal(back.format, 'slin');
    assert.equal(back.sampleRate, 8000);
    assert.deepEqual(back.data, s);
  });

  test('µ-law (format 7) and A-law (format 6) round trip with a fact chunk', () => {
    const s = sine(440, 1601);
    for (const [format, data] of [['ulaw', encodeUlaw(s)], ['alaw', encodeAlaw(s)]] as const) {
      const file = writeWav({ format, data });
      assert.equal(new DataView(file.buffer).getUint16(20, true), format === 'ulaw' ? 7 : 6);
      assert.equal(String.fromCharCode(...file.subarray(38, 42)), 'fact');
      const back = readWav(file);
      assert.equal(back.format, format);
      assert.deepEqual(back.data, data);
    }
  });

  test('skips unknown chunks (LIST) before data', () => {
    const plain = writeWav({ format: 'slin', data: sine(500, 160) });
    const list = new Uint8Array([...'LIST'].map((c) => c.charCodeAt(0)).concat([5, 0, 0, 0, 1, 2, 3, 4, 5, 0]));
    const file = new Uint8Array(plain.length + list.length);
    file.set(plain.subarray(0, 36));
    file.set(list, 36);
    file.set(plain.subarray(36), 36 + list.length);
    assert.equal(readWav(file).data.length, 160);
  });

  test('other formats are refused with a clear MEDIA_FORMAT error', () => {
    assert.throws(() => readWav(wavHeader(1, 1, 16000, 16, 4)), mediaError('MEDIA_FORMAT', 'only 8000 Hz'));
    assert.throws(() => readWav(wavHeader(1, 2, 8000, 16, 4)), mediaError('MEDIA_FORMAT', 'only mono'));
    assert.throws(() => readWav(wavHeader(1, 1, 8000, 8, 4)), mediaError('MEDIA_FORMAT', 'PCM must be 16-bit'));
    assert.throws(() => readWav(wavHeader(0x31, 1, 8000, 0, 4)), mediaError('MEDIA_FORMAT', 'format 49'));
    assert.throws(() => readWav(new TextEncoder().encode('ID3 not a wav file')), mediaError('MEDIA_FORMAT', 'not a RIFF WAVE'));
    assert.throws(() => readWav(new Uint8Array(4)), mediaError('MEDIA_FORMAT', 'too short'));
    const noData = writeWav({ format: 'slin', data: new Int16Array(0) }).subarray(0, 36);
    assert.throws(() => readWav(noData), mediaError('MEDIA_FORMAT', 'no data chunk'));
  });
});

describe('sound files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-sounds-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const tone = sine(1000, 800); // 100 ms = 5 frames
  writeFileSync(join(dir, 'both.ulaw'), encodeUlaw(tone));
  writeFileSync(join(dir, 'both.alaw'), encodeAlaw(tone));
  writeFileSync(join(dir, 'both.wav'), writeWav({ format: 'slin', data: tone }));
  writeFileSync(join(dir, 'onlyulaw.ulaw'), encodeUlaw(tone));
  writeFileSync(join(dir, 'onlywav.wav'), writeWav({ format: 'slin', data: sine(1000, 850) }));

  test('the native file wins for each channel format', () => {
    assert.equal(loadSound(join(dir, 'both'), 'ulaw')!.path, join(dir, 'both.ulaw'));
    assert.equal(loadSound(join(dir, 'both'), 'alaw')!.path, join(dir, 'both.alaw'));
    assert.equal(loadSound(join(dir, 'both'), 'slin')!.path, join(dir, 'both.wav'));
  });

  test('a µ-law file plays on an A-law channel through the transcoding table, still 1 kHz', () => {
    const s = loadSound(join(dir, 'onlyulaw'), 'alaw')!;
    assert.equal(s.sourceFormat, 'ulaw');
    assert.equal(s.frames.length, 5);
    assert.ok(s.frames.every((f) => f.format === 'alaw' && f.data.length === 160));
    const pcm = new Int16Array(800);
    s.frames.forEach((f, i) => pcm.set(toSlin(f), i * 160));
    assert.ok(Math.abs(dominantFrequency(pcm).hz - 1000) <= 2);
  });

  test('a WAV is cut into frames with the tail padded and timestamps at 160-sample steps', () => {
    const s = loadSound(join(dir, 'onlywav'), 'ulaw')!;
    assert.equal(s.path, join(dir, 'onlywav.wav'));
    assert.equal(s.frames.length, 6);
    assert.deepEqual(s.frames.map((f) => f.timestamp), [0, 160, 320, 480, 640, 800]);
    assert.ok(s.frames[5]!.data.subarray(50).every((b) => b === 0xff), 'padding is µ-law silence');
  });

  test('a missing sound is undefined, an explicit extension loads only that file', () => {
    assert.equal(loadSound(join(dir, 'nothing'), 'ulaw'), undefined);
    assert.equal(loadSound(join(dir, 'both.alaw'), 'ulaw')!.sourceFormat, 'alaw');
  });

  test('decodeSound reads .sln and rejects an odd length; readers are injectable', () => {
    const sln = new Uint8Array([0x00, 0x80, 0xff, 0x7f]);
    assert.deepEqual([...(decodeSound('sln', sln).data as Int16Array)], [-32768, 32767]);
    assert.throws(() => decodeSound('sln', new Uint8Array(3)), mediaError('MEDIA_FORMAT', 'odd'));
    const files = new Map([['x/y.sln', sln]]);
    const reader: SoundReader = { read: (p) => files.get(p) };
    const loaded = loadSound('x/y', 'ulaw', reader)!;
    assert.equal(loaded.path, 'x/y.sln');
    assert.equal(soundToFrames({ format: 'ulaw', data: new Uint8Array(0) }, 'ulaw').length, 0);
  });
});
