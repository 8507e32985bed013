/**
 * WAV (RIFF WAVE) files as telephony uses them: 8 kHz mono, either 16-bit linear PCM (format
 * tag 1), A-law (6) or µ-law (7). Anything else is refused with a PbxError('MEDIA_FORMAT')
 * that says what the file holds, so a user knows to convert it (`sox in.wav -r 8000 -c 1 -b 16
 * out.wav`). Chunks other than `fmt ` and `data` (LIST, fact, cue ...) are skipped; chunk
 * bodies are padded to even length as RIFF requires.
 */
import { PbxError } from '../core/errors.ts';
import { SAMPLE_RATE } from './frame.ts';

export const WAVE_FORMAT_PCM = 1;
export const WAVE_FORMAT_ALAW = 6;
export const WAVE_FORMAT_MULAW = 7;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

export type WavAudio =
  | { format: 'slin'; sampleRate: number; data: Int16Array }
  | { format: 'ulaw' | 'alaw'; sampleRate: number; data: Uint8Array };

function fail(why: string): PbxError {
  return new PbxError('MEDIA_FORMAT', `WAV: ${why}`);
}

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
}

interface FmtChunk {
  tag: number;
  channels: number;
  rate: number;
  bits: number;
}

/** Parse a WAV file. Only 8 kHz mono PCM16, µ-law or A-law is accepted. */
export function readWav(bytes: Uint8Array): WavAudio {
  if (bytes.length < 12) throw fail('file too short for a RIFF header');
  if (fourcc(bytes, 0) !== 'RIFF' || fourcc(bytes, 8) !== 'WAVE') throw fail('not a RIFF WAVE file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: FmtChunk | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = fourcc(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw fail('fmt chunk too short');
      let tag = view.getUint16(body, true);
      if (tag === WAVE_FORMAT_EXTENSIBLE && size >= 40 && body + 40 <= bytes.length) {
        // The sub-format GUID starts with the plain format tag.
        tag = view.getUint16(body + 24, true);
      }
      fmt = { tag, channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      if (!fmt) throw fail('data chunk before fmt chunk');
      // Writers that streamed the file may leave the size too large; take what is there.
      const end = Math.min(bytes.length, body + size);
      return decodeData(fmt, bytes.subarray(body, end));
    }
    at = body + size + (size & 1);
  }
  throw fail(fmt ? 'no data chunk' : 'no fmt chunk');
}

function decodeData(fmt: FmtChunk, data: Uint8Array): WavAudio {
  const what = `format ${fmt.tag}, ${fmt.channels} channel(s), ${fmt.rate} Hz, ${fmt.bits} bit`;
  if (fmt.channels !== 1) throw fail(`${what}: only mono is supported`);
  if (fmt.rate !== SAMPLE_RATE) throw fail(`${what}: only 8000 Hz is supported`);
  if (fmt.tag === WAVE_FORMAT_PCM) {
    if (fmt.bits !== 16) throw fail(`${what}: PCM must be 16-bit`);
    const n = data.length >> 1;
    const out = new Int16Array(n);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
    return { format: 'slin', sampleRate: fmt.rate, data: out };
  }
  if (fmt.tag === WAVE_FORMAT_MULAW || fmt.tag === WAVE_FORMAT_ALAW) {
    if (fmt.bits !== 8) throw fail(`${what}: G.711 must be 8-bit`);
    return { format: fmt.tag === WAVE_FORMAT_MULAW ? 'ulaw' : 'alaw', sampleRate: fmt.rate, data: data.slice() };
  }
  throw fail(`${what}: unsupported encoding (use PCM 16-bit, µ-law or A-law)`);
}

/** Serialise audio as an 8 kHz mono WAV file (PCM16, or G.711 with a `fact` chunk as required for non-PCM). */
export function writeWav(audio: { format: 'slin'; data: Int16Array } | { format: 'ulaw' | 'alaw'; data: Uint8Array }): Uint8Array {
  const pcm = audio.format === 'slin';
  const dataBytes = pcm ? audio.data.length * 2 : audio.data.length;
  const fmtSize = pcm ? 16 : 18;
  const factSize = pcm ? 0 : 12;
  const total = 12 + 8 + fmtSize + factSize + 8 + dataBytes + (dataBytes & 1);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const put4 = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  put4(0, 'RIFF');
  view.setUint32(4, total - 8, true);
  put4(8, 'WAVE');
  put4(12, 'fmt ');
  view.setUint32(16, fmtSize, true);
  const bits = pcm ? 16 : 8;
  const tag = pcm ? WAVE_FORMAT_PCM : audio.format === 'ulaw' ? WAVE_FORMAT_MULAW : WAVE_FORMAT_ALAW;
  view.setUint16(20, tag, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, SAMPLE_RATE, true);
  view.setUint32(28, (SAMPLE_RATE * bits) / 8, true);
  view.setUint16(32, bits / 8, true);
  view.setUint16(34, bits, true);
  let at = 36;
  if (!pcm) {
    view.setUint16(at, 0, true); // cbSize
    at += 2;
    put4(at, 'fact');
    view.setUint32(at + 4, 4, true);
    view.setUint32(at + 8, audio.data.length, true);
    at += 12;
  }
  put4(at, 'data');
  view.setUint32(at + 4, dataBytes, true);
  at += 8;
  if (audio.format === 'slin') {
    for (let i = 0; i < audio.data.length; i++) view.setInt16(at + i * 2, audio.data[i]!, true);
  } else {
    out.set(audio.data, at);
  }
  return out;
}
