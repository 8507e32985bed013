/**
 * The image builder's prompt conversion (firmware/lib/sounds.mjs): Debian's 16-bit 8 kHz .wav
 * prompts become raw G.711 μ-law, which a μ-law call plays untouched, so a wrong code here is
 * heard on every prompt.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { linearToUlaw, wavToUlaw } from '../../../firmware/lib/sounds.mjs';

/** A RIFF/WAVE file with a fmt chunk (PCM unless told) and the given 16-bit samples. */
function wav(samples: number[], fmt: { format?: number; channels?: number; rate?: number; bits?: number } = {}): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => data.writeInt16LE(s, i * 2));
  const f = Buffer.alloc(16);
  f.writeUInt16LE(fmt.format ?? 1, 0);
  f.writeUInt16LE(fmt.channels ?? 1, 2);
  f.writeUInt32LE(fmt.rate ?? 8000, 4);
  f.writeUInt32LE((fmt.rate ?? 8000) * 2, 8);
  f.writeUInt16LE(2, 12);
  f.writeUInt16LE(fmt.bits ?? 16, 14);
  const chunk = (id: string, body: Buffer) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(body.length, 4);
    return Buffer.concat([h, body]);
  };
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), chunk('fmt ', f), chunk('LIST', Buffer.from('INFOx\0', 'latin1')), chunk('data', data)]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length, 0);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), size, body]);
}

describe('G.711 μ-law encoding of the prompts', () => {
  test('known code points: silence, full scale, the segment edges (ITU-T G.711)', () => {
    assert.equal(linearToUlaw(0), 0xff);
    assert.equal(linearToUlaw(-1), 0x7f);
    assert.equal(linearToUlaw(32767), 0x80);
    assert.equal(linearToUlaw(-32768), 0x00);
    assert.equal(linearToUlaw(100), 0xf2);
    assert.equal(linearToUlaw(-100), 0x72);
    assert.equal(linearToUlaw(8159), 0x9f);
  });

  test('a wav prompt becomes one μ-law byte per sample, other chunks skipped', () => {
    const out = wavToUlaw(wav([0, 100, -100, 32767]));
    assert.deepEqual([...out], [0xff, 0xf2, 0x72, 0x80]);
  });

  test('anything but PCM mono 16 bit 8 kHz is refused with what the file is', () => {
    assert.throws(() => wavToUlaw(wav([0], { rate: 16000 }), 'x.wav'), /x\.wav: expected PCM mono 16 bit 8000 Hz, found format 1, 1 channel\(s\), 16 bit, 16000 Hz/);
    assert.throws(() => wavToUlaw(wav([0], { channels: 2 }), 'x.wav'), /2 channel/);
    assert.throws(() => wavToUlaw(Buffer.from('not a wav at all'), 'y.wav'), /y\.wav: not a RIFF\/WAVE file/);
  });
});
